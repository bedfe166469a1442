#pragma once
/// \file
/// Which inputs of a class reach which neurons of a layer: connection kinds, masks, partner lists.
/// Which inputs of a class reach which neurons of a layer: the connection kinds, their masks
/// [neurons x inputs] (1 = connected) and, for sparse random partners, the partner lists that
/// the sparse kernels (detail/partners.hpp) walk instead of the mostly-zero mask.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/detail/random.hpp"
#include "infomorph/error.hpp"

namespace infomorph {

/// Which inputs of a class reach which neurons of a layer.
enum class connectivity {
    full,            // every input to every neuron
    identity,        // input j to neuron j only (square)
    none,            // no connections (the class is unused)
    no_self,         // all but input j to neuron j (square; lateral)
    random_partners  // `partners` random inputs per neuron, never itself (square; sparse lateral)
};

/// How one input class of a layer is connected, and whether it learns.
struct connection {
    /// The connection pattern.
    connectivity kind = connectivity::full;
    /// Random inputs per neuron for connectivity::random_partners.
    std::size_t partners = 0;
    bool trainable = true;      ///< false: neither weights nor bias learn
    /// Whether the class has a bias per neuron.
    bool bias = true;
    /// Non-zero: every connected weight is this value and never learns (the bias still does), as the paper's output-layer label input.
    double fixed_weight = 0.0;  // non-zero: weights = mask x this value and never learn (the
                                // bias still does), as the paper's output-layer label input
};

/// How a layer stores the weight gradient of a class with random partners (goal_gradients,
/// backward, zero_gradients). `dense`: [neurons x inputs], zero off the partners, as every other
/// class. `live`: [neurons x partners], entry (j, q) for input partners(i)[j * partners + q], the
/// order of layer::live_entries(i) and of adam::step_live. For 2000 neurons of 100 partners that
/// is 0.8 MB written instead of 16 MB zeroed and 100 scattered entries per row; the values are
/// the dense form's at the live entries, bit for bit.
enum class gradient_form { dense, live };

namespace detail {

// Partial Fisher-Yates over the other neurons with our own uniform draws (reproducible with
// every standard library): `partners` distinct inputs of neuron j, never j itself.
template <class Real>
void mark_random_partners(xt::xtensor<Real, 2>& m, std::size_t partners, std::mt19937_64& rng) {
    const std::size_t n = m.shape()[0];
    std::vector<std::size_t> others(n - 1);
    for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t o = 0, w = 0; o < n; ++o)
            if (o != j) others[w++] = o;
        for (std::size_t p = 0; p < partners; ++p) {
            const auto pick = p + static_cast<std::size_t>(uniform01(rng) * static_cast<double>(n - 1 - p));
            std::swap(others[p], others[pick]);
            m(j, others[p]) = Real(1);
        }
    }
}

}  // namespace detail

/// The mask of class `cls` (counted from 0; named from 1 in messages) with `in` inputs and `n`
/// neurons. Only random_partners draws from `rng`: the layer's initial weights come from the
/// same engine, so the order of draws is part of a seed's meaning.
template <class Real>
xt::xtensor<Real, 2> make_mask(const connection& c, std::size_t in, std::size_t n, std::mt19937_64& rng, std::size_t cls) {
    xt::xtensor<Real, 2> m = xt::zeros<Real>({n, in});
    auto need_square = [&] {
        if (in != n) throw error("class " + std::to_string(cls + 1) + ": this connectivity needs as many inputs as neurons");
    };
    switch (c.kind) {
        case connectivity::full: m.fill(Real(1)); break;
        case connectivity::none: break;
        case connectivity::identity:
            need_square();
            for (std::size_t j = 0; j < n; ++j) m(j, j) = Real(1);
            break;
        case connectivity::no_self:
            need_square();
            m.fill(Real(1));
            for (std::size_t j = 0; j < n; ++j) m(j, j) = Real(0);
            break;
        case connectivity::random_partners:
            need_square();
            if (c.partners >= n)
                throw error(std::to_string(c.partners) + " partners need more than " + std::to_string(n) + " neurons");
            detail::mark_random_partners(m, c.partners, rng);
            break;
    }
    return m;
}

/// The connected inputs of each neuron in ascending order, neuron after neuron: for a mask with
/// k ones per row, neuron j's partners are entries [j k, (j + 1) k).
template <class Real>
std::vector<std::uint32_t> partner_list(const xt::xtensor<Real, 2>& mask) {
    const std::size_t n = mask.shape()[0], in = mask.shape()[1];
    std::vector<std::uint32_t> partners;
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t p = 0; p < in; ++p)
            if (mask(j, p) != Real(0)) partners.push_back(static_cast<std::uint32_t>(p));
    return partners;
}

}  // namespace infomorph
