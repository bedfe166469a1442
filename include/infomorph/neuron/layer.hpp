#pragma once
/// \file
/// A layer of infomorphic neurons with N input classes (1 = feedforward, 2 = context,
/// 3 = lateral). Each class has its own weight matrix and bias; an activation policy turns the
/// class drives into a firing probability; a binning policy turns them into the bins whose joint
/// distribution with the output the local goal is measured on; weight gradients follow the
/// three-factor rule  dG/dW_i = (dG/dtheta * dtheta/dr_i)^T X_i  with the products through BLAS.
///
/// The same backward pass serves global training by backpropagation (the paper's baseline),
/// with the loss gradient in place of dG/dtheta.
///
/// Which inputs reach which neurons is connectivity.hpp's; sampling the outputs is
/// sampling.hpp's; the sparse-partner kernels are detail/partners.hpp's.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <xsimd/xsimd.hpp>
#include <xtensor-blas/xblas.hpp>
#include <xtensor/xtensor.hpp>

#include "infomorph/detail/blas.hpp"
#include "infomorph/detail/buffers.hpp"
#include "infomorph/detail/parallel.hpp"
#include "infomorph/detail/partners.hpp"
#include "infomorph/detail/random.hpp"
#include "infomorph/detail/sparse_rows.hpp"
#include "infomorph/detail/tiles.hpp"
#include "infomorph/error.hpp"
#include "infomorph/goal/goal.hpp"
#include "infomorph/goal/layer_goal.hpp"
#include "infomorph/neuron/activation.hpp"
#include "infomorph/neuron/concepts.hpp"
#include "infomorph/neuron/connectivity.hpp"
#include "infomorph/neuron/sampling.hpp"

namespace infomorph {

/// A layer of infomorphic neurons with N input classes (1 = feedforward, 2 = context, 3 = lateral).
/// Activation and Binning are policies (neuron/concepts.hpp); Real is float or double.
template <std::size_t N, class Activation, class Binning, class Real = float>
    requires std::floating_point<Real> && activation_policy<Activation, N, Real> && binning_policy<Binning, Real>
class layer {
public:
    /// N, the number of input classes (the sources of each neuron's PID).
    static constexpr std::size_t sources = N;
    /// The activation policy.
    using activation_type = Activation;
    /// The binning policy.
    using binning_type = Binning;
    /// A [rows x columns] matrix of Real.
    using matrix = xt::xtensor<Real, 2>;
    /// A vector of Real.
    using vector = xt::xtensor<Real, 1>;

    /// What a layer is built from.
    struct options {
        /// The input width of each class.
        std::array<std::size_t, N> input_sizes{};
        /// The number of neurons (at least 1).
        std::size_t neurons = 0;
        /// Which inputs of each class reach which neurons, and whether the class learns.
        std::array<connection, N> connections{};
        /// The activation policy's parameters.
        Activation activation{};
        /// The binning policy's parameters.
        Binning binning{};
        std::uint64_t seed = 0;  ///< initial weights and random partners
        /// Threads of the layer's work (drives, sampling, goals, gradients); results do not depend on it.
        std::size_t threads = 1;
        /// Values of a silent and a firing sampled output: -1/+1 for infomorphic neurons, 0/1
        /// for the straight-through units of the baselines (as the authors' surrogate layers).
        std::array<Real, 2> output_values{Real(-1), Real(1)};
    };

    /// The drives, firing probabilities, their derivatives and the sampled outputs of a batch.
    struct state {
        std::array<matrix, N> drive;   ///< r_i = X_i W_i^T + b_i, [batch x neurons]
        matrix theta;                  ///< firing probabilities P(y = +1), [batch x neurons]
        std::array<matrix, N> dtheta;  ///< d theta / d r_i when `derivatives`
        matrix output;                 ///< sampled outputs, options::output_values (or theta when not sampling)
        xt::xtensor<std::uint32_t, 3> bins;  ///< [batch x neurons x N]
        detail::aligned_vector<Real> scratch_in, scratch_out;  ///< tiles for sparse connections
        detail::aligned_vector<Real> scratch_weights;  ///< the live weights of a sparse class, [neurons x partners]
        std::size_t transposed_class = N;           ///< the class whose input scratch_in or scratch_signs holds (N: none)
        std::vector<std::uint16_t> scratch_signs;   ///< a ±1 input of a sparse class as sign bits (detail/sign_bits.hpp)
        bool signs = false;                         ///< the transposed class is in scratch_signs, not scratch_in
        detail::sparse_rows<Real> sparse_input;     ///< a mostly-background class input, row by row (dense_drive)
        detail::aligned_vector<Real> scratch_panels;  ///< W_i^T in column blocks, then the background's terms
        std::array<bool, N> binned{};               ///< per class: bins hold the bins of drive[i] as it is now
        bool derivatives = false;                   ///< dtheta holds this batch's derivatives (pass::derivatives)
    };
    /// \var state::scratch_in
    /// Tiles of a class input for sparse connections.

    /// Classes are initialised in order from one engine: masks (random partners) and weights
    /// draw from it in turn, so a seed gives the same layer whatever else changes.
    layer(const options& o, const goal<N>& g) : options_(o), goal_(g), goal_driver_(o.threads) {
        if (o.neurons == 0) throw error("a layer needs at least one neuron");
        std::mt19937_64 rng(o.seed);
        for (std::size_t i = 0; i < N; ++i) initialise_class(i, rng);
    }

    /// Class i's weights, [neurons x input_sizes[i]] (zero where the mask is 0).
    const matrix& weight(std::size_t i) const { return weight_[i]; }
    /// Class i's weights, writable (an optimiser's step).
    matrix& weight(std::size_t i) { return weight_[i]; }
    /// Class i's biases, one per neuron (zero when the class has none).
    const vector& bias(std::size_t i) const { return bias_[i]; }
    /// Class i's biases, writable.
    vector& bias(std::size_t i) { return bias_[i]; }
    /// Class i's connection mask, [neurons x input_sizes[i]]: 1 where an input reaches a neuron, else 0.
    const matrix& mask(std::size_t i) const { return mask_[i]; }
    /// Class i's partner inputs, neuron by neuron (partners each, ascending); empty unless the
    /// class has random_partners connectivity.
    const std::vector<std::uint32_t>& partners(std::size_t i) const { return partners_[i]; }
    /// Class i's live weights as positions in weight(i)'s data, in the order of partners(i);
    /// empty unless the class has random_partners connectivity.
    const std::vector<std::size_t>& live_entries(std::size_t i) const { return live_[i]; }
    /// Class i's connectivity.
    const connection& connections(std::size_t i) const { return options_.connections[i]; }
    /// The number of neurons.
    std::size_t neurons() const { return options_.neurons; }
    /// The number of threads the layer works on.
    std::size_t threads() const { return options_.threads; }

    /// What a forward pass may skip or reuse.
    struct pass {
        bool bins = true;                ///< bin the drives (only passes that learn need them)
        bool derivatives = true;         ///< keep dtheta/dr_i (only passes that learn need them)
        std::array<bool, N> silent{};    ///< per class: the input is all zero (drive = bias); x[i] may be null
        const state* reuse = nullptr;    ///< a pass on the same batch whose drives can be reused
        std::array<bool, N> reuse_drive{};  ///< per class: the input is the same as in `reuse` (or `take`)
        /// As `reuse`, for a pass whose drives are no longer needed: they are moved, not copied,
        /// and left unspecified there.
        state* take = nullptr;
    };

    /// The drives, firing probabilities, outputs and (when p.bins) bins of a batch, into s.
    /// x[i]: [batch x input_sizes[i]] (ignored for classes with no connections; may be null for
    /// silent ones). With an engine, outputs are sampled (output_values); without, they are theta.
    void forward(const std::array<const matrix*, N>& x, state& s, std::mt19937_64* rng, const pass& p = {}) const {
        const std::size_t batch = check_inputs(x, p.silent);
        s.transposed_class = N;
        for (std::size_t i = 0; i < N; ++i) class_drive(i, x[i], batch, s, p);
        if (p.derivatives) activate_and_sample<true>(s, batch, rng);
        else activate_and_sample<false>(s, batch, rng);
        if (p.bins) bin(s);
    }

    /// The local goals of all neurons on the batch of `s` (bins as binned in forward) and the
    /// ascent direction for every weight and bias: dG/dW_i (masked; zero for frozen classes).
    /// `form`: how classes with random partners store dG/dW_i (gradient_form).
    void goal_gradients(const std::array<const matrix*, N>& x, const state& s, std::array<matrix, N>& d_weight,
                        std::array<vector, N>& d_bias, std::vector<goal_result<N>>& values,
                        gradient_form form = gradient_form::dense) {
        goal_driver_.compute(goal_, s.bins, s.theta, values, dg_dtheta_);
        zero_gradients(d_weight, d_bias, form);
        backward(x, s, dg_dtheta_, d_weight, d_bias, {}, form);
    }

    /// Sets d_weight and d_bias to zero in the layer's shapes (for classes with random partners,
    /// in `form`). In place when the shapes already fit: a fresh [2000 x 2000] matrix per batch
    /// costs its page faults as well as its zeros.
    void zero_gradients(std::array<matrix, N>& d_weight, std::array<vector, N>& d_bias,
                        gradient_form form = gradient_form::dense) const {
        for (std::size_t i = 0; i < N; ++i) {
            detail::shape_to(d_weight[i], options_.neurons, gradient_width(i, form));
            fill_zero(d_weight[i].data(), d_weight[i].size());
            if (d_bias[i].shape()[0] != options_.neurons) d_bias[i] = vector::from_shape({options_.neurons});
            std::fill(d_bias[i].begin(), d_bias[i].end(), Real(0));
        }
    }

    /// The chain rule through the layer for an upstream derivative d(objective)/d(theta)
    /// [batch x neurons] (straight through the sampling): with delta_i = upstream * dtheta/dr_i,
    /// adds delta_i^T x_i (masked) to d_weight[i] and sum_k delta_i to d_bias[i] for the
    /// learning classes, and sets *d_input[i] = delta_i W_i where d_input[i] is given. Classes
    /// with random partners add to d_weight[i] in `form` (gradient_form; zero_gradients shapes it).
    void backward(const std::array<const matrix*, N>& x, const state& s, const matrix& upstream,
                  std::array<matrix, N>& d_weight, std::array<vector, N>& d_bias,
                  const std::array<matrix*, N>& d_input = {}, gradient_form form = gradient_form::dense) {
        const std::size_t batch = s.theta.shape()[0], n = options_.neurons;
        if (upstream.shape()[0] != batch || upstream.shape()[1] != n)
            throw error("the upstream gradient's shape does not match the layer's batch");
        if (!s.derivatives) throw error("backward needs a forward pass that kept its derivatives (pass::derivatives)");
        check_gradient_shapes(d_weight, form);
        for (std::size_t i = 0; i < N; ++i) {
            const auto& c = options_.connections[i];
            const bool connected = c.kind != connectivity::none && options_.input_sizes[i] > 0;
            const bool learns = c.trainable && c.kind != connectivity::none;
            if (!learns && !(d_input[i] && connected)) continue;
            delta_and_bias_sums(i, upstream, s, learns && c.bias, d_bias[i].data());
            if (learns && connected && c.fixed_weight == 0) {
                if (!partners_[i].empty())
                    sparse_weight_gradient(i, x[i]->data(), batch, s, d_weight[i].data(), form == gradient_form::live);
                else dense_weight_gradient(i, x[i]->data(), batch, d_weight[i].data());
            }
            if (d_input[i]) input_gradient(i, batch, connected, *d_input[i]);
        }
    }

private:
    using partner_kernels = detail::partner_kernels<Real>;
    static constexpr std::size_t tile = partner_kernels::tile;

    // Class i's mask (and partner list), then its weights and bias: PyTorch's nn.Linear
    // default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), times the mask.
    void initialise_class(std::size_t i, std::mt19937_64& rng) {
        const auto& c = options_.connections[i];
        const std::size_t in = options_.input_sizes[i], n = options_.neurons;
        mask_[i] = make_mask<Real>(c, in, n, rng, i);
        if (c.kind == connectivity::random_partners) {
            partners_[i] = partner_list(mask_[i]);
            live_[i].resize(partners_[i].size());
            for (std::size_t e = 0; e < live_[i].size(); ++e) live_[i][e] = (e / c.partners) * in + partners_[i][e];
        }
        const double bound = in > 0 ? 1.0 / std::sqrt(static_cast<double>(in)) : 0.0;
        weight_[i] = matrix::from_shape({n, in});
        for (std::size_t j = 0; j < weight_[i].size(); ++j)
            weight_[i].data()[j] = static_cast<Real>(c.fixed_weight != 0 ? c.fixed_weight
                                                                         : (2.0 * detail::uniform01(rng) - 1.0) * bound) *
                                   mask_[i].data()[j];
        bias_[i] = xt::zeros<Real>({n});
        if (c.bias)
            for (auto& b : bias_[i]) b = static_cast<Real>((2.0 * detail::uniform01(rng) - 1.0) * bound);
    }

    // r_i of the batch into s.drive[i]: copied from or kept in a reused pass, or computed
    // (zero, sparse or dense) plus the bias.
    void class_drive(std::size_t i, const matrix* x, std::size_t batch, state& s, const pass& p) const {
        const std::size_t n = options_.neurons;
        const state* from = p.take ? p.take : p.reuse;
        if (from && p.reuse_drive[i]) {
            if (from != &s) {
                if (p.take) take_drive(*p.take, i, batch, s);
                else copy_drive(from->drive[i], batch, s.drive[i]);
                s.binned[i] = false;
            }
            return;
        }
        s.binned[i] = false;
        detail::shape_to(s.drive[i], batch, n);
        if (options_.connections[i].kind == connectivity::none || options_.input_sizes[i] == 0 || p.silent[i])
            s.drive[i].fill(Real(0));
        else if (!partners_[i].empty())
            sparse_drive(i, x->data(), batch, s);
        else
            dense_drive(i, x->data(), batch, s);
        add_bias(i, batch, s.drive[i].data());
    }

    void copy_drive(const matrix& from, std::size_t batch, matrix& to) const {
        const std::size_t n = options_.neurons;
        if (from.shape() != std::array<std::size_t, 2>{batch, n}) throw error("the reused pass has another batch size");
        detail::shape_to(to, batch, n);
        const Real* f = from.data();
        Real* t = to.data();
        for_sample_blocks(batch, [&](std::size_t k0, std::size_t k1) { std::copy(f + k0 * n, f + k1 * n, t + k0 * n); });
    }

    void take_drive(state& from, std::size_t i, std::size_t batch, state& to) const {
        if (from.drive[i].shape() != std::array<std::size_t, 2>{batch, options_.neurons})
            throw error("the reused pass has another batch size");
        std::swap(from.drive[i], to.drive[i]);
        from.binned[i] = false;
    }

    // Cut by samples: each block packs only its own rows of the (large) input. A mostly
    // background input (images) takes the sparse product instead.
    void dense_drive(std::size_t i, const Real* xi, std::size_t batch, state& s) const {
        const std::size_t in = options_.input_sizes[i], n = options_.neurons;
        Real* drive = s.drive[i].data();
        if (n >= sparse_neurons &&
            detail::make_sparse_rows(xi, batch, in, false, sparse_share, s.sparse_input, options_.threads)) {
            sparse_input_drive(i, batch, s, drive);
            return;
        }
        const Real* w = weight_[i].data();
        const std::size_t blocks = gemm_blocks(batch);
        detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
            const std::size_t k0 = detail::block_begin(batch, blocks, b), k1 = detail::block_begin(batch, blocks, b + 1);
            detail::gemm<Real>(false, true, k1 - k0, n, in, Real(1), xi + k0 * in, in, w, in, Real(0), drive + k0 * n, n);
        });
    }

    // drive = x W^T over the entries of s.sparse_input that are not background: W^T packed in
    // panels of sparse_block neurons ([in x block], each a few hundred KB that stays in L2
    // while the samples pass), the background's term b sum_c W[j, c] after them. Blocks of
    // (panel, 256 samples), fixed by the sizes alone.
    void sparse_input_drive(std::size_t i, std::size_t batch, state& s, Real* drive) const {
        constexpr std::size_t width = detail::sparse_block<Real>;
        const std::size_t in = options_.input_sizes[i], n = options_.neurons, panels = (n + width - 1) / width;
        s.scratch_panels.resize(panels * width * (in + 1));
        Real* packed = s.scratch_panels.data();
        Real* offset = packed + panels * width * in;
        const Real* w = weight_[i].data();
        const Real b = s.sparse_input.background;
        // Packed by groups of pack_neurons: a layer of one panel (N = 100) packs on every thread.
        detail::parallel_blocks(options_.threads, (n + pack_neurons - 1) / pack_neurons, [&](std::size_t g) {
            for (std::size_t j = g * pack_neurons; j < std::min(n, (g + 1) * pack_neurons); ++j) {
                Real* panel = packed + j / width * width * in;
                const Real* row = w + j * in;
                Real sum = 0;
                for (std::size_t c = 0; c < in; ++c) {
                    panel[c * width + j % width] = row[c];
                    sum += row[c];
                }
                offset[j] = b * sum;
            }
        });
        const std::size_t row_blocks = (batch + 255) / 256;
        detail::parallel_blocks(options_.threads, panels * row_blocks, [&](std::size_t t) {
            const std::size_t p = t / row_blocks, r = t % row_blocks, j0 = p * width;
            detail::sparse_times<false>(s.sparse_input, detail::block_begin(batch, row_blocks, r),
                                        detail::block_begin(batch, row_blocks, r + 1), packed + p * width * in, width,
                                        std::min(width, n - j0), offset + j0, drive + j0, n);
        });
    }

    void add_bias(std::size_t i, std::size_t batch, Real* drive) const {
        const std::size_t n = options_.neurons;
        const Real* b = bias_[i].data();
        for_sample_blocks(batch, [&](std::size_t k0, std::size_t k1) {
            for (std::size_t k = k0; k < k1; ++k)
                for (std::size_t j = 0; j < n; ++j) drive[k * n + j] += b[j];
        });
    }

    // theta, its derivatives (when kept) and the outputs, block by block: sampled from streams
    // keyed by one draw of the engine and the block (sampling.hpp), or theta itself without an
    // engine. A pass that does not learn skips the derivatives: three [batch x neurons] arrays
    // it neither writes nor holds (24 MB at N = 2000).
    template <bool Derivatives>
    void activate_and_sample(state& s, std::size_t batch, std::mt19937_64* rng) const {
        const std::size_t n = options_.neurons;
        detail::shape_to(s.theta, batch, n);
        detail::shape_to(s.output, batch, n);
        if constexpr (Derivatives)
            for (auto& d : s.dtheta) detail::shape_to(d, batch, n);
        s.derivatives = Derivatives;
        const std::uint64_t key = sampling_key(rng);
        const Real silent = options_.output_values[0], firing = options_.output_values[1];
        for_sample_blocks(batch, [&](std::size_t k0, std::size_t k1) {
            activate<Derivatives>(s, k0 * n, k1 * n);
            const Real* theta = s.theta.data() + k0 * n;
            Real* out = s.output.data() + k0 * n;
            if (rng) sample_outputs(theta, out, (k1 - k0) * n, sampling_stream(key, k0), silent, firing);
            else std::copy(theta, theta + (k1 - k0) * n, out);
        });
    }

    // delta_ = upstream * dtheta/dr_i and, when bias_sums, d_bias += its column sums. Cut by
    // neurons: each bias sum runs over the samples in order, whatever the cut.
    void delta_and_bias_sums(std::size_t i, const matrix& upstream, const state& s, bool bias_sums, Real* db) {
        const std::size_t batch = s.theta.shape()[0], n = options_.neurons;
        detail::shape_to(delta_, batch, n);
        const Real* up = upstream.data();
        const Real* dt = s.dtheta[i].data();
        Real* delta = delta_.data();
        const std::size_t blocks = wide_column_blocks();
        detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
            const std::size_t j0 = detail::block_begin(n, blocks, b), j1 = detail::block_begin(n, blocks, b + 1);
            for (std::size_t k = 0; k < batch; ++k) {
                const std::size_t row = k * n;
                for (std::size_t j = j0; j < j1; ++j) delta[row + j] = up[row + j] * dt[row + j];
                if (bias_sums)
                    for (std::size_t j = j0; j < j1; ++j) db[j] += delta[row + j];
            }
        });
    }

    // dw += delta_^T x_i, masked. Accumulating (beta = 1) then masking keeps earlier, already
    // masked sums intact. Cut by input features: each block packs only its own columns. A
    // mostly background input takes the sparse product by input features instead.
    void dense_weight_gradient(std::size_t i, const Real* xi, std::size_t batch, Real* dw) {
        const std::size_t in = options_.input_sizes[i], n = options_.neurons, blocks = gemm_blocks(in);
        const bool masked = options_.connections[i].kind != connectivity::full;  // a full mask is all ones
        const Real* m = mask_[i].data();
        if (n >= sparse_neurons &&
            detail::make_sparse_rows(xi, batch, in, true, sparse_share, sparse_columns_, options_.threads)) {
            sparse_input_weight_gradient(batch, in, dw);
            if (masked) {
                const std::size_t rows = column_blocks();
                detail::parallel_blocks(options_.threads, rows, [&](std::size_t b) {
                    for (std::size_t e = detail::block_begin(n, rows, b) * in; e < detail::block_begin(n, rows, b + 1) * in; ++e)
                        dw[e] *= m[e];
                });
            }
            return;
        }
        if (blocks == 1 && in >= min_features_to_cut)
            return dense_weight_gradient_by_neurons(xi, m, batch, in, masked, dw);
        detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
            const std::size_t c0 = detail::block_begin(in, blocks, b), c1 = detail::block_begin(in, blocks, b + 1);
            detail::gemm<Real>(true, false, n, c1 - c0, batch, Real(1), delta_.data(), n, xi + c0, in, Real(1), dw + c0, in);
            if (masked)
                for (std::size_t j = 0; j < n; ++j)
                    for (std::size_t e = j * in + c0; e < j * in + c1; ++e) dw[e] *= m[e];
        });
    }

    // Few input features (one block of them, e.g. the 100 lateral inputs at N = 100): cut by
    // neurons instead, blocks of about gemm_neurons rows of dw, so that the GEMM does not run
    // on one thread alone. Inputs of fewer than min_features_to_cut features (labels, a
    // readout's feedback) keep one call: their GEMM is too small to share.
    void dense_weight_gradient_by_neurons(const Real* xi, const Real* m, std::size_t batch, std::size_t in, bool masked,
                                          Real* dw) {
        const std::size_t n = options_.neurons, blocks = (n + gemm_neurons - 1) / gemm_neurons;
        detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
            const std::size_t j0 = detail::block_begin(n, blocks, b), j1 = detail::block_begin(n, blocks, b + 1);
            detail::gemm<Real>(true, false, j1 - j0, in, batch, Real(1), delta_.data() + j0, n, xi, in, Real(1), dw + j0 * in,
                               in);
            if (masked)
                for (std::size_t e = j0 * in; e < j1 * in; ++e) dw[e] *= m[e];
        });
    }

    // dw[j, c] += sum over samples s of delta_[s, j] x[s, c], as (x^T delta_)^T over the
    // entries of sparse_columns_ (x by input features) that are not background, plus the
    // background's term b sum_s delta_[s, j]. Blocks of (sparse_block neurons, about 200
    // features): each block of delta_'s columns ([batch x block], a few hundred KB) stays in
    // L2 while the features pass.
    void sparse_input_weight_gradient(std::size_t batch, std::size_t in, Real* dw) {
        constexpr std::size_t width = detail::sparse_block<Real>;
        const std::size_t n = options_.neurons, panels = (n + width - 1) / width, feature_blocks = (in + 199) / 200;
        const Real b = sparse_columns_.background;
        const Real* delta = delta_.data();
        sparse_offset_.resize(n);
        // Row by row (contiguous), each neuron's sum over the samples in order.
        const std::size_t sum_blocks = wide_column_blocks();
        detail::parallel_blocks(options_.threads, sum_blocks, [&](std::size_t q) {
            const std::size_t j0 = detail::block_begin(n, sum_blocks, q), j1 = detail::block_begin(n, sum_blocks, q + 1);
            Real* sum = sparse_offset_.data();
            std::fill(sum + j0, sum + j1, Real(0));
            for (std::size_t k = 0; k < batch; ++k)
                for (std::size_t j = j0; j < j1; ++j) sum[j] += delta[k * n + j];
            for (std::size_t j = j0; j < j1; ++j) sum[j] *= b;
        });
        detail::parallel_blocks(options_.threads, panels * feature_blocks, [&](std::size_t t) {
            const std::size_t p = t / feature_blocks, f = t % feature_blocks, j0 = p * width;
            detail::sparse_times<true>(sparse_columns_, detail::block_begin(in, feature_blocks, f),
                                       detail::block_begin(in, feature_blocks, f + 1), delta + j0, n,
                                       std::min(width, n - j0), sparse_offset_.data() + j0, dw + j0 * in, in);
        });
    }

    void input_gradient(std::size_t i, std::size_t batch, bool connected, matrix& d_input) const {
        if (connected) {
            detail::shape_to(d_input, batch, options_.input_sizes[i]);
            xt::blas::gemm(delta_, weight_[i], d_input, false, false);
        } else {
            d_input = xt::zeros<Real>({batch, options_.input_sizes[i]});
        }
    }

    // Element-wise work in blocks of 128 samples (fixed by the batch alone, see parallel.hpp).
    template <class Fn>
    void for_sample_blocks(std::size_t batch, Fn&& fn) const {
        const std::size_t blocks = (batch + 127) / 128;
        detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
            fn(detail::block_begin(batch, blocks, b), detail::block_begin(batch, blocks, b + 1));
        });
    }

    // Column-wise work (sums over samples per neuron) in ranges of about 256 neurons.
    std::size_t column_blocks() const { return (options_.neurons + 255) / 256; }

    // Column-wise passes over [batch x neurons] matrices in one range per thread (of at least
    // 32 neurons). Each of their sums runs over the samples in order and each product stands
    // alone, so the cut changes no bit. Narrow ranges were 3x slower at 2000 neurons: every
    // row's part of a range starts a new stream at a new page, which the prefetchers find late.
    // At 100 neurons the matrices fit in L2, and one range would leave the other threads idle.
    std::size_t wide_column_blocks() const {
        return std::max<std::size_t>(1, std::min(options_.threads, options_.neurons / 32));
    }

    // Work is cut into blocks fixed by the problem's size alone (see parallel.hpp): samples or
    // input features (about 512 each) for the GEMMs.
    static std::size_t gemm_blocks(std::size_t extent) { return (extent + 511) / 512; }
    // Rows of dw per block of a weight gradient with few input features, and the fewest
    // features for which such a gradient is cut at all.
    static constexpr std::size_t gemm_neurons = 32, min_features_to_cut = 32;
    // Neurons per block of the packing of the sparse products' weight panels.
    static constexpr std::size_t pack_neurons = 16;

    // The largest share of entries other than the background for which a class input takes
    // the sparse products (sparse_rows.hpp): about a fifth of MNIST's pixels are not
    // background; dense inputs (±1 outputs of a layer, CIFAR) keep the GEMMs.
    static constexpr double sparse_share = 1.0 / 3.0;
    // The fewest neurons for the sparse products: each multiply-add costs about twice a GEMM's,
    // and the input is scanned twice per batch (by rows, by features). With a scan at about
    // a fifth of a 100-neuron GEMM's time, the hidden layer's passes were faster from 64
    // neurons on and slower at 32 (docs/benchmarks.md).
    static constexpr std::size_t sparse_neurons = 64;

    void fill_zero(Real* data, std::size_t count) const {
        const std::size_t blocks = (count + (1u << 18) - 1) >> 18;
        detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
            std::fill(data + detail::block_begin(count, blocks, b), data + detail::block_begin(count, blocks, b + 1), Real(0));
        });
    }

    // Before backward writes anything: every weight gradient it adds to has the shape of `form`.
    void check_gradient_shapes(const std::array<matrix, N>& d_weight, gradient_form form) const {
        for (std::size_t i = 0; i < N; ++i) {
            const auto& c = options_.connections[i];
            const bool written = c.trainable && c.kind != connectivity::none && options_.input_sizes[i] > 0 &&
                                 c.fixed_weight == 0;
            const std::size_t n = options_.neurons, width = gradient_width(i, form);
            if (written && (d_weight[i].shape()[0] != n || d_weight[i].shape()[1] != width))
                throw error("backward: the weight gradient of class " + std::to_string(i + 1) + " is not [" +
                            std::to_string(n) + " x " + std::to_string(width) +
                            "] (zero_gradients with the same gradient_form shapes it)");
        }
    }

    // The columns of class i's weight gradient in `form`: its partners per neuron (live form of
    // a class with random partners) or its inputs.
    std::size_t gradient_width(std::size_t i, gradient_form form) const {
        return form == gradient_form::live && !partners_[i].empty() ? options_.connections[i].partners
                                                                     : options_.input_sizes[i];
    }

    partner_kernels partner_kernel(std::size_t i) const {
        return {options_.threads, options_.neurons, options_.input_sizes[i], options_.connections[i].partners,
                partners_[i].data()};
    }

    // The input is tiled into s.scratch_in, or packed into s.scratch_signs when it is all ±1,
    // where the weight gradient of a learning pass finds it.
    void sparse_drive(std::size_t i, const Real* x, std::size_t batch, state& s) const {
        const partner_kernels kernel = partner_kernel(i);
        const std::size_t tiles = detail::tile_count<tile>(batch);
        s.scratch_out.resize(tiles * kernel.neurons * tile);
        s.scratch_weights.resize(kernel.neurons * (kernel.k + 1));
        s.transposed_class = i;
        s.signs = false;
        if constexpr (detail::has_sign_bits<Real>) {
            s.scratch_signs.resize(tiles * kernel.inputs * detail::sign_masks);
            s.signs = detail::to_sign_bits(kernel.threads, x, batch, kernel.inputs, s.scratch_signs.data());
            if (s.signs)
                kernel.drive_signs(weight_[i].data(), s.scratch_signs.data(), tiles, s.scratch_weights.data(),
                                   s.scratch_out.data());
        }
        if (!s.signs) {
            s.scratch_in.resize(tiles * kernel.inputs * tile);
            kernel.to_tiles(x, batch, kernel.inputs, s.scratch_in.data());
            kernel.drive(weight_[i].data(), s.scratch_in.data(), tiles, s.scratch_weights.data(), s.scratch_out.data());
        }
        kernel.from_tiles(s.scratch_out.data(), batch, kernel.neurons, s.drive[i].data());
    }

    void sparse_weight_gradient(std::size_t i, const Real* x, std::size_t batch, const state& s, Real* dw, bool live) {
        const partner_kernels kernel = partner_kernel(i);
        const std::size_t in = kernel.inputs, n = kernel.neurons, tiles = detail::tile_count<tile>(batch);
        sparse_delta_.resize(tiles * n * tile);
        kernel.to_tiles(delta_.data(), batch, n, sparse_delta_.data());
        sparse_dw_.resize(n * (kernel.k + 1));
        // The learning pass packed or tiled this very input for its drive; otherwise do it here.
        const bool mine = s.transposed_class == i;
        if constexpr (detail::has_sign_bits<Real>) {
            const std::uint16_t* masks = s.scratch_signs.data();
            bool signs = mine && s.signs && s.scratch_signs.size() == tiles * in * detail::sign_masks;
            if (!mine) {
                sparse_signs_.resize(tiles * in * detail::sign_masks);
                signs = detail::to_sign_bits(kernel.threads, x, batch, in, sparse_signs_.data());
                masks = sparse_signs_.data();
            }
            if (signs) return kernel.weight_gradient_signs(masks, sparse_delta_.data(), tiles, sparse_dw_.data(), dw, live);
        }
        const bool have = mine && !s.signs && s.scratch_in.size() == tiles * in * tile;
        if (!have) {
            sparse_in_.resize(tiles * in * tile);
            kernel.to_tiles(x, batch, in, sparse_in_.data());
        }
        kernel.weight_gradient(have ? s.scratch_in.data() : sparse_in_.data(), sparse_delta_.data(), tiles,
                               sparse_dw_.data(), dw, live);
    }

    // theta and (when Derivatives) its derivatives for entries [first, end): SIMD batches, then
    // a scalar tail.
    template <bool Derivatives>
    void activate(state& s, std::size_t first, std::size_t end) const {
        using batch_t = xsimd::batch<Real>;
        constexpr std::size_t width = batch_t::size;
        std::array<const Real*, N> in;
        std::array<Real*, N> d_out{};
        for (std::size_t i = 0; i < N; ++i) {
            in[i] = s.drive[i].data();
            if constexpr (Derivatives) d_out[i] = s.dtheta[i].data();
        }
        Real* theta = s.theta.data();
        std::size_t e = first;
        for (; e + width <= end; e += width) {
            std::array<batch_t, N> x, d;
            for (std::size_t i = 0; i < N; ++i) x[i] = batch_t::load_unaligned(in[i] + e);
            options_.activation.evaluate(x, d).store_unaligned(theta + e);
            if constexpr (Derivatives)
                for (std::size_t i = 0; i < N; ++i) d[i].store_unaligned(d_out[i] + e);
        }
        for (; e < end; ++e) {
            std::array<Real, N> x, d;
            for (std::size_t i = 0; i < N; ++i) x[i] = in[i][e];
            theta[e] = options_.activation.evaluate(x, d);
            if constexpr (Derivatives)
                for (std::size_t i = 0; i < N; ++i) d_out[i][e] = d[i];
        }
    }

    // Classes whose drive was kept in place since it was last binned keep their bins (the
    // memory network's frozen external drive): binning is a function of the drive alone.
    void bin(state& s) const {
        const std::size_t batch = s.theta.shape()[0], n = options_.neurons;
        if (s.bins.shape() != std::array<std::size_t, 3>{batch, n, N}) {
            detail::shape_to(s.bins, batch, n, N);
            s.binned = {};
        }
        std::array<bool, N> todo{};
        for (std::size_t i = 0; i < N; ++i) todo[i] = !s.binned[i];
        std::uint32_t* bins = s.bins.data();
        if constexpr (Binning::per_neuron) {  // per neuron over the batch: cut by neurons
            detail::parallel_blocks(options_.threads, n, [&](std::size_t j) {
                for (std::size_t i = 0; i < N; ++i)
                    if (todo[i]) bin_source(i, s.drive[i].data() + j, batch, n, bins + j * N + i, n * N);
            });
        } else {  // the same bins everywhere: contiguous sweeps over blocks of samples
            const std::size_t blocks = (batch + 127) / 128;
            detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
                const std::size_t e0 = detail::block_begin(batch, blocks, b) * n;
                const std::size_t e1 = detail::block_begin(batch, blocks, b + 1) * n;
                if constexpr (N == 1) {
                    if (todo[0]) bin_source(0, s.drive[0].data() + e0, e1 - e0, std::size_t{1}, bins + e0, std::size_t{1});
                } else {
                    bin_interleaved(s, todo, e0, e1, bins);
                }
            });
        }
        s.binned.fill(true);
    }

    // Entries [e0, e1) of every class to do, binned a chunk at a time into contiguous buffers
    // in L1 and copied from there into their places in the interleaved bins. Binned straight
    // into the bins (a stride of N), the AVX-512 path scattered its stores, which cost more
    // than the binning itself.
    void bin_interleaved(const state& s, const std::array<bool, N>& todo, std::size_t e0, std::size_t e1,
                         std::uint32_t* bins) const {
        constexpr std::size_t chunk = 1024;
        alignas(64) std::array<std::array<std::uint32_t, chunk>, N> part;
        const bool all = std::find(todo.begin(), todo.end(), false) == todo.end();
        for (std::size_t c0 = e0; c0 < e1; c0 += chunk) {
            const std::size_t m = std::min(chunk, e1 - c0);
            for (std::size_t i = 0; i < N; ++i)
                if (todo[i]) bin_source(i, s.drive[i].data() + c0, m, std::size_t{1}, part[i].data(), std::size_t{1});
            if constexpr (N == 3) {
                if (all) {
                    detail::interleave3(part[0].data(), part[1].data(), part[2].data(), m, bins + c0 * N);
                    continue;
                }
            }
            for (std::size_t i = 0; i < N; ++i)
                if (todo[i])
                    for (std::size_t e = 0; e < m; ++e) bins[(c0 + e) * N + i] = part[i][e];
        }
    }

    // A silent class's input is never read, so it may be null (no zero matrix to hold).
    std::size_t check_inputs(const std::array<const matrix*, N>& x, const std::array<bool, N>& silent) const {
        std::size_t batch = 0;
        bool have = false;
        for (std::size_t i = 0; i < N; ++i) {
            if (options_.connections[i].kind == connectivity::none || options_.input_sizes[i] == 0) continue;
            if (silent[i] && x[i] == nullptr) continue;
            if (x[i] == nullptr) throw error("input class " + std::to_string(i + 1) + " is missing");
            if (x[i]->shape()[1] != options_.input_sizes[i])
                throw error("input class " + std::to_string(i + 1) + " has " + std::to_string(x[i]->shape()[1]) +
                            " features, the layer expects " + std::to_string(options_.input_sizes[i]));
            if (have && x[i]->shape()[0] != batch) throw error("input classes have different batch sizes");
            batch = x[i]->shape()[0];
            have = true;
        }
        if (!have || batch == 0) throw error("the layer got no input");
        return batch;
    }

    // Binning policies that differ per source (binning::per_source) take the source first.
    template <class... A>
    void bin_source(std::size_t i, A... a) const {
        if constexpr (requires { Binning::source_dependent; })
            options_.binning(i, a...);
        else
            options_.binning(a...);
    }

    options options_;
    goal<N> goal_;
    layer_goal<N> goal_driver_;
    std::array<matrix, N> weight_{}, mask_{};
    std::array<std::vector<std::uint32_t>, N> partners_{};  // sorted partner list per neuron (random_partners)
    std::array<std::vector<std::size_t>, N> live_{};        // their positions in the weight matrix
    detail::aligned_vector<Real> sparse_in_, sparse_delta_;
    std::vector<std::uint16_t> sparse_signs_;  // sign bits of an input that no drive packed (sparse_weight_gradient)
    std::vector<Real> sparse_dw_;
    detail::sparse_rows<Real> sparse_columns_;  // a mostly-background class input by features (dense_weight_gradient)
    std::vector<Real> sparse_offset_;           // the background's terms of the weight gradient
    std::array<vector, N> bias_{};
    matrix dg_dtheta_;
    detail::aligned_matrix<Real> delta_;  // read by SIMD rows (sparse_input_weight_gradient)
};

}  // namespace infomorph
