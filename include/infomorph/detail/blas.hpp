#pragma once
// Row-major GEMM on raw pointers with leading dimensions (sub-blocks of matrices), through
// the BLAS that xtensor-blas binds.

#include <cstddef>

#include <xtensor-blas/xblas.hpp>

namespace infomorph::detail {

// C[m x n] = alpha op(A) op(B) + beta C
template <class Real>
void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, Real alpha, const Real* a,
          std::size_t lda, const Real* b, std::size_t ldb, Real beta, Real* c, std::size_t ldc) {
    using index = xt::blas_index_t;
    cxxblas::gemm<index>(cxxblas::StorageOrder::RowMajor, transpose_a ? cxxblas::Transpose::Trans : cxxblas::Transpose::NoTrans,
                         transpose_b ? cxxblas::Transpose::Trans : cxxblas::Transpose::NoTrans, static_cast<index>(m),
                         static_cast<index>(n), static_cast<index>(k), alpha, a, static_cast<index>(lda), b,
                         static_cast<index>(ldb), beta, c, static_cast<index>(ldc));
}

}  // namespace infomorph::detail
