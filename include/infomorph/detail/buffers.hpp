#pragma once
// Batch-sized buffers keep their storage from batch to batch: reallocating them costs page
// faults on every batch.

#include <algorithm>
#include <array>
#include <cstddef>

#include <xsimd/xsimd.hpp>
#include <xtensor/xtensor.hpp>

namespace infomorph::detail {

// A row-major matrix on 64-byte boundaries. xt::xtensor takes its storage from std::allocator,
// which puts large blocks 16 bytes past a page boundary: with rows of a multiple of 16 floats,
// every AVX-512 load along a row would straddle two cache lines.
template <class T>
using aligned_matrix = xt::xtensor_container<xt::uvector<T, xsimd::aligned_allocator<T, 64>>, 2, xt::layout_type::row_major>;

// Resizes t to the extents unless it has them already.
template <class Tensor, class... Extent>
void shape_to(Tensor& t, Extent... extent) {
    const std::array<std::size_t, sizeof...(Extent)> shape{static_cast<std::size_t>(extent)...};
    if (!std::equal(shape.begin(), shape.end(), t.shape().begin(), t.shape().end())) t.resize(shape);
}

// Grows v to at least n elements and never shrinks it: a vector shrunk and regrown from call
// to call would value-initialise the regrown part each time.
template <class Vector>
void at_least(Vector& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
}

}  // namespace infomorph::detail
