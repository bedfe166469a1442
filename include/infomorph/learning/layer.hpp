#pragma once
// A layer of infomorphic neurons with N input classes (1 = feedforward, 2 = context,
// 3 = lateral). Each class has its own weight matrix and bias; an activation policy turns the
// class drives into a firing probability; a binning policy turns them into the bins whose joint
// distribution with the output the local goal is measured on; weight gradients follow the
// three-factor rule  dG/dW_i = (dG/dtheta * dtheta/dr_i)^T X_i  with the products through BLAS.
//
// The same backward pass serves global training by backpropagation (the paper's baseline),
// with the loss gradient in place of dG/dtheta.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor-blas/xblas.hpp>
#include <xtensor/xtensor.hpp>

#include "../goal.hpp"
#include "activation.hpp"
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
}  // namespace detail

template <std::size_t N, class Activation, class Estimator, class Real = float>
class layer {
public:
    static_assert(Activation::classes == N, "infomorph: the activation's number of input classes must equal the layer's");
    static constexpr std::size_t sources = N;
    using activation_type = Activation;
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
    };

    layer(const options& o, const goal<N>& g) : options_(o), goal_(g), goal_driver_(o.threads) {
        if (o.neurons == 0) throw std::invalid_argument("infomorph: a layer needs at least one neuron");
        std::mt19937_64 rng(o.seed);
        for (std::size_t i = 0; i < N; ++i) {
            const std::size_t in = o.input_sizes[i], n = o.neurons;
            mask_[i] = make_mask(o.connections[i], in, n, rng, i);
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
    const connection& connections(std::size_t i) const { return options_.connections[i]; }
    std::size_t neurons() const { return options_.neurons; }

    // x[i]: [batch x input_sizes[i]] (ignored for classes with no connections).
    void forward(const std::array<const matrix*, N>& x, state& s, std::mt19937_64* rng) const {
        const std::size_t batch = check_inputs(x);
        const std::size_t n = options_.neurons;
        for (std::size_t i = 0; i < N; ++i) {
            s.drive[i] = matrix::from_shape({batch, n});
            if (options_.connections[i].kind == connectivity::none || options_.input_sizes[i] == 0) {
                s.drive[i].fill(Real(0));
            } else {
                xt::blas::gemm(*x[i], weight_[i], s.drive[i], false, true);
            }
            for (std::size_t k = 0; k < batch; ++k)
                for (std::size_t j = 0; j < n; ++j) s.drive[i](k, j) += bias_[i](j);
        }
        s.theta = matrix::from_shape({batch, n});
        s.output = matrix::from_shape({batch, n});
        for (auto& d : s.dtheta) d = matrix::from_shape({batch, n});
        for (std::size_t k = 0; k < batch; ++k)
            for (std::size_t j = 0; j < n; ++j) {
                const auto a = activate(s, k, j);
                s.theta(k, j) = static_cast<Real>(a.theta);
                for (std::size_t i = 0; i < N; ++i) s.dtheta[i](k, j) = static_cast<Real>(a.d[i]);
                s.output(k, j) = rng ? options_.output_values[detail::uniform01(*rng) < a.theta ? 1 : 0] : static_cast<Real>(a.theta);
            }
        bin(s);
    }

    // The local goals of all neurons on the batch of `s` (bins as binned in forward) and the
    // ascent direction for every weight and bias: dG/dW_i (masked; zero for frozen classes).
    void goal_gradients(const std::array<const matrix*, N>& x, const state& s, std::array<matrix, N>& d_weight,
                        std::array<vector, N>& d_bias, std::vector<goal_value<N>>& values) {
        goal_driver_.compute(goal_, s.bins, s.theta, values, dg_dtheta_);
        zero_gradients(d_weight, d_bias);
        backward(x, s, dg_dtheta_, d_weight, d_bias);
    }

    void zero_gradients(std::array<matrix, N>& d_weight, std::array<vector, N>& d_bias) const {
        for (std::size_t i = 0; i < N; ++i) {
            d_weight[i] = xt::zeros<Real>({options_.neurons, options_.input_sizes[i]});
            d_bias[i] = xt::zeros<Real>({options_.neurons});
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
            delta_ = matrix::from_shape({batch, n});
            for (std::size_t e = 0; e < delta_.size(); ++e) delta_.data()[e] = upstream.data()[e] * s.dtheta[i].data()[e];
            if (learns && connected && c.fixed_weight == 0) {
                // Accumulating (beta = 1) then masking keeps earlier, already masked sums intact.
                xt::blas::gemm(delta_, *x[i], d_weight[i], true, false, Real(1), Real(1));
                for (std::size_t e = 0; e < d_weight[i].size(); ++e) d_weight[i].data()[e] *= mask_[i].data()[e];
            }
            if (learns && c.bias)
                for (std::size_t k = 0; k < batch; ++k)
                    for (std::size_t j = 0; j < n; ++j) d_bias[i](j) += delta_(k, j);
            if (d_input[i]) {
                if (connected) {
                    *d_input[i] = matrix::from_shape({batch, options_.input_sizes[i]});
                    xt::blas::gemm(delta_, weight_[i], *d_input[i], false, false);
                } else {
                    *d_input[i] = xt::zeros<Real>({batch, options_.input_sizes[i]});
                }
            }
        }
    }

private:
    activation::result<N> activate(const state& s, std::size_t k, std::size_t j) const {
        if constexpr (N == 2)
            return options_.activation(static_cast<double>(s.drive[0](k, j)), static_cast<double>(s.drive[1](k, j)));
        else
            return options_.activation(static_cast<double>(s.drive[0](k, j)), static_cast<double>(s.drive[1](k, j)),
                                       static_cast<double>(s.drive[2](k, j)));
    }

    void bin(state& s) const {
        const std::size_t batch = s.theta.shape()[0], n = options_.neurons;
        s.bins = xt::xtensor<std::uint32_t, 3>::from_shape({batch, n, N});
        for (std::size_t i = 0; i < N; ++i)
            for (std::size_t j = 0; j < n; ++j)
                options_.estimator(s.drive[i].data() + j, batch, n, s.bins.data() + j * N + i, n * N);
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
    std::array<vector, N> bias_{};
    matrix dg_dtheta_, delta_;
};

}  // namespace infomorph
