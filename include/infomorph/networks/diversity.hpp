#pragma once
// Neuron diversity of a hidden layer from its feedforward weight vectors w_i (row i of the
// [neurons x inputs] matrix; docs/search.md):
//   cosine distance  d(a, b) = 1 - a.b / (|a| |b|), in [0, 2]; 1 when either vector is zero
//                    (no direction: counted as orthogonal);
//   self             median over neurons i of d(w_i now, w_i at initialisation): how far the
//                    neurons have turned away from where they started (the paper's Fig. 5);
//   pairwise         median over all pairs i < j of d(w_i, w_j): how different the neurons are
//                    from each other (0: all alike).
// The median of an even number of values is the mean of the two middle ones. Sums run in
// double, in a fixed order (pairwise: 32 interleaved partial sums), on one thread: the same
// weights give the same bits.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "infomorph/error.hpp"
#include "infomorph/networks/network.hpp"

namespace infomorph {

/// A copy of the feedforward weights of a layer: `neurons` rows of `inputs` values.
struct weight_rows {
    std::size_t neurons = 0;      ///< rows: one per neuron
    std::size_t inputs = 0;       ///< values per row: the feedforward inputs
    std::vector<double> values;   ///< the weights, row-major
    /// The first of neuron i's `inputs` weights.
    const double* row(std::size_t i) const { return values.data() + i * inputs; }
};

/// The two diversity measures of one layer at one time.
struct diversity_result {
    double self = 0;      ///< median over neurons of d(w_i, w_i at initialisation)
    double pairwise = 0;  ///< median over pairs i < j of d(w_i, w_j)
};

/// The median of `values` (mean of the two middle ones for an even count); NaN when empty.
inline double median(std::vector<double> values) {
    if (values.empty()) return std::nan("");
    const std::size_t n = values.size(), mid = n / 2;
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
    const double upper = values[mid];
    if (n % 2 == 1) return upper;
    const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
    return (lower + upper) / 2;
}

/// The cosine distance 1 - a.b / (|a| |b|) of two vectors of length n; 1 when either is zero.
inline double cosine_distance(const double* a, const double* b, std::size_t n) {
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t k = 0; k < n; ++k) {
        ab += a[k] * b[k];
        aa += a[k] * a[k];
        bb += b[k] * b[k];
    }
    if (aa == 0 || bb == 0) return 1.0;
    return 1.0 - ab / (std::sqrt(aa) * std::sqrt(bb));
}

/// Median over neurons of the cosine distance between each neuron's weights `now` and `initial`.
inline double self_distance(const weight_rows& now, const weight_rows& initial) {
    if (now.neurons != initial.neurons || now.inputs != initial.inputs)
        throw error("self_distance: the weights have " + std::to_string(now.neurons) + " x " + std::to_string(now.inputs) +
                    " values, the initial ones " + std::to_string(initial.neurons) + " x " + std::to_string(initial.inputs));
    std::vector<double> d(now.neurons);
    for (std::size_t i = 0; i < now.neurons; ++i) d[i] = cosine_distance(now.row(i), initial.row(i), now.inputs);
    return median(std::move(d));
}

namespace detail {

// a.b as 32 interleaved partial sums (lane l adds the products k = l mod 32), combined in a
// fixed order: the same bits whatever vector width the compiler uses, and several
// independent vector sums in flight (4 with AVX-512, 8 with AVX2) instead of one chain of
// dependent additions.
inline double interleaved_dot(const double* a, const double* b, std::size_t n) {
    constexpr std::size_t lanes = 32;
    std::array<double, lanes> acc{};
    std::size_t k = 0;
    for (; k + lanes <= n; k += lanes)
        for (std::size_t l = 0; l < lanes; ++l) acc[l] += a[k + l] * b[k + l];
    for (std::size_t l = 0; k < n; ++k, ++l) acc[l] += a[k] * b[k];
    for (std::size_t width = lanes / 2; width > 0; width /= 2)
        for (std::size_t l = 0; l < width; ++l) acc[l] += acc[l + width];
    return acc[0];
}

}  // namespace detail

/// Median over all pairs of neurons i < j of the cosine distance of their weights (NaN for one neuron).
inline double pairwise_distance(const weight_rows& w) {
    // Unit rows first: a pair then costs one dot product instead of three.
    const std::size_t n = w.neurons, in = w.inputs;
    std::vector<double> unit(w.values.size(), 0.0);
    std::vector<bool> zero(n, false);
    for (std::size_t i = 0; i < n; ++i) {
        double norm = 0;
        for (std::size_t k = 0; k < in; ++k) norm += w.row(i)[k] * w.row(i)[k];
        zero[i] = norm == 0;
        if (!zero[i])
            for (std::size_t k = 0; k < in; ++k) unit[i * in + k] = w.row(i)[k] / std::sqrt(norm);
    }
    std::vector<double> d;
    d.reserve(n * (n - (n > 0 ? 1 : 0)) / 2);
    // Rows i in blocks that stay in L2, so that each row j is read from memory once per block
    // rather than once per i (2000 rows of 784 inputs are 12.5 MB).
    constexpr std::size_t block = 16;
    for (std::size_t i0 = 0; i0 < n; i0 += block) {
        const std::size_t i1 = std::min(n, i0 + block);
        for (std::size_t j = i0 + 1; j < n; ++j)
            for (std::size_t i = i0; i < std::min(i1, j); ++i)
                d.push_back(zero[i] || zero[j] ? 1.0 : 1.0 - detail::interleaved_dot(&unit[i * in], &unit[j * in], in));
    }
    return median(std::move(d));
}

/// Both measures of a layer now, against its weights at initialisation.
inline diversity_result diversity(const weight_rows& now, const weight_rows& initial) {
    return {self_distance(now, initial), pairwise_distance(now)};
}

/// The hidden layer's feedforward weights (parameter "hidden.weight1": source 1 = F, the image),
/// copied; none for networks without a hidden layer (readout).
inline std::optional<weight_rows> hidden_feedforward_weights(network& net) {
    for (const auto& p : net.parameters())
        if (p.name == "hidden.weight1" && p.shape.size() == 2) {
            weight_rows w{p.shape[0], p.shape[1], std::vector<double>(p.data, p.data + p.size())};
            return w;
        }
    return std::nullopt;
}

}  // namespace infomorph
