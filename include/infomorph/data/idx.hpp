#pragma once
/// \file
/// IDX files (MNIST, Fashion-MNIST), raw or gzip-compressed (zlib reads both). Link zlib
/// (CMake: ZLIB::ZLIB) where this header is used. Malformed, truncated or mismatched files throw
/// infomorph::error naming the file and the problem.

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/data/labelled_images.hpp"

namespace infomorph::data {

namespace detail {

class gz_file {
public:
    explicit gz_file(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
        if (file_ == nullptr) throw error(path + ": cannot open");
    }
    ~gz_file() {
        if (file_ != nullptr) gzclose(file_);
    }
    gz_file(const gz_file&) = delete;
    gz_file& operator=(const gz_file&) = delete;

    void read(void* out, std::size_t bytes, const char* what) {
        auto* p = static_cast<unsigned char*>(out);
        while (bytes > 0) {
            const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(bytes, 1u << 30));
            const int got = gzread(file_, p, chunk);
            if (got < 0) throw error(path_ + ": cannot read " + what + " (corrupt compressed data)");
            if (got == 0) throw error(path_ + ": truncated while reading " + what);
            p += got;
            bytes -= static_cast<std::size_t>(got);
        }
    }
    // Up to `bytes` bytes; fewer only at the end of the data.
    std::size_t read_some(void* out, std::size_t bytes, const char* what) {
        auto* p = static_cast<unsigned char*>(out);
        std::size_t done = 0;
        while (done < bytes) {
            const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(bytes - done, 1u << 30));
            const int got = gzread(file_, p + done, chunk);
            if (got < 0) throw error(path_ + ": cannot read " + what + " (corrupt compressed data)");
            if (got == 0) break;
            done += static_cast<std::size_t>(got);
        }
        return done;
    }
    bool at_end() {
        unsigned char extra = 0;
        return gzread(file_, &extra, 1) == 0;
    }

private:
    std::string path_;
    gzFile file_;
};

/// The largest IDX payload read (16 GiB): far beyond every image set, below what a header may claim.
inline constexpr std::size_t idx_max_bytes = std::size_t{1} << 34;

inline std::uint32_t big_endian(const unsigned char* b) {
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | std::uint32_t{b[3]};
}

// Reads an unsigned-byte IDX file of the given rank; returns its dimensions and bytes.
inline std::vector<std::uint8_t> read_idx(const std::string& path, std::size_t rank, std::vector<std::size_t>& dims) {
    gz_file f(path);
    unsigned char magic[4];
    f.read(magic, 4, "the header");
    if (magic[0] != 0 || magic[1] != 0)
        throw error(path + ": not an IDX file (bad magic number)");
    if (magic[2] != 0x08) throw error(path + ": IDX element type " + std::to_string(magic[2]) + " is not unsigned byte");
    if (magic[3] != rank)
        throw error(path + ": IDX file has " + std::to_string(magic[3]) + " dimensions, expected " +
                                 std::to_string(rank));
    dims.assign(rank, 0);
    // Checked before each product, over the non-zero dimensions too, so that no product of
    // dimensions (total, or rows * cols of an empty set) can overflow.
    std::size_t total = 1, bound = 1;
    bool overflow = false;
    for (std::size_t d = 0; d < rank; ++d) {
        unsigned char b[4];
        f.read(b, 4, "the dimensions");
        dims[d] = big_endian(b);
        const std::size_t factor = std::max<std::size_t>(dims[d], 1);
        overflow |= bound > idx_max_bytes / factor;
        if (overflow) break;
        bound *= factor;
        total *= dims[d];
    }
    if (overflow || bound > idx_max_bytes)
        throw error(path + ": IDX dimensions are implausibly large (over " + std::to_string(idx_max_bytes) + " bytes)");
    // The header is untrusted and a gzip stream's size is unknown before it is read: the
    // buffer grows with what the file really holds, in chunks that double from 64 KiB to
    // 16 MiB, so a header claiming 10^9 images in a small file fails once its end is reached,
    // after allocating at most about twice the file's size (and 64 KiB for a tiny one).
    std::vector<std::uint8_t> bytes;
    constexpr std::size_t first_chunk = std::size_t{1} << 16, largest_chunk = std::size_t{1} << 24;
    while (bytes.size() < total) {
        const std::size_t chunk = std::clamp(bytes.size(), first_chunk, largest_chunk);
        const std::size_t start = bytes.size(), want = std::min(chunk, total - start);
        bytes.resize(start + want);
        const std::size_t got = f.read_some(bytes.data() + start, want, "the data");
        bytes.resize(start + got);
        if (got < want) {
            const std::size_t item = dims[0] == 0 ? 1 : total / dims[0];
            throw error(path + ": header says " + std::to_string(dims[0]) + (rank == 1 ? " labels" : " images") +
                        " but the file holds " + std::to_string(bytes.size() / item) + " (truncated)");
        }
    }
    if (!f.at_end()) throw error(path + ": trailing bytes after the IDX data");
    return bytes;
}

}  // namespace detail

/// An IDX images file (rank 3; gzip or plain) as [n x rows*cols] pixels 0..255, without labels; throws infomorph::error on a bad file.
inline labelled_images read_idx_images(const std::string& path) {
    std::vector<std::size_t> di;
    const auto pixels = detail::read_idx(path, 3, di);
    labelled_images out;
    out.rows = di[1];
    out.cols = di[2];
    const std::size_t n = di[0], p = di[1] * di[2];
    if (n == 0) throw error(path + ": the file holds no images");
    if (p == 0) throw error(path + ": the images have no pixels (" + std::to_string(di[1]) + " x " + std::to_string(di[2]) + ")");
    out.images = xt::xtensor<float, 2>::from_shape({n, p});
    for (std::size_t i = 0; i < n * p; ++i) out.images.data()[i] = static_cast<float>(pixels[i]);
    return out;
}

/// An IDX images file (rank 3) and its labels file (rank 1), gzip or plain; throws infomorph::error unless the counts match.
inline labelled_images read_idx_pair(const std::string& images_path, const std::string& labels_path) {
    auto out = read_idx_images(images_path);
    std::vector<std::size_t> dl;
    auto labels = detail::read_idx(labels_path, 1, dl);
    if (out.images.shape()[0] != dl[0])
        throw error(images_path + " has " + std::to_string(out.images.shape()[0]) + " images but " + labels_path + " has " +
                    std::to_string(dl[0]) + " labels");
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] > 9)
            throw error(labels_path + ": label " + std::to_string(i) + " is " + std::to_string(labels[i]) + ", expected 0..9");
    out.labels = std::move(labels);
    return out;
}

}  // namespace infomorph::data
