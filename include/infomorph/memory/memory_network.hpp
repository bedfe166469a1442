#pragma once
/// \file
/// The recurrent infomorphic memory network of the authors' paper_hopfield.
/// The recurrent infomorphic memory network of the authors' paper_hopfield (IMHopfield in
/// src/hopfield.py, settings of conf/basic_config.yaml and the demo's run at commit ecc3d7e):
/// N bivariate infomorphic neurons. Source 1 (external) is the neuron's own bit of the pattern
/// through a frozen diagonal weight w_T = 2.3; source 2 (recurrent) is the weighted sum of all
/// other neurons' states, no self-connection, initial weights PyTorch's nn.Linear draw times
/// 0.001. theta = sigmoid(r + c); outputs +-1. Training sets the state to the patterns (no
/// noisy transmission) and ascends every neuron's goal on the full batch of patterns with
/// Adam (lr 0.05); the PID is measured with [2, 60] fixed bins on [-20, 20] (conf/binning/fixed.yaml)
/// or, with estimator::soft_bins, with the authors' soft marginal bins (conf/binning/marginal.yaml).
///
/// Composed from the library's pieces: layer<2> with the sum activation, per-source fixed
/// binning, the layer goal kernel and Adam.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "infomorph/detail/blas.hpp"
#include "infomorph/detail/buffers.hpp"
#include "infomorph/detail/quote.hpp"
#include "infomorph/detail/soft_bins.hpp"
#include "infomorph/error.hpp"
#include "infomorph/goal/goal.hpp"
#include "infomorph/neuron/activation.hpp"
#include "infomorph/neuron/binning.hpp"
#include "infomorph/neuron/layer.hpp"
#include "infomorph/neuron/optimizer.hpp"
#include "infomorph/lattice/orders.hpp"
#include "infomorph/memory/patterns.hpp"
#include "infomorph/memory/recall.hpp"

namespace infomorph::memory {

// Goals of the memory paper, in the authors' order [unique external, unique recurrent,
// redundancy, synergy, H_res].
namespace goals {
/// Maximise the redundancy of the external and recurrent inputs about the output (conf/goal/redundancy.yaml).
inline constexpr goal<2> redundancy = goal<2>::from_authors_order({0.0, 0.0, 1.0, 0.0, 0.0});  // conf/goal/redundancy.yaml
/// Maximise the joint mutual information I(T; E, R), the sum of the four atoms (conf/goal/joint_MI.yaml).
inline constexpr goal<2> joint_mi = goal<2>::from_authors_order({1.0, 1.0, 1.0, 1.0, 0.0});    // conf/goal/joint_MI.yaml
/// The first optimised goal of the paper's notebooks (capacity 1.70 there).
inline constexpr goal<2> optimized_1 = goal<2>::from_authors_order({0.48, -0.16, 0.25, 0.04, -0.63});
/// The second optimised goal of the paper's notebooks (capacity 1.68 there).
inline constexpr goal<2> optimized_2 = goal<2>::from_authors_order({-0.27, -0.68, 0.68, -0.77, -0.80});
}  // namespace goals

/// A memory goal by name: redundancy, joint_mi, optimized_1 or optimized_2; throws infomorph::error for any other.
inline goal<2> memory_goal(std::string_view name) {
    if (name == "redundancy") return goals::redundancy;
    if (name == "joint_mi") return goals::joint_mi;
    if (name == "optimized_1") return goals::optimized_1;
    if (name == "optimized_2") return goals::optimized_2;
    throw error("no memory goal named " + detail::quote(name) +
                                " (redundancy, joint_mi, optimized_1, optimized_2)");
}

/// The memory's binning: 2 bins for the external source, 60 for the recurrent sum, both fixed on [-20, 20].
using memory_binning = binning::per_source<binning::fixed_bins<2>, binning::fixed_bins<60>>;
/// The memory's layer: bivariate neurons with the sum activation (r external, c recurrent; memory_network weighs c by 1).
using memory_layer = layer<2, activation::sum2, memory_binning, float>;

/// How a memory neuron's joint distribution of (external, recurrent, output) is estimated for the PID.
enum class estimator {
    /// conf/binning/fixed.yaml: [2, 60] hard bins on [-20, 20] (BinningFixedSize).
    fixed_bins,
    /// conf/binning/marginal.yaml (BinningDifferentiableMarginal): [10, 10] sigmoid-edged bins on
    /// each source's batch range widened by 1, sigma fractions [1e-5, 0.5]; the goal's gradient
    /// also flows through the recurrent drive's bin memberships.
    soft_bins
};

/// The estimator of a name: fixed or soft; throws infomorph::error for any other.
inline estimator estimator_from_name(std::string_view name) {
    if (name == "fixed") return estimator::fixed_bins;
    if (name == "soft") return estimator::soft_bins;
    throw error("no binning named " + detail::quote(name) + " (fixed, soft)");
}

/// The name of an estimator, as estimator_from_name reads it.
inline const char* estimator_name(estimator e) { return e == estimator::soft_bins ? "soft" : "fixed"; }

/// What a memory network is built from; defaults are the authors' conf/basic_config.yaml.
struct memory_options {
    /// N, the number of neurons and of pattern bits.
    std::size_t neurons = 100;
    /// The goal every neuron ascends (canonical order inside).
    goal<2> objective = goals::redundancy;
    double external_weight = 2.3;   ///< the frozen weight w_T of a neuron's own pattern bit (model.init.external_scale)
    double internal_scale = 0.001;  ///< scale of nn.Linear's initial recurrent weights (model.init.internal_scale)
    double lr = 0.05;               ///< Adam's learning rate (optim_params.params.lr)
    /// The PID's estimator of the joint distribution.
    estimator binning = estimator::fixed_bins;
    /// Seed of the initial recurrent weights.
    std::uint64_t seed = 0;
    /// Threads of the layer's work; results do not depend on it.
    std::size_t threads = 1;
};

/// Mean PID atoms over the neurons, in the authors' order (the last is H_res).
using atom_summary = std::array<double, 5>;

/// The recurrent infomorphic memory of the authors' paper_hopfield: N bivariate neurons trained on patterns of +-1 bits.
class memory_network {
public:
    /// Builds the network; throws infomorph::error for fewer than 2 neurons.
    explicit memory_network(const memory_options& o) : options_(o), layer_(make_layer(o), o.objective) {
        if (o.neurons < 2) throw error("a memory network needs at least 2 neurons");
        // nn.Linear's draw (the layer's init) scaled, as the authors' scale_internal.
        for (auto& w : layer_.weight(1)) w = static_cast<float>(w * o.internal_scale);
        adam_.lr = o.lr;
        gamma_ = o.objective.to_authors_order();
    }

    /// N, the number of neurons.
    std::size_t neurons() const noexcept { return options_.neurons; }
    /// The recurrent weights [N x N], zero on the diagonal.
    const matrix& weights() const { return layer_.weight(1); }
    /// The recurrent weights, writable.
    matrix& weights() { return layer_.weight(1); }
    /// The underlying layer (source 1 external, source 2 recurrent).
    const memory_layer& layer() const { return layer_; }

    /// One full-batch epoch on the patterns [P x N]; returns the neurons' mean atoms before the step.
    atom_summary epoch(const matrix& patterns) {
        forward(patterns);
        gradients(patterns);
        // Ascend each neuron's goal (minimise -G, as the authors' loss -gamma . sum of atoms).
        adam_.step(layer_.weight(1).data(), d_weight_[1].data(), d_weight_[1].size(), adam_state_, -1.0);
        return summary();
    }

    /// The neurons' mean atoms on the patterns (the state clamped to them, as in training).
    atom_summary atoms(const matrix& patterns) {
        forward(patterns);
        gradients(patterns);
        return summary();
    }

    /// Recall with the external input silent, as the authors' fixed_point (training_signal None).
    recall_result recall(const matrix& cues, const matrix& targets, std::size_t max_steps = 0) const {
        return memory::recall(layer_.weight(1), {}, update_rule::sigmoid_argmax, cues, targets,
                              max_steps == 0 ? options_.neurons : max_steps);
    }

private:
    static memory_layer::options make_layer(const memory_options& o) {
        if (o.neurons < 2) throw error("a memory network needs at least 2 neurons");
        memory_layer::options l;
        l.input_sizes = {o.neurons, o.neurons};
        l.neurons = o.neurons;
        l.connections[0] = connection{connectivity::identity, 0, false, false, o.external_weight};
        l.connections[1] = connection{connectivity::no_self, 0, true, false, 0.0};
        l.activation.context_weight = 1.0;  // SumActivation, beta 1: sigmoid(r + c)
        std::get<0>(l.binning.policies) = {-20.0, 20.0};
        std::get<1>(l.binning.policies) = {-20.0, 20.0};
        l.seed = o.seed;
        l.threads = o.threads;
        return l;
    }

    void forward(const matrix& patterns) {
        if (patterns.shape()[1] != options_.neurons)
            throw error("patterns have " + std::to_string(patterns.shape()[1]) +
                                        " bits, the network has " + std::to_string(options_.neurons) + " neurons");
        // The external drive (frozen weights) only changes with the patterns: epochs on the
        // same patterns reuse it, which saves one of the epoch's three GEMMs.
        memory_layer::pass p;
        p.bins = options_.binning == estimator::fixed_bins;
        p.reuse = &state_;
        p.reuse_drive[0] = last_.shape() == patterns.shape() && state_.drive[0].shape()[0] == patterns.shape()[0] &&
                           same_values(patterns, last_);
        layer_.forward({&patterns, &patterns}, state_, nullptr, p);
        if (!p.reuse_drive[0]) last_ = patterns;
    }

    // Whether a and b (of one shape) hold equal values, as std::equal compares them. Without its
    // early exit the loop vectorises; the patterns are the same in nearly every epoch.
    static bool same_values(const matrix& a, const matrix& b) noexcept {
        const float* x = a.data();
        const float* y = b.data();
        unsigned differ = 0;
        for (std::size_t i = 0; i < a.size(); ++i) differ |= x[i] != y[i] ? 1u : 0u;
        return differ == 0;
    }

    // The ascent direction of every neuron's goal into d_weight_ (and the atoms).
    void gradients(const matrix& patterns) {
        if (options_.binning == estimator::fixed_bins) {
            layer_.goal_gradients({&patterns, &patterns}, state_, d_weight_, d_bias_, values_);
            return;
        }
        const std::size_t batch = patterns.shape()[0], n = options_.neurons;
        detail::shape_to(upstream_, batch, n);
        detail::shape_to(d_drive_, batch, n);
        detail::soft_goal_gradients(detail::soft_settings{}, gamma_, state_.drive[0].data(), state_.drive[1].data(),
                                    state_.theta.data(), batch, n, upstream_.data(), d_drive_.data(), soft_atoms_,
                                    options_.threads);
        layer_.zero_gradients(d_weight_, d_bias_);
        layer_.backward({&patterns, &patterns}, state_, upstream_, d_weight_, d_bias_);
        // The memberships' path: dG/dW += (dG/dr)^T X, no self-connection.
        float* dw = d_weight_[1].data();
        detail::gemm<float>(true, false, n, n, batch, 1.0f, d_drive_.data(), n, patterns.data(), n, 1.0f, dw, n);
        for (std::size_t i = 0; i < n; ++i) dw[i * n + i] = 0.0f;
    }

    atom_summary summary() const {
        atom_summary s{};
        if (options_.binning == estimator::soft_bins) {
            for (const auto& a : soft_atoms_)
                for (std::size_t i = 0; i < 5; ++i) s[i] += a[i];
            for (auto& x : s) x /= static_cast<double>(soft_atoms_.size());
            return s;
        }
        for (const auto& v : values_) {
            const auto a = to_order<2>(authors_order<2>(), v.atoms);
            for (std::size_t i = 0; i < 4; ++i) s[i] += a[i];
            s[4] += v.h_res;
        }
        for (auto& x : s) x /= static_cast<double>(values_.size());
        return s;
    }

    memory_options options_;
    memory_layer layer_;
    memory_layer::state state_;
    matrix last_;  // the patterns whose external drive state_ holds
    std::array<memory_layer::matrix, 2> d_weight_;
    std::array<memory_layer::vector, 2> d_bias_;
    std::vector<goal_result<2>> values_;
    optimizer::adam adam_{};
    optimizer::adam::state adam_state_;
    std::array<double, 5> gamma_{};                   // the goal in the authors' order
    memory_layer::matrix upstream_, d_drive_;         // soft bins: dG/dtheta, dG/dr (memberships)
    std::vector<std::array<double, 5>> soft_atoms_;   // soft bins: each neuron's atoms
};

}  // namespace infomorph::memory
