#pragma once
/// \file
/// Recall dynamics of a Hopfield network and the cosine similarity that scores them.
/// Recall dynamics of a Hopfield network, as the authors' BaseHopfield.fixed_point
/// (paper_hopfield/src/hopfield.py, commit ecc3d7e): deterministic synchronous updates of the
/// whole batch of cues, stopped when no unit of any cue changes (fixed points), or when the set
/// of units that changed equals the set of the step before (every cue is at a fixed point or
/// in a 2-cycle), or after max_steps updates. Similarity to the stored pattern is the cosine.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/detail/blas.hpp"
#include "infomorph/memory/patterns.hpp"

namespace infomorph::memory {

/// How a unit turns its field h = sum_j W_ij s_j + b_i into its next state.
enum class update_rule {
    sign_keep,       // classical Hopfield: sign(h), a field of exactly 0 keeps the old state
    sigmoid_argmax,  // infomorphic neuron without external input: +1 if sigma(h) > 1 - sigma(h) in
                     // float, else -1 (torch's argmax over [1 - theta, theta] takes -1 on a tie)
};

/// Why recall stopped: no unit changed, every cue at a fixed point or in a 2-cycle, or max_steps reached.
enum class stop_reason { fixed_point, two_cycle, step_limit };

/// The outcome of recall from a batch of cues.
struct recall_result {
    matrix state;                 ///< the final states, one row per cue
    std::size_t steps = 0;        ///< updates done
    /// Why the dynamics stopped.
    stop_reason reason = stop_reason::step_limit;
    std::vector<double> cosine;   ///< per cue, the cosine of its final state with its target
    double mean_cosine = 0;       ///< the mean of cosine (the authors' accuracy)
    double recalled_fraction = 0; ///< cues whose cosine reaches `threshold`
    bool stored = false;          ///< the authors' criterion: mean cosine >= threshold
};

/// The mean cosine at which the patterns count as stored (the authors' epsilon, 0.95).
inline constexpr double stored_threshold = 0.95;

/// The cosine similarity of two vectors of n values, as torch.nn.CosineSimilarity (eps = 1e-8).
inline double cosine(const float* a, const float* b, std::size_t n) {
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t j = 0; j < n; ++j) {
        ab += static_cast<double>(a[j]) * b[j];
        aa += static_cast<double>(a[j]) * a[j];
        bb += static_cast<double>(b[j]) * b[j];
    }
    // As torch.nn.CosineSimilarity: x.y / sqrt(max(|x|^2 |y|^2, eps^2)), eps = 1e-8 (exactly 1
    // for equal +-1 vectors).
    return ab / std::sqrt(std::max(aa * bb, 1e-16));
}

/// One synchronous update of every cue: next = f(state W^T + b).
inline void update(const matrix& weights, const std::vector<float>& bias, update_rule rule, const matrix& state, matrix& field,
                   matrix& next) {
    const std::size_t p = state.shape()[0], n = state.shape()[1];
    if (field.shape() != state.shape()) field = matrix::from_shape({p, n});
    if (next.shape() != state.shape()) next = matrix::from_shape({p, n});
    detail::gemm<float>(false, true, p, n, n, 1.0f, state.data(), n, weights.data(), n, 0.0f, field.data(), n);
    for (std::size_t k = 0; k < p; ++k)
        for (std::size_t j = 0; j < n; ++j) {
            const float h = field(k, j) + (bias.empty() ? 0.0f : bias[j]);
            if (rule == update_rule::sign_keep) {
                next(k, j) = h > 0 ? 1.0f : h < 0 ? -1.0f : state(k, j);
            } else {
                const float theta = 1.0f / (1.0f + std::exp(-h));
                next(k, j) = theta > 1.0f - theta ? 1.0f : -1.0f;
            }
        }
}

/// Runs the dynamics from `cues` and compares with `targets` (both [P x N]).
inline recall_result recall(const matrix& weights, const std::vector<float>& bias, update_rule rule, const matrix& cues,
                            const matrix& targets, std::size_t max_steps, double threshold = stored_threshold) {
    const std::size_t p = cues.shape()[0], n = cues.shape()[1];
    if (weights.shape()[0] != n || weights.shape()[1] != n)
        throw error("recall needs an N x N weight matrix for cues of " + std::to_string(n) + " units");
    if (targets.shape() != cues.shape()) throw error("recall cues and targets differ in shape");
    if (!bias.empty() && bias.size() != n) throw error("recall bias has the wrong length");
    recall_result r;
    r.state = cues;
    matrix field, next;
    std::vector<std::size_t> changes, old_changes;
    bool have_old = false;
    for (std::size_t step = 0; step < max_steps; ++step) {
        update(weights, bias, rule, r.state, field, next);
        changes.clear();
        for (std::size_t e = 0; e < p * n; ++e)
            if (next.data()[e] != r.state.data()[e]) changes.push_back(e);
        r.steps = step + 1;
        std::swap(r.state, next);
        if (changes.empty()) {
            r.reason = stop_reason::fixed_point;
            break;
        }
        // The same units flipped twice in a row: each cue is back where it was two steps ago.
        if (have_old && changes == old_changes) {
            r.reason = stop_reason::two_cycle;
            break;
        }
        std::swap(old_changes, changes);
        have_old = true;
    }
    r.cosine.resize(p);
    double sum = 0;
    std::size_t hits = 0;
    for (std::size_t k = 0; k < p; ++k) {
        r.cosine[k] = cosine(&r.state(k, 0), &targets(k, 0), n);
        sum += r.cosine[k];
        hits += r.cosine[k] >= threshold ? 1 : 0;
    }
    r.mean_cosine = p > 0 ? sum / static_cast<double>(p) : 0.0;
    r.recalled_fraction = p > 0 ? static_cast<double>(hits) / static_cast<double>(p) : 0.0;
    r.stored = r.mean_cosine >= threshold;
    return r;
}

}  // namespace infomorph::memory
