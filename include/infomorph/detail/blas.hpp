#pragma once
// Row-major GEMM on raw pointers with leading dimensions (sub-blocks of matrices), through
// the BLAS that xtensor-blas binds; and a cache-blocked transpose.

#include <algorithm>
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

// out[cols x rows] = in[rows x cols]^T, in tiles that stay in cache.
template <class Real>
void transpose(const Real* in, std::size_t rows, std::size_t cols, Real* out) {
    constexpr std::size_t tile = 32;
    for (std::size_t r0 = 0; r0 < rows; r0 += tile)
        for (std::size_t c0 = 0; c0 < cols; c0 += tile)
            for (std::size_t r = r0; r < std::min(r0 + tile, rows); ++r)
                for (std::size_t c = c0; c < std::min(c0 + tile, cols); ++c) out[c * rows + r] = in[r * cols + c];
}

}  // namespace infomorph::detail
