#pragma once
/// \file
/// Fashion-MNIST (Zalando; same IDX layout as MNIST: 28x28, 60000 train and 10000 test images,
/// 10 classes). Debian's dataset-fashion-mnist installs the gzip files under
/// /usr/share/datasets/fashion-mnist. Needs zlib, through the IDX reader.

#include <filesystem>
#include <optional>
#include <string>

#include "infomorph/data/idx.hpp"

namespace infomorph::data {

/// Where Debian's dataset-fashion-mnist package installs the four gzip IDX files.
inline constexpr const char* fashion_mnist_debian_dir = "/usr/share/datasets/fashion-mnist";

namespace detail {

// The file as shipped (.gz) or as unpacked by hand; zlib reads both.
inline std::optional<std::string> idx_file(const std::string& dir, const std::string& base) {
    for (const std::string& name : {base + ".gz", base}) {
        const auto path = std::filesystem::path(dir) / name;
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) return path.string();
    }
    return std::nullopt;
}

inline const char* const fashion_mnist_files[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                  "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

}  // namespace detail

/// The Debian directory (fashion_mnist_debian_dir) when all four files are there; none otherwise.
inline std::optional<std::string> find_fashion_mnist() {
    for (const char* base : detail::fashion_mnist_files)
        if (!detail::idx_file(fashion_mnist_debian_dir, base)) return std::nullopt;
    return std::string(fashion_mnist_debian_dir);
}

/// The training (60000) or test (10000) set of a directory holding the four IDX files.
inline labelled_images read_fashion_mnist(const std::string& dir, bool train) {
    const std::string images = train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte";
    const std::string labels = train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte";
    // A missing file is reported by the reader as "<dir>/<name>.gz: cannot open".
    const auto path = [&](const std::string& base) {
        return detail::idx_file(dir, base).value_or((std::filesystem::path(dir) / (base + ".gz")).string());
    };
    return read_idx_pair(path(images), path(labels));
}

}  // namespace infomorph::data
