#pragma once
/// \file
/// CIFAR-10 binary batches (the "binary version" archive, cifar-10-batches-bin/): each record is a
/// label byte 0..9 and 3072 pixel bytes, 1024 red, 1024 green, 1024 blue, each 32x32 row-major.
/// Images keep that channel-major order (channels = 3). Malformed files throw infomorph::error
/// naming the file and the problem. No zlib: the batches are not compressed.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/data/labelled_images.hpp"

namespace infomorph::data {

namespace detail {

inline constexpr std::size_t cifar_side = 32, cifar_channels = 3;
inline constexpr std::size_t cifar_pixels = cifar_channels * cifar_side * cifar_side;
inline constexpr std::size_t cifar_record = 1 + cifar_pixels;

// Appends the records of one batch file as bytes; the caller converts to float once, so that
// the five training batches never exist twice as floats.
inline void append_cifar_batch(const std::string& path, std::vector<std::uint8_t>& pixels,
                               std::vector<std::uint8_t>& labels) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(path + ": cannot open");
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) throw error(path + ": cannot determine the file size");
    in.seekg(0, std::ios::beg);
    const auto bytes = static_cast<std::size_t>(size);
    if (bytes == 0) throw error(path + ": empty file");
    if (bytes % cifar_record != 0)
        throw error(path + ": truncated: " + std::to_string(bytes) + " bytes is not a whole number of " +
                                 std::to_string(cifar_record) + "-byte records");
    const std::size_t n = bytes / cifar_record;
    const std::size_t first = labels.size();
    labels.resize(first + n);
    pixels.resize((first + n) * cifar_pixels);
    for (std::size_t k = 0; k < n; ++k) {
        char label = 0;
        in.read(&label, 1);
        in.read(reinterpret_cast<char*>(pixels.data() + (first + k) * cifar_pixels),
                static_cast<std::streamsize>(cifar_pixels));
        if (!in) throw error(path + ": cannot read record " + std::to_string(k));
        const auto l = static_cast<std::uint8_t>(label);
        if (l > 9)
            throw error(path + ": record " + std::to_string(k) + " has label " + std::to_string(l) +
                                     ", expected 0..9");
        labels[first + k] = l;
    }
}

inline labelled_images cifar_images(const std::vector<std::uint8_t>& pixels, std::vector<std::uint8_t> labels) {
    labelled_images out;
    out.rows = cifar_side;
    out.cols = cifar_side;
    out.channels = cifar_channels;
    out.images = xt::xtensor<float, 2>::from_shape({labels.size(), cifar_pixels});
    for (std::size_t i = 0; i < pixels.size(); ++i) out.images.data()[i] = static_cast<float>(pixels[i]);
    out.labels = std::move(labels);
    return out;
}

}  // namespace detail

/// One batch file: [n x 3072] floats 0..255, channel-major (R plane, G plane, B plane).
inline labelled_images read_cifar10_batch(const std::string& path) {
    std::vector<std::uint8_t> pixels, labels;
    detail::append_cifar_batch(path, pixels, labels);
    return detail::cifar_images(pixels, std::move(labels));
}

/// The training set (data_batch_1.bin .. data_batch_5.bin, in that order) or the test set
/// (test_batch.bin) of a cifar-10-batches-bin directory.
inline labelled_images read_cifar10(const std::string& dir, bool train) {
    std::vector<std::uint8_t> pixels, labels;
    const auto file = [&](const std::string& name) { return (std::filesystem::path(dir) / name).string(); };
    if (train) {
        for (int b = 1; b <= 5; ++b) detail::append_cifar_batch(file("data_batch_" + std::to_string(b) + ".bin"), pixels, labels);
    } else {
        detail::append_cifar_batch(file("test_batch.bin"), pixels, labels);
    }
    return detail::cifar_images(pixels, std::move(labels));
}

}  // namespace infomorph::data
