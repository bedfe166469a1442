#pragma once
// A layer of infomorphic neurons with N input classes (1 = feedforward, 2 = context,
// 3 = lateral). Each class has its own weight matrix and bias; an activation policy turns the
// class drives into a firing probability; a binning policy turns them into the bins whose joint
// distribution with the output the local goal is measured on; weight gradients follow the
// three-factor rule  dG/dW_i = (dG/dtheta * dtheta/dr_i)^T X_i  with the products through BLAS.
//
// The same backward pass serves global training by backpropagation (the paper's baseline),
// with the loss gradient in place of dG/dtheta.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <xsimd/xsimd.hpp>
#include <xtensor-blas/xblas.hpp>
#include <xtensor/xtensor.hpp>

#include "../goal.hpp"
#include "activation.hpp"
#include "../detail/blas.hpp"
#include "../detail/parallel.hpp"
#include "../detail/simd.hpp"
#include "../detail/tiles.hpp"
#include "layer_goal.hpp"

namespace infomorph {

enum class connectivity {
    full,            // every input to every neuron
    identity,        // input j to neuron j only (square)
    none,            // no connections (the class is unused)
    no_self,         // all but input j to neuron j (square; lateral)
    random_partners  // `partners` random inputs per neuron, never itself (square; sparse lateral)
};

struct connection {
    connectivity kind = connectivity::full;
    std::size_t partners = 0;
    bool trainable = true;      // false: neither weights nor bias learn
    bool bias = true;
    double fixed_weight = 0.0;  // non-zero: weights = mask x this value and never learn (the
                                // bias still does), as the paper's output-layer label input
};

namespace detail {
// A double in [0, 1) from 53 random bits: the same sequence with every standard library.
inline double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// SplitMix64 (Steele, Lea & Flood 2014): a small, fast generator for the per-block sampling
// streams; its output function also hashes a (key, block) pair into a stream's seed.
struct split_mix {
    std::uint64_t state;
    static constexpr std::uint64_t mix(std::uint64_t z) noexcept {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    std::uint64_t operator()() noexcept { return mix(state += 0x9e3779b97f4a7c15ull); }
};

inline std::uint64_t stream_seed(std::uint64_t key, std::uint64_t block) noexcept {
    return split_mix::mix(key ^ split_mix::mix(block + 0x632be59bd9b4e019ull));
}

// Batch-sized buffers keep their storage from batch to batch: reallocating them costs page
// faults on every batch.
template <class Tensor, class... Extent>
void shape_to(Tensor& t, Extent... extent) {
    const std::array<std::size_t, sizeof...(Extent)> shape{static_cast<std::size_t>(extent)...};
    if (!std::equal(shape.begin(), shape.end(), t.shape().begin(), t.shape().end())) t.resize(shape);
}
}  // namespace detail

template <std::size_t N, class Activation, class Estimator, class Real = float>
class layer {
public:
    static_assert(Activation::classes == N, "infomorph: the activation's number of input classes must equal the layer's");
    static constexpr std::size_t sources = N;
    using activation_type = Activation;
    using estimator_type = Estimator;
    using matrix = xt::xtensor<Real, 2>;
    using vector = xt::xtensor<Real, 1>;

    struct options {
        std::array<std::size_t, N> input_sizes{};
        std::size_t neurons = 0;
        std::array<connection, N> connections{};
        Activation activation{};
        Estimator estimator{};
        std::uint64_t seed = 0;  // initial weights and random partners
        std::size_t threads = 1;
        // Values of a silent and a firing sampled output: -1/+1 for infomorphic neurons, 0/1
        // for the straight-through units of the baselines (as the authors' surrogate layers).
        std::array<Real, 2> output_values{Real(-1), Real(1)};
    };

    // The drives, firing probabilities, their derivatives and the sampled outputs of a batch.
    struct state {
        std::array<matrix, N> drive;   // r_i = X_i W_i^T + b_i, [batch x neurons]
        matrix theta;                  // [batch x neurons]
        std::array<matrix, N> dtheta;  // d theta / d r_i
        matrix output;                 // +1 / -1 samples (or theta when not sampling)
        xt::xtensor<std::uint32_t, 3> bins;  // [batch x neurons x N]
        detail::aligned_vector<Real> scratch_in, scratch_out;  // tiles for sparse connections
        std::size_t transposed_class = N;           // whose input scratch_in holds
    };

    layer(const options& o, const goal<N>& g) : options_(o), goal_(g), goal_driver_(o.threads) {
        if (o.neurons == 0) throw std::invalid_argument("infomorph: a layer needs at least one neuron");
        std::mt19937_64 rng(o.seed);
        for (std::size_t i = 0; i < N; ++i) {
            const std::size_t in = o.input_sizes[i], n = o.neurons;
            mask_[i] = make_mask(o.connections[i], in, n, rng, i);
            if (o.connections[i].kind == connectivity::random_partners) {
                partners_[i].reserve(n * o.connections[i].partners);
                for (std::size_t j = 0; j < n; ++j)
                    for (std::size_t p = 0; p < in; ++p)
                        if (mask_[i](j, p) != Real(0)) partners_[i].push_back(static_cast<std::uint32_t>(p));
            }
            // PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and bias.
            const double bound = in > 0 ? 1.0 / std::sqrt(static_cast<double>(in)) : 0.0;
            weight_[i] = matrix::from_shape({n, in});
            const double fixed = o.connections[i].fixed_weight;
            for (std::size_t j = 0; j < weight_[i].size(); ++j)
                weight_[i].data()[j] =
                    static_cast<Real>(fixed != 0 ? fixed : (2.0 * detail::uniform01(rng) - 1.0) * bound) * mask_[i].data()[j];
            bias_[i] = xt::zeros<Real>({n});
            if (o.connections[i].bias)
                for (auto& b : bias_[i]) b = static_cast<Real>((2.0 * detail::uniform01(rng) - 1.0) * bound);
        }
    }

    const matrix& weight(std::size_t i) const { return weight_[i]; }
    matrix& weight(std::size_t i) { return weight_[i]; }
    const vector& bias(std::size_t i) const { return bias_[i]; }
    vector& bias(std::size_t i) { return bias_[i]; }
    const matrix& mask(std::size_t i) const { return mask_[i]; }
    // Class i's partner inputs, neuron by neuron (partners each, ascending); empty unless the
    // class has random_partners connectivity.
    const std::vector<std::uint32_t>& partners(std::size_t i) const { return partners_[i]; }
    const connection& connections(std::size_t i) const { return options_.connections[i]; }
    std::size_t neurons() const { return options_.neurons; }
    std::size_t threads() const { return options_.threads; }

    // What a forward pass may skip or reuse.
    struct pass {
        bool bins = true;                // bin the drives (only passes that learn need them)
        std::array<bool, N> silent{};    // per class: the input is all zero (drive = bias)
        const state* reuse = nullptr;    // a pass on the same batch whose drives can be reused
        std::array<bool, N> reuse_drive{};  // per class: the input is the same as in `reuse`
    };

    // x[i]: [batch x input_sizes[i]] (ignored for classes with no connections). With an
    // engine, outputs are sampled (output_values); without, they are theta.
    void forward(const std::array<const matrix*, N>& x, state& s, std::mt19937_64* rng, const pass& p = {}) const {
        const std::size_t batch = check_inputs(x);
        const std::size_t n = options_.neurons;
        s.transposed_class = N;
        for (std::size_t i = 0; i < N; ++i) {
            if (p.reuse && p.reuse_drive[i] && p.reuse != &s) {
                if (p.reuse->drive[i].shape() != std::array<std::size_t, 2>{batch, n})
                    throw std::invalid_argument("infomorph: the reused pass has another batch size");
                detail::shape_to(s.drive[i], batch, n);
                const Real* from = p.reuse->drive[i].data();
                Real* to = s.drive[i].data();
                for_sample_blocks(batch, [&](std::size_t k0, std::size_t k1) { std::copy(from + k0 * n, from + k1 * n, to + k0 * n); });
                continue;
            }
            if (p.reuse == &s && p.reuse_drive[i]) continue;
            detail::shape_to(s.drive[i], batch, n);
            Real* drive = s.drive[i].data();
            const std::size_t in = options_.input_sizes[i];
            if (options_.connections[i].kind == connectivity::none || in == 0 || p.silent[i]) {
                s.drive[i].fill(Real(0));
            } else if (!partners_[i].empty()) {
                sparse_drive(i, x[i]->data(), batch, s);
            } else {
                const Real* w = weight_[i].data();
                const Real* xi = x[i]->data();
                // Cut by samples: each block packs only its own rows of the (large) input.
                const std::size_t blocks = gemm_blocks(batch);
                detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
                    const std::size_t k0 = detail::block_begin(batch, blocks, b), k1 = detail::block_begin(batch, blocks, b + 1);
                    detail::gemm<Real>(false, true, k1 - k0, n, in, Real(1), xi + k0 * in, in, w, in, Real(0), drive + k0 * n, n);
                });
            }
            const Real* b = bias_[i].data();
            for_sample_blocks(batch, [&](std::size_t k0, std::size_t k1) {
                for (std::size_t k = k0; k < k1; ++k)
                    for (std::size_t j = 0; j < n; ++j) drive[k * n + j] += b[j];
            });
        }
        detail::shape_to(s.theta, batch, n);
        detail::shape_to(s.output, batch, n);
        for (auto& d : s.dtheta) detail::shape_to(d, batch, n);
        // Samples are drawn block by block from streams keyed by one draw of the engine and the
        // block: in parallel, and the same for any number of threads.
        const std::uint64_t stream_key = rng ? (*rng)() : 0;
        for_sample_blocks(batch, [&](std::size_t k0, std::size_t k1) {
            activate(s, k0 * n, k1 * n);
            if (rng)
                sample(s, k0 * n, k1 * n, detail::stream_seed(stream_key, k0));
            else
                std::copy(s.theta.data() + k0 * n, s.theta.data() + k1 * n, s.output.data() + k0 * n);
        });
        if (p.bins) bin(s);
    }

    // The local goals of all neurons on the batch of `s` (bins as binned in forward) and the
    // ascent direction for every weight and bias: dG/dW_i (masked; zero for frozen classes).
    void goal_gradients(const std::array<const matrix*, N>& x, const state& s, std::array<matrix, N>& d_weight,
                        std::array<vector, N>& d_bias, std::vector<goal_value<N>>& values) {
        goal_driver_.compute(goal_, s.bins, s.theta, values, dg_dtheta_);
        zero_gradients(d_weight, d_bias);
        backward(x, s, dg_dtheta_, d_weight, d_bias);
    }

    // In place when the shapes already fit: a fresh [2000 x 2000] matrix per batch costs its
    // page faults as well as its zeros.
    void zero_gradients(std::array<matrix, N>& d_weight, std::array<vector, N>& d_bias) const {
        for (std::size_t i = 0; i < N; ++i) {
            detail::shape_to(d_weight[i], options_.neurons, options_.input_sizes[i]);
            fill_zero(d_weight[i].data(), d_weight[i].size());
            if (d_bias[i].shape()[0] != options_.neurons) d_bias[i] = vector::from_shape({options_.neurons});
            std::fill(d_bias[i].begin(), d_bias[i].end(), Real(0));
        }
    }

    // The chain rule through the layer for an upstream derivative d(objective)/d(theta)
    // [batch x neurons] (straight through the sampling): with delta_i = upstream * dtheta/dr_i,
    // adds delta_i^T x_i (masked) to d_weight[i] and sum_k delta_i to d_bias[i] for the
    // learning classes, and sets *d_input[i] = delta_i W_i where d_input[i] is given.
    void backward(const std::array<const matrix*, N>& x, const state& s, const matrix& upstream,
                  std::array<matrix, N>& d_weight, std::array<vector, N>& d_bias,
                  const std::array<matrix*, N>& d_input = {}) {
        const std::size_t batch = s.theta.shape()[0], n = options_.neurons;
        if (upstream.shape()[0] != batch || upstream.shape()[1] != n)
            throw std::invalid_argument("infomorph: the upstream gradient's shape does not match the layer's batch");
        for (std::size_t i = 0; i < N; ++i) {
            const auto& c = options_.connections[i];
            const bool connected = c.kind != connectivity::none && options_.input_sizes[i] > 0;
            const bool learns = c.trainable && c.kind != connectivity::none;
            if (!learns && !(d_input[i] && connected)) continue;
            detail::shape_to(delta_, batch, n);
            {
                // Cut by neurons: each bias sum runs over the samples in order, whatever the cut.
                const bool bias_sums = learns && c.bias;
                const Real* up = upstream.data();
                const Real* dt = s.dtheta[i].data();
                Real* delta = delta_.data();
                Real* db = d_bias[i].data();
                const std::size_t blocks = column_blocks();
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
            if (learns && connected && c.fixed_weight == 0) {
                if (!partners_[i].empty()) {
                    sparse_weight_gradient(i, x[i]->data(), batch, s, d_weight[i].data());
                } else {
                    // Accumulating (beta = 1) then masking keeps earlier, already masked sums intact.
                    // Cut by input features: each block packs only its own columns of the input.
                    const std::size_t in = options_.input_sizes[i], blocks = gemm_blocks(in);
                    Real* dw = d_weight[i].data();
                    const Real* m = mask_[i].data();
                    detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
                        const std::size_t c0 = detail::block_begin(in, blocks, b), c1 = detail::block_begin(in, blocks, b + 1);
                        detail::gemm<Real>(true, false, n, c1 - c0, batch, Real(1), delta_.data(), n, x[i]->data() + c0, in,
                                           Real(1), dw + c0, in);
                        if (c.kind != connectivity::full)  // a full mask is all ones
                            for (std::size_t j = 0; j < n; ++j)
                                for (std::size_t e = j * in + c0; e < j * in + c1; ++e) dw[e] *= m[e];
                    });
                }
            }
            if (d_input[i]) {
                if (connected) {
                    detail::shape_to(*d_input[i], batch, options_.input_sizes[i]);
                    xt::blas::gemm(delta_, weight_[i], *d_input[i], false, false);
                } else {
                    *d_input[i] = xt::zeros<Real>({batch, options_.input_sizes[i]});
                }
            }
        }
    }

private:
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

    void fill_zero(Real* data, std::size_t count) const {
        const std::size_t blocks = (count + (1u << 18) - 1) >> 18;
        detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
            std::fill(data + detail::block_begin(count, blocks, b), data + detail::block_begin(count, blocks, b + 1), Real(0));
        });
    }

    // Outputs [first, end) sampled from theta: two samples per 64 random bits (24 bits each, the
    // resolution of a float theta; u < theta is exact in Real). The bits are drawn ahead into a
    // small buffer so that the comparisons run branch-free and vectorised: a coin flip per
    // output is the worst case for a branch predictor.
    void sample(state& s, std::size_t first, std::size_t end, std::uint64_t seed) const {
        constexpr std::size_t chunk = 256;
        std::array<std::uint64_t, chunk / 2> bits;
        detail::split_mix stream{seed};
        const Real* theta = s.theta.data();
        Real* out = s.output.data();
        const Real silent = options_.output_values[0], firing = options_.output_values[1];
        constexpr Real unit = Real(0x1.0p-24);
        for (std::size_t e0 = first; e0 < end; e0 += chunk) {
            const std::size_t count = std::min(chunk, end - e0);
            for (std::size_t i = 0; i < (count + 1) / 2; ++i) bits[i] = stream();
            const Real* t = theta + e0;
            Real* o = out + e0;
            for (std::size_t i = 0; i < count / 2; ++i) {
                const Real u0 = static_cast<Real>(static_cast<std::uint32_t>(bits[i] >> 40)) * unit;
                const Real u1 = static_cast<Real>(static_cast<std::uint32_t>(bits[i] >> 8) & 0xffffffu) * unit;
                o[2 * i] = u0 < t[2 * i] ? firing : silent;
                o[2 * i + 1] = u1 < t[2 * i + 1] ? firing : silent;
            }
            if (count % 2 != 0) {
                const Real u0 = static_cast<Real>(static_cast<std::uint32_t>(bits[count / 2] >> 40)) * unit;
                o[count - 1] = u0 < t[count - 1] ? firing : silent;
            }
        }
    }

    // Work is cut into blocks fixed by the problem's size alone (see parallel.hpp): samples or
    // input features (about 512 each) for the GEMMs.
    static std::size_t gemm_blocks(std::size_t extent) { return (extent + 511) / 512; }

    // Sparse connections (k random partners): r[t, j] = sum_q W[j, p_jq] x[t, p_jq]. Inputs are
    // transposed into tiles of `tile` samples (detail::to_tiles): the inner loop runs over the
    // samples of one tile, whose sums stay in registers, and one tile of all inputs (256 B a
    // row, 512 KB for 2000 inputs) is contiguous, so that it stays in L2 and in few TLB pages
    // while every neuron gathers its partners' rows from it. Costs k/in of the GEMM.
    using simd = xsimd::batch<Real>;
    static constexpr std::size_t width = simd::size, tile = 4 * simd::size;

    // One contiguous range of neurons per thread: each thread then streams the tiles once,
    // whereas many small blocks would each stream all of them from L3. The sums of a neuron
    // do not depend on the cut, so results do not depend on the number of threads.
    std::size_t sparse_blocks() const { return std::max<std::size_t>(1, std::min(options_.threads, options_.neurons)); }

    void to_tiles(const Real* x, std::size_t batch, std::size_t cols, Real* tiles) const {
        detail::parallel_blocks(options_.threads, detail::tile_count<tile>(batch),
                                [&](std::size_t c) { detail::to_tiles<tile>(x, batch, cols, tiles, c, c + 1); });
    }

    void sparse_drive(std::size_t i, const Real* x, std::size_t batch, state& s) const {
        const std::size_t in = options_.input_sizes[i], n = options_.neurons, k = options_.connections[i].partners;
        const std::size_t tiles = detail::tile_count<tile>(batch);
        s.scratch_in.resize(tiles * in * tile);
        s.scratch_out.resize(tiles * n * tile);
        to_tiles(x, batch, in, s.scratch_in.data());
        s.transposed_class = i;
        const std::uint32_t* partners = partners_[i].data();
        const Real* w = weight_[i].data();
        const std::size_t blocks = sparse_blocks();
        detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
            const std::size_t j0 = detail::block_begin(n, blocks, b), j1 = detail::block_begin(n, blocks, b + 1);
            for (std::size_t c = 0; c < tiles; ++c) {
                const Real* xt = s.scratch_in.data() + c * in * tile;
                Real* rt = s.scratch_out.data() + c * n * tile;
                for (std::size_t j = j0; j < j1; ++j) {
                    simd a0(Real(0)), a1(Real(0)), a2(Real(0)), a3(Real(0));
                    for (std::size_t q = 0; q < k; ++q) {
                        const std::uint32_t p = partners[j * k + q];
                        const simd wq(w[j * in + p]);
                        const Real* src = xt + p * tile;
                        a0 = xsimd::fma(wq, simd::load_aligned(src), a0);
                        a1 = xsimd::fma(wq, simd::load_aligned(src + width), a1);
                        a2 = xsimd::fma(wq, simd::load_aligned(src + 2 * width), a2);
                        a3 = xsimd::fma(wq, simd::load_aligned(src + 3 * width), a3);
                    }
                    Real* out = rt + j * tile;
                    a0.store_aligned(out);
                    a1.store_aligned(out + width);
                    a2.store_aligned(out + 2 * width);
                    a3.store_aligned(out + 3 * width);
                }
            }
        });
        const Real* sums = s.scratch_out.data();
        Real* drive = s.drive[i].data();
        detail::parallel_blocks(options_.threads, tiles, [&](std::size_t c) { detail::from_tiles<tile>(sums, batch, n, drive, c, c + 1); });
    }

    // dW[j, p_jq] += sum_t delta[t, j] x[t, p_jq], on the same tiles (zero past the batch's end,
    // so a ragged last tile adds nothing).
    void sparse_weight_gradient(std::size_t i, const Real* x, std::size_t batch, const state& s, Real* dw) {
        const std::size_t in = options_.input_sizes[i], n = options_.neurons, k = options_.connections[i].partners;
        const std::size_t tiles = detail::tile_count<tile>(batch);
        sparse_delta_.resize(tiles * n * tile);
        // The learning pass tiled this very input for its drive; otherwise do it here.
        const bool have = s.transposed_class == i && s.scratch_in.size() == tiles * in * tile;
        if (!have) {
            sparse_in_.resize(tiles * in * tile);
            to_tiles(x, batch, in, sparse_in_.data());
        }
        to_tiles(delta_.data(), batch, n, sparse_delta_.data());
        const Real* x_tiles = have ? s.scratch_in.data() : sparse_in_.data();
        const std::uint32_t* partners = partners_[i].data();
        // Sums per live weight in compact form (added to the dense dW at the end), so that the
        // sums of `width` partners are reduced together (detail::lane_sums) and added as one vector
        // instead of one horizontal sum per partner and tile.
        sparse_dw_.assign(n * k, Real(0));
        Real* dwc = sparse_dw_.data();
        const std::size_t blocks = sparse_blocks();
        detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
            const std::size_t j0 = detail::block_begin(n, blocks, b), j1 = detail::block_begin(n, blocks, b + 1);
            for (std::size_t c = 0; c < tiles; ++c) {
                const Real* xt = x_tiles + c * in * tile;
                const Real* dt = sparse_delta_.data() + c * n * tile;
                for (std::size_t j = j0; j < j1; ++j) {
                    const Real* d = dt + j * tile;
                    const simd d0 = simd::load_aligned(d), d1 = simd::load_aligned(d + width),
                               d2 = simd::load_aligned(d + 2 * width), d3 = simd::load_aligned(d + 3 * width);
                    auto partner_sum = [&](std::size_t q) {
                        const Real* src = xt + std::size_t{partners[j * k + q]} * tile;
                        simd sum = d0 * simd::load_aligned(src);
                        sum = xsimd::fma(d1, simd::load_aligned(src + width), sum);
                        sum = xsimd::fma(d2, simd::load_aligned(src + 2 * width), sum);
                        return xsimd::fma(d3, simd::load_aligned(src + 3 * width), sum);
                    };
                    std::size_t q = 0;
                    for (; q + width <= k; q += width) {
                        std::array<simd, width> sums;
                        for (std::size_t u = 0; u < width; ++u) sums[u] = partner_sum(q + u);
                        Real* to = dwc + j * k + q;
                        (simd::load_unaligned(to) + detail::lane_sums(sums.data())).store_unaligned(to);
                    }
                    for (; q < k; ++q) dwc[j * k + q] += xsimd::hadd(partner_sum(q));
                }
            }
            for (std::size_t e = j0 * k; e < j1 * k; ++e) dw[(e / k) * in + partners[e]] += dwc[e];
        });
    }

    // theta and its derivatives for all `count` entries: SIMD batches, then a scalar tail.
    void activate(state& s, std::size_t first, std::size_t end) const {
        using batch_t = xsimd::batch<Real>;
        constexpr std::size_t width = batch_t::size;
        std::array<const Real*, N> in;
        std::array<Real*, N> d_out;
        for (std::size_t i = 0; i < N; ++i) {
            in[i] = s.drive[i].data();
            d_out[i] = s.dtheta[i].data();
        }
        Real* theta = s.theta.data();
        std::size_t e = first;
        for (; e + width <= end; e += width) {
            std::array<batch_t, N> x, d;
            for (std::size_t i = 0; i < N; ++i) x[i] = batch_t::load_unaligned(in[i] + e);
            options_.activation.evaluate(x, d).store_unaligned(theta + e);
            for (std::size_t i = 0; i < N; ++i) d[i].store_unaligned(d_out[i] + e);
        }
        for (; e < end; ++e) {
            std::array<Real, N> x, d;
            for (std::size_t i = 0; i < N; ++i) x[i] = in[i][e];
            theta[e] = options_.activation.evaluate(x, d);
            for (std::size_t i = 0; i < N; ++i) d_out[i][e] = d[i];
        }
    }

    void bin(state& s) const {
        const std::size_t batch = s.theta.shape()[0], n = options_.neurons;
        detail::shape_to(s.bins, batch, n, N);
        std::uint32_t* bins = s.bins.data();
        if constexpr (Estimator::per_neuron) {  // per neuron over the batch: cut by neurons
            detail::parallel_blocks(options_.threads, n, [&](std::size_t j) {
                for (std::size_t i = 0; i < N; ++i) bin_source(i, s.drive[i].data() + j, batch, n, bins + j * N + i, n * N);
            });
        } else {  // the same bins everywhere: contiguous sweeps over blocks of samples
            const std::size_t blocks = (batch + 127) / 128;
            detail::parallel_blocks(options_.threads, blocks, [&](std::size_t b) {
                const std::size_t k0 = detail::block_begin(batch, blocks, b), k1 = detail::block_begin(batch, blocks, b + 1);
                for (std::size_t i = 0; i < N; ++i)
                    bin_source(i, s.drive[i].data() + k0 * n, (k1 - k0) * n, 1, bins + k0 * n * N + i, N);
            });
        }
    }

    // Binning policies that differ per source (estimator::per_source) take the source first.
    template <class... A>
    void bin_source(std::size_t i, A... a) const {
        if constexpr (requires { Estimator::source_dependent; })
            options_.estimator(i, a...);
        else
            options_.estimator(a...);
    }

    std::size_t check_inputs(const std::array<const matrix*, N>& x) const {
        std::size_t batch = 0;
        bool have = false;
        for (std::size_t i = 0; i < N; ++i) {
            if (options_.connections[i].kind == connectivity::none || options_.input_sizes[i] == 0) continue;
            if (x[i] == nullptr) throw std::invalid_argument("infomorph: input class " + std::to_string(i + 1) + " is missing");
            if (x[i]->shape()[1] != options_.input_sizes[i])
                throw std::invalid_argument("infomorph: input class " + std::to_string(i + 1) + " has " +
                                            std::to_string(x[i]->shape()[1]) + " features, the layer expects " +
                                            std::to_string(options_.input_sizes[i]));
            if (have && x[i]->shape()[0] != batch)
                throw std::invalid_argument("infomorph: input classes have different batch sizes");
            batch = x[i]->shape()[0];
            have = true;
        }
        if (!have || batch == 0) throw std::invalid_argument("infomorph: the layer got no input");
        return batch;
    }

    static matrix make_mask(const connection& c, std::size_t in, std::size_t n, std::mt19937_64& rng, std::size_t cls) {
        matrix m = xt::zeros<Real>({n, in});
        const bool square = in == n;
        auto need_square = [&] {
            if (!square)
                throw std::invalid_argument("infomorph: class " + std::to_string(cls + 1) +
                                            ": this connectivity needs as many inputs as neurons");
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
            case connectivity::random_partners: {
                need_square();
                if (c.partners >= n)
                    throw std::invalid_argument("infomorph: " + std::to_string(c.partners) + " partners need more than " +
                                                std::to_string(n) + " neurons");
                std::vector<std::size_t> others(n - 1);
                for (std::size_t j = 0; j < n; ++j) {
                    for (std::size_t o = 0, w = 0; o < n; ++o)
                        if (o != j) others[w++] = o;
                    // Partial Fisher-Yates with our own uniform draws: reproducible everywhere.
                    for (std::size_t p = 0; p < c.partners; ++p) {
                        const auto pick = p + static_cast<std::size_t>(detail::uniform01(rng) * static_cast<double>(n - 1 - p));
                        std::swap(others[p], others[pick]);
                        m(j, others[p]) = Real(1);
                    }
                }
                break;
            }
        }
        return m;
    }

    options options_;
    goal<N> goal_;
    layer_goal<N> goal_driver_;
    std::array<matrix, N> weight_{}, mask_{};
    std::array<std::vector<std::uint32_t>, N> partners_{};  // sorted partner list per neuron (random_partners)
    detail::aligned_vector<Real> sparse_in_, sparse_delta_;
    std::vector<Real> sparse_dw_;
    std::array<vector, N> bias_{};
    matrix dg_dtheta_, delta_;
};

}  // namespace infomorph
