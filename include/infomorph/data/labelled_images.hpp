#pragma once
/// \file
/// The in-memory form every reader returns. Its own header so that code handling images
/// (normalisation, batching, CIFAR) does not pull in zlib through the IDX reader.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace infomorph::data {

/// A labelled image set, the in-memory form every reader returns.
struct labelled_images {
    xt::xtensor<float, 2> images;  ///< [n x pixels], values 0..255 as read
    /// One label per image, the class index.
    std::vector<std::uint8_t> labels;
    /// Image height in pixels.
    std::size_t rows = 0, cols = 0;
    /// A pixel row holds the channels one after another (channel-major, as CIFAR stores them),
    /// so pixels = channels * rows * cols.
    std::size_t channels = 1;
};
/// \var labelled_images::cols
/// Image width in pixels.

}  // namespace infomorph::data
