#pragma once
/// \file
/// Sparse joint distributions of N discrete sources and one discrete target: the input of the
/// PID. Only rows of positive probability are stored; every builder validates its input and
/// throws infomorph::error naming the problem and where it is.

#include <cmath>
#include <cstdio>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xarray.hpp>
#include <xtensor/xexpression.hpp>

#include "infomorph/error.hpp"
#include "infomorph/lattice/lattice.hpp"

namespace infomorph {

/// What a builder does with the total of the given probabilities: require 1 or rescale to 1.
enum class total_check {
    require,  // the total must be 1 within tolerance
    rescale   // divide by the total (which must be positive)
};

/// How sparse_distribution's builders validate their input.
struct distribution_options {
    /// Whether the probabilities must sum to 1 (within tolerance) or are divided by their total.
    total_check total = total_check::require;
    /// The largest accepted |total - 1| under total_check::require.
    double tolerance = 1e-9;
    /// Optional alphabet size per variable (s1..sN, t); when given, every value must lie below it.
    std::vector<std::size_t> alphabet_sizes{};
};

/// A joint distribution of N = 2 to 4 discrete sources and one discrete target, its rows of positive probability only.
/// Build one with from_probabilities, from_counts, from_samples or from_dense; each throws infomorph::error on bad input.
class sparse_distribution {
public:
    sparse_distribution() = default;

    /// N, the number of sources.
    std::size_t n_sources() const noexcept { return n_sources_; }
    /// N + 1: the sources, then the target.
    std::size_t n_variables() const noexcept { return n_sources_ + 1; }
    /// Rows of positive probability.
    std::size_t rows() const noexcept { return probabilities_.size(); }
    /// The value of a variable (0 to N-1 the sources, N the target) in stored row `row`.
    std::uint32_t value(std::size_t row, std::size_t variable) const noexcept {
        return columns_[variable * rows() + row];
    }
    /// The target's value in stored row `row`.
    std::uint32_t target(std::size_t row) const noexcept { return value(row, n_sources_); }
    /// The probability of stored row `row` (after rescaling, if asked for).
    double probability(std::size_t row) const noexcept { return probabilities_[row]; }
    /// Column-major storage: the values of one variable (0..N-1 sources, N the target) over all
    /// stored rows are contiguous, as the solvers' hot loops want them.
    const std::uint32_t* column(std::size_t variable) const noexcept { return columns_.data() + variable * rows(); }
    /// The probabilities of the stored rows, in order.
    const std::vector<double>& probabilities() const noexcept { return probabilities_; }
    /// The input row each stored row came from (rows of zero probability are not stored).
    std::size_t input_row(std::size_t row) const noexcept { return input_rows_[row]; }
    /// The number of input rows, stored or of zero probability; input_row() indexes into them.
    std::size_t input_rows() const noexcept { return n_input_rows_; }

    /// values: row-major, rows x (n_sources + 1), the target last. Rows may repeat: their
    /// probabilities add up, and each keeps its own pointwise values.
    static sparse_distribution from_probabilities(std::size_t n_sources, std::vector<std::uint32_t> values,
                                                  std::vector<double> probabilities,
                                                  const distribution_options& options = {}) {
        sparse_distribution d;
        d.init(n_sources, std::move(values), probabilities.size(), options);
        for (std::size_t r = 0; r < probabilities.size(); ++r) check_weight(probabilities[r], r, "probability");
        d.keep_positive(probabilities, options, "probabilities");
        return d;
    }

    /// Counts (non-negative, finite, not necessarily integer) normalised by their total.
    static sparse_distribution from_counts(std::size_t n_sources, std::vector<std::uint32_t> values,
                                           std::vector<double> counts, distribution_options options = {}) {
        sparse_distribution d;
        d.init(n_sources, std::move(values), counts.size(), options);
        for (std::size_t r = 0; r < counts.size(); ++r) check_weight(counts[r], r, "count");
        options.total = total_check::rescale;
        d.keep_positive(counts, options, "counts");
        return d;
    }

    /// Each row one sample of equal weight.
    static sparse_distribution from_samples(std::size_t n_sources, std::vector<std::uint32_t> values,
                                            const distribution_options& options = {}) {
        check_source_count(n_sources);
        const std::size_t n = values.size() / (n_sources + 1);
        if (n == 0) throw error("no samples given");
        sparse_distribution d;
        d.init(n_sources, std::move(values), n, options);
        std::vector<double> p(n, 1.0 / static_cast<double>(n));
        distribution_options o = options;
        o.total = total_check::rescale;
        d.keep_positive(p, o, "samples");
        return d;
    }

    /// A dense array: one axis per source, the last axis the target; entry = probability.
    template <class E>
    static sparse_distribution from_dense(const xt::xexpression<E>& expression, const distribution_options& options = {}) {
        const xt::xarray<double> p = expression.derived_cast();
        const std::size_t dims = p.dimension();
        if (dims < 3 || dims > max_sources + 1)
            throw error("a dense distribution needs one axis per source and one for the "
                                        "target (3 to " + std::to_string(max_sources + 1) + " axes), got " +
                                        std::to_string(dims));
        std::vector<std::uint32_t> values;
        std::vector<double> probs;
        std::vector<std::size_t> index(dims, 0);
        for (std::size_t flat = 0; flat < p.size(); ++flat) {
            std::size_t rest = flat;
            for (std::size_t a = dims; a-- > 0;) {
                index[a] = rest % p.shape()[a];
                rest /= p.shape()[a];
            }
            const double x = p.data()[flat];
            if (!std::isfinite(x) || x < 0) {
                std::string where;
                for (std::size_t a = 0; a < dims; ++a) {
                    if (a) where += ',';  // not `"," + to_string(...)`: GCC 12 warns falsely (-Wrestrict) there
                    where += std::to_string(index[a]);
                }
                throw error("dense distribution entry (" + where + ") is " +
                                            describe(x) + "; probabilities must be finite and non-negative");
            }
            if (x == 0) continue;
            for (auto i : index) values.push_back(static_cast<std::uint32_t>(i));
            probs.push_back(x);
        }
        if (probs.empty()) throw error("dense distribution has no positive entry");
        distribution_options o = options;
        if (o.alphabet_sizes.empty()) o.alphabet_sizes.assign(p.shape().begin(), p.shape().end());
        return from_probabilities(dims - 1, std::move(values), std::move(probs), o);
    }

    /// Throws infomorph::error unless 2 <= n_sources <= max_sources.
    static void check_source_count(std::size_t n_sources) {
        if (n_sources < 2 || n_sources > max_sources)
            throw error("the PID needs 2 to " + std::to_string(max_sources) +
                                        " sources, got " + std::to_string(n_sources));
    }

private:
    static std::string describe(double x) {
        if (std::isnan(x)) return "NaN";
        if (std::isinf(x)) return x > 0 ? "infinite" : "-infinite";
        char text[32];
        std::snprintf(text, sizeof text, "%.17g", x);
        return text;
    }

    static void check_weight(double x, std::size_t row, const char* what) {
        if (std::isnan(x) || std::isinf(x) || x < 0)
            throw error("row " + std::to_string(row) + ": " + what + " is " + describe(x) +
                                        "; it must be finite and non-negative");
    }

    void init(std::size_t n_sources, std::vector<std::uint32_t> values, std::size_t rows,
              const distribution_options& options) {
        check_source_count(n_sources);
        n_sources_ = n_sources;
        const std::size_t width = n_sources + 1;
        if (values.size() != rows * width)
            throw error(std::to_string(values.size()) + " values do not form " +
                                        std::to_string(rows) + " rows of " + std::to_string(n_sources) +
                                        " sources and a target (" + std::to_string(rows * width) + " expected)");
        if (rows == 0) throw error("the distribution has no rows");
        if (!options.alphabet_sizes.empty()) {
            if (options.alphabet_sizes.size() != width)
                throw error(std::to_string(options.alphabet_sizes.size()) +
                                            " alphabet sizes given for " + std::to_string(width) + " variables");
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t v = 0; v < width; ++v)
                    if (values[r * width + v] >= options.alphabet_sizes[v])
                        throw error(
                            "row " + std::to_string(r) + ": " + variable_name(v, n_sources) + " value " +
                            std::to_string(values[r * width + v]) + " lies outside its alphabet of size " +
                            std::to_string(options.alphabet_sizes[v]));
        }
        row_major_ = std::move(values);
        n_input_rows_ = rows;
    }

    static std::string variable_name(std::size_t v, std::size_t n_sources) {
        return v == n_sources ? std::string("target") : "source " + std::to_string(v + 1);
    }

    void keep_positive(const std::vector<double>& weights, const distribution_options& options, const char* what) {
        // A distribution is scale-free: the weights are summed after scaling by a power of two
        // (exact) that brings the largest to [1, 2), so that huge weights (a total of inf) and
        // subnormal ones (a reciprocal total of inf) normalise like any others. For weights whose
        // scaled values stay normal the probabilities are the same bits as w * (1 / total).
        double largest = 0;
        for (double w : weights) largest = w > largest ? w : largest;
        if (!(largest > 0)) throw error(std::string("the ") + what + " sum to zero");
        const int exponent = std::ilogb(largest);
        // Kahan-free: pairwise error of a plain sum of <= 1e6 terms stays far below 1e-9.
        double scaled_total = 0;
        for (double w : weights) scaled_total += std::ldexp(w, -exponent);
        const double total = std::ldexp(scaled_total, exponent);
        if (options.total == total_check::require && !(std::fabs(total - 1.0) <= options.tolerance))
            throw error("the probabilities sum to " + describe(total) +
                                        ", not to 1 within " + describe(options.tolerance) +
                                        " (ask for rescaling to normalise them)");
        const bool rescale = options.total == total_check::rescale;
        const double reciprocal = 1.0 / scaled_total;
        const double scale = rescale ? std::ldexp(reciprocal, -exponent) : 1.0;
        // When 2^-exponent / scaled_total leaves the range of a double, scale in two steps.
        const bool two_steps = rescale && !(std::isnormal(scale));
        const std::size_t width = n_variables();
        std::size_t kept = 0;
        input_rows_.clear();
        probabilities_.clear();
        for (std::size_t r = 0; r < weights.size(); ++r) {
            // A weight below 2^-1074 of the total has probability 0 as a double: not stored.
            const double p = two_steps ? std::ldexp(weights[r], -exponent) * reciprocal : weights[r] * scale;
            if (p == 0) continue;
            probabilities_.push_back(p);
            input_rows_.push_back(r);
            ++kept;
        }
        columns_.resize(kept * width);
        for (std::size_t k = 0; k < kept; ++k)
            for (std::size_t v = 0; v < width; ++v) columns_[v * kept + k] = row_major_[input_rows_[k] * width + v];
        row_major_ = {};
    }

    std::size_t n_sources_ = 0;
    std::size_t n_input_rows_ = 0;
    std::vector<std::uint32_t> row_major_;  // only while building
    std::vector<std::uint32_t> columns_;
    std::vector<double> probabilities_;
    std::vector<std::size_t> input_rows_;
};

}  // namespace infomorph
