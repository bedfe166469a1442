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

/// The next state of a unit with field h under `rule`; `old` is its state now.
inline float next_state(update_rule rule, float h, float old) {
    if (rule == update_rule::sign_keep) return h > 0 ? 1.0f : h < 0 ? -1.0f : old;
    // sigma(h) > 1 - sigma(h) in float is h > 0 except for |h| below ~3e-8, where sigma rounds
    // to 0.5; beyond 1e-4 sigma is 2.5e-5 away from 0.5, far more than its rounding error, so
    // only fields near 0 (and NaN) pay for the exponential.
    if (h > 1e-4f) return 1.0f;
    if (h < -1e-4f) return -1.0f;
    const float theta = 1.0f / (1.0f + std::exp(-h));
    return theta > 1.0f - theta ? 1.0f : -1.0f;
}

/// One synchronous update of the first `rows` cues of `state`: next = f(state W^T + b).
inline void update(const matrix& weights, const std::vector<float>& bias, update_rule rule, const matrix& state, matrix& field,
                   matrix& next, std::size_t rows) {
    const std::size_t n = state.shape()[1];
    if (rows == 0) return;
    detail::gemm<float>(false, true, rows, n, n, 1.0f, state.data(), n, weights.data(), n, 0.0f, field.data(), n);
    for (std::size_t k = 0; k < rows; ++k) {
        const float* h = &field(k, 0);
        const float* s = &state(k, 0);
        float* out = &next(k, 0);
        for (std::size_t j = 0; j < n; ++j) out[j] = next_state(rule, h[j] + (bias.empty() ? 0.0f : bias[j]), s[j]);
    }
}

/// One synchronous update of every cue: next = f(state W^T + b).
inline void update(const matrix& weights, const std::vector<float>& bias, update_rule rule, const matrix& state, matrix& field,
                   matrix& next) {
    if (field.shape() != state.shape()) field = matrix::from_shape(state.shape());
    if (next.shape() != state.shape()) next = matrix::from_shape(state.shape());
    update(weights, bias, rule, state, field, next, state.shape()[0]);
}

/// Runs the dynamics from `cues` and compares with `targets` (both [P x N]).
///
/// The batch stops as the authors' does (at the first step where no unit changed, or where the
/// units that changed are those of the step before), but only the cues still moving are
/// updated: a cue whose state repeats the one of two steps before (or of the step before) is
/// at a fixed point or in a 2-cycle for good, since the dynamics are deterministic, so its
/// state at the batch's last step follows from the parity. The result is the same as updating
/// every cue at every step; it is cheaper when a few cues wander up to max_steps.
inline recall_result recall(const matrix& weights, const std::vector<float>& bias, update_rule rule, const matrix& cues,
                            const matrix& targets, std::size_t max_steps, double threshold = stored_threshold) {
    const std::size_t p = cues.shape()[0], n = cues.shape()[1];
    if (weights.shape()[0] != n || weights.shape()[1] != n)
        throw error("recall needs an N x N weight matrix for cues of " + std::to_string(n) + " units");
    if (targets.shape() != cues.shape()) throw error("recall cues and targets differ in shape");
    if (!bias.empty() && bias.size() != n) throw error("recall bias has the wrong length");
    recall_result r;
    // A cue that has reached its end: from step `since` on, its state is `even` at steps
    // since + 2i and `odd` at since + 2i + 1 (equal at a fixed point).
    struct settled_cue {
        std::size_t since = 0;
        std::vector<float> even, odd;
    };
    const auto same_row = [n](const float* a, const float* b) { return std::equal(a, a + n, b); };
    // The moving cues, packed in their first `rows` rows: two steps ago, now, next.
    matrix before = cues, now = cues, next = matrix::from_shape({p, n}), field = matrix::from_shape({p, n});
    std::vector<std::size_t> cue(p);  // row -> cue
    for (std::size_t k = 0; k < p; ++k) cue[k] = k;
    std::vector<settled_cue> settled(p);
    std::vector<bool> is_settled(p, false);
    std::size_t rows = p, cycling = 0;  // cycling: settled cues in a 2-cycle (never fixed again)
    for (std::size_t step = 1; step <= max_steps; ++step) {
        update(weights, bias, rule, now, field, next, rows);
        r.steps = step;
        bool moved = false, repeated = true;  // some unit changed; every cue equals its state of two steps ago
        std::size_t kept = 0;
        for (std::size_t row = 0; row < rows; ++row) {
            const float* s1 = &next(row, 0);
            const bool fixed = same_row(s1, &now(row, 0));
            const bool back = step >= 2 && same_row(s1, &before(row, 0));
            moved = moved || !fixed;
            repeated = repeated && back;
            if (fixed || back) {
                auto& c = settled[cue[row]];
                c.since = step;
                c.even.assign(s1, s1 + n);
                c.odd.assign(&now(row, 0), &now(row, 0) + n);
                is_settled[cue[row]] = true;
                cycling += fixed ? 0 : 1;
                continue;
            }
            if (kept != row) {
                std::copy_n(&next(row, 0), n, &next(kept, 0));
                std::copy_n(&now(row, 0), n, &now(kept, 0));
                cue[kept] = cue[row];
            }
            ++kept;
        }
        rows = kept;
        std::swap(before, now);
        std::swap(now, next);  // rows of `now` are the kept cues' new states, `before` their old
        if (!moved && cycling == 0) {
            r.reason = stop_reason::fixed_point;
            break;
        }
        if (step >= 2 && repeated) {
            r.reason = stop_reason::two_cycle;
            break;
        }
    }
    r.state = matrix::from_shape({p, n});
    for (std::size_t row = 0; row < rows; ++row) std::copy_n(&now(row, 0), n, &r.state(cue[row], 0));
    for (std::size_t k = 0; k < p; ++k) {
        if (!is_settled[k]) continue;
        const auto& c = settled[k];
        const auto& s = (r.steps - c.since) % 2 == 0 ? c.even : c.odd;
        std::copy(s.begin(), s.end(), &r.state(k, 0));
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
