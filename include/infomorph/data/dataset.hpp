#pragma once
/// \file
/// Preparing a labelled image set for training as the paper does: a seeded train/validation
/// split, pixel normalisation with statistics of the training images only, and mini-batches.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/data/labelled_images.hpp"
#include "infomorph/detail/parallel.hpp"
#include "infomorph/detail/random.hpp"

namespace infomorph::data {

/// torchvision's ToTensor + Normalize(mean, sd) with one scalar for all pixels: the statistics
/// are those of the pixel values scaled to [0,1], and apply maps v (0..255) to (v/255 - mean)/sd.
/// sd is the population standard deviation (divides by the number of values).
struct normalization {
    /// Mean of the pixel values scaled to [0, 1].
    double mean = 0, sd = 1;

    /// The statistics of a set's pixels (0..255); `what` names the images in errors ("the training images"). Throws infomorph::error for an empty set or one of a single value.
    static normalization of(const xt::xtensor<float, 2>& images, const std::string& what = "the images") {
        const std::size_t n = images.size();
        if (n == 0) throw error("normalization of " + what + ": the set is empty");
        const float* x = images.data();
        // Two passes in double: a sum of squares minus the squared mean would lose the digits
        // of sd when millions of values lie far from 0.
        double sum = 0;
        for (std::size_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) / 255.0;
        const double mean = sum / static_cast<double>(n);
        double squares = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double d = static_cast<double>(x[i]) / 255.0 - mean;
            squares += d * d;
        }
        const double sd = std::sqrt(squares / static_cast<double>(n));
        if (!(sd > 0) || !std::isfinite(sd))
            throw error("normalization of " + what + ": every pixel has the same value (sd = 0), so (v - mean) / sd is undefined");
        return {mean, sd};
    }

    /// Normalises pixel values v (0..255) in place: (v / 255 - mean) / sd.
    void apply(xt::xtensor<float, 2>& images) const {
        float* x = images.data();
        for (std::size_t i = 0, n = images.size(); i < n; ++i)
            x[i] = static_cast<float>((static_cast<double>(x[i]) / 255.0 - mean) / sd);
    }
};
/// \var normalization::sd
/// Population standard deviation of the pixel values scaled to [0, 1].

/// Indices of a training set: those trained on and those held out for validation, both in shuffled order.
struct split {
    /// Indices of the images trained on.
    std::vector<std::size_t> train, validation;
};
/// \var split::validation
/// Indices of the images held out for validation.

/// Fisher-Yates with our own uniform draws: std::shuffle and std::uniform_int_distribution are
/// implementation-defined, and a seeded split or epoch order must be the same with every
/// standard library.
inline void shuffle(std::vector<std::size_t>& v, std::mt19937_64& rng) {
    for (std::size_t i = v.size(); i > 1; --i) {
        const double u = infomorph::detail::uniform01(rng);  // qualified: data::detail would hide it
        std::size_t j = static_cast<std::size_t>(u * static_cast<double>(i));
        if (j >= i) j = i - 1;  // cannot happen for i < 2^53, kept so an index never escapes
        std::swap(v[i - 1], v[j]);
    }
}

/// The indices 0 to n-1 in order.
inline std::vector<std::size_t> all_indices(std::size_t n) {
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), std::size_t{0});
    return v;
}

/// Shuffles 0..n-1 with the seed; the first round(n * train_fraction) go to train, the rest to
/// validation, both in shuffled order. The paper holds out 20%: train_fraction 0.8.
inline split train_validation_split(std::size_t n, double train_fraction, std::uint64_t seed) {
    if (!(train_fraction > 0 && train_fraction <= 1))
        throw error("train_fraction " + std::to_string(train_fraction) +
                                    " is outside (0, 1]");
    auto order = all_indices(n);
    std::mt19937_64 rng(seed);
    shuffle(order, rng);
    const auto n_train = static_cast<std::size_t>(std::llround(static_cast<double>(n) * train_fraction));
    split s;
    s.train.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_train));
    s.validation.assign(order.begin() + static_cast<std::ptrdiff_t>(n_train), order.end());
    return s;
}

/// Mini-batches of the given rows of a set, in the order of the indices (shuffle them each epoch
/// and build a new one: it is cheap); the last batch keeps the remainder. Holds a pointer to the set, which
/// must outlive it.
class batches {
public:
    /// Batches of the rows `indices` of `set` (which must outlive them); throws infomorph::error on batch size 0 or an index out of range.
    batches(const labelled_images& set, std::vector<std::size_t> indices, std::size_t batch_size)
        : set_(&set), indices_(std::move(indices)), batch_size_(batch_size) {
        if (batch_size == 0) throw error("batch size 0");
        const std::size_t n = set.images.shape()[0];
        if (set.labels.size() != n)
            throw error("the set has " + std::to_string(n) + " images but " +
                                        std::to_string(set.labels.size()) + " labels");
        for (std::size_t k = 0; k < indices_.size(); ++k)
            if (indices_[k] >= n)
                throw error("index " + std::to_string(indices_[k]) + " (position " +
                                            std::to_string(k) + ") is out of range for a set of " +
                                            std::to_string(n) + " images");
    }
    /// A temporary set would be gone before the first batch is read.
    batches(labelled_images&&, std::vector<std::size_t>, std::size_t) = delete;

    /// The number of batches, the last one possibly short.
    std::size_t count() const { return (indices_.size() + batch_size_ - 1) / batch_size_; }
    /// The number of rows over all batches.
    std::size_t size() const { return indices_.size(); }
    /// Rows per batch (but the last).
    std::size_t batch_size() const { return batch_size_; }

    /// Batch b as [rows x pixels] and its labels, copied on `threads` threads (0 means 1);
    /// reuses the outputs' storage when the shape fits.
    void get(std::size_t b, xt::xtensor<float, 2>& images, std::vector<std::uint8_t>& labels,
             std::size_t threads = 1) const {
        if (b >= count())
            throw error("batch " + std::to_string(b) + " of " + std::to_string(count()));
        const std::size_t begin = b * batch_size_;
        const std::size_t rows = std::min(batch_size_, indices_.size() - begin);
        const std::size_t pixels = set_->images.shape()[1];
        if (images.shape()[0] != rows || images.shape()[1] != pixels) images.resize({rows, pixels});
        labels.resize(rows);
        const float* from = set_->images.data();
        float* to = images.data();
        for (std::size_t r = 0; r < rows; ++r) labels[r] = set_->labels[indices_[begin + r]];
        // The rows are scattered over the set: one thread's copy waits on memory, and at many
        // threads it would be the training step's one serial part.
        const std::size_t blocks = std::min(std::max<std::size_t>(threads, 1), (rows + rows_per_block - 1) / rows_per_block);
        infomorph::detail::parallel_blocks(blocks, blocks, [&](std::size_t block) {
            const std::size_t end = infomorph::detail::block_begin(rows, blocks, block + 1);
            for (std::size_t r = infomorph::detail::block_begin(rows, blocks, block); r < end; ++r)
                std::memcpy(to + r * pixels, from + indices_[begin + r] * pixels, pixels * sizeof(float));
        });
    }

private:
    // Fewer rows than this per thread cost more in waking the thread than they save.
    static constexpr std::size_t rows_per_block = 64;
    const labelled_images* set_;
    std::vector<std::size_t> indices_;
    std::size_t batch_size_;
};

}  // namespace infomorph::data
