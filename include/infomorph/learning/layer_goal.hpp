#pragma once
// The goal and its gradient for every neuron of a layer at once, parallel over neurons.
// Neurons do not interact, and each is computed by one thread from start to end, so the
// results are bit-identical for any number of threads.

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "batch_goal.hpp"

namespace infomorph {

template <std::size_t N>
class layer_goal {
public:
    explicit layer_goal(std::size_t threads = 1)
        : solvers_(threads == 0 ? 1 : threads), scratch_(threads == 0 ? 1 : threads) {}

    std::size_t threads() const noexcept { return solvers_.size(); }

    // bins: [batch x neurons x N] bin indices; theta: [batch x neurons] firing probabilities.
    // values receives one goal_value per neuron; gradient [batch x neurons] dG/dtheta.
    template <class Real>
    void compute(const goal<N>& g, const xt::xtensor<std::uint32_t, 3>& bins, const xt::xtensor<Real, 2>& theta,
                 std::vector<goal_value<N>>& values, xt::xtensor<Real, 2>& gradient) {
        const std::size_t batch = theta.shape()[0], neurons = theta.shape()[1];
        if (bins.shape()[0] != batch || bins.shape()[1] != neurons || bins.shape()[2] != N)
            throw std::invalid_argument("infomorph: bins have shape [" + std::to_string(bins.shape()[0]) + " x " +
                                        std::to_string(bins.shape()[1]) + " x " + std::to_string(bins.shape()[2]) +
                                        "], expected [" + std::to_string(batch) + " x " + std::to_string(neurons) +
                                        " x " + std::to_string(N) + "] for " + std::to_string(neurons) +
                                        " neurons and a batch of " + std::to_string(batch));
        values.resize(neurons);
        if (gradient.shape()[0] != batch || gradient.shape()[1] != neurons)
            gradient = xt::xtensor<Real, 2>::from_shape({batch, neurons});
        auto work = [&](std::size_t worker) {
            // Contiguous blocks of neurons per worker: which thread does a neuron never
            // changes its arithmetic.
            const std::size_t begin = neurons * worker / solvers_.size();
            const std::size_t end = neurons * (worker + 1) / solvers_.size();
            auto& local = scratch_[worker];
            // A neuron's samples lie neurons * N entries apart; read group by group of
            // neurons, sample-major, into neuron-major buffers: whole cache lines, not one
            // line per sample and neuron.
            for (std::size_t g0 = begin; g0 < end; g0 += group) {
                const std::size_t width = std::min(group, end - g0);
                local.bins.resize(width * batch * N);
                local.theta.resize(width * batch);
                local.gradient.resize(width * batch);
                for (std::size_t k = 0; k < batch; ++k) {
                    const std::uint32_t* b = bins.data() + (k * neurons + g0) * N;
                    const Real* t = theta.data() + k * neurons + g0;
                    for (std::size_t j = 0; j < width; ++j) {
                        for (std::size_t i = 0; i < N; ++i) local.bins[(j * batch + k) * N + i] = b[j * N + i];
                        local.theta[j * batch + k] = static_cast<double>(t[j]);
                    }
                }
                for (std::size_t j = 0; j < width; ++j)
                    values[g0 + j] = solvers_[worker].compute(g, local.bins.data() + j * batch * N, N, local.theta.data() + j * batch,
                                                              1, batch, local.gradient.data() + j * batch, 1);
                for (std::size_t k = 0; k < batch; ++k) {
                    Real* out = gradient.data() + k * neurons + g0;
                    for (std::size_t j = 0; j < width; ++j) out[j] = static_cast<Real>(local.gradient[j * batch + k]);
                }
            }
        };
        if (solvers_.size() == 1 || neurons < 2) {
            work(0);
            return;
        }
        std::vector<std::thread> pool;
        std::vector<std::exception_ptr> errors(solvers_.size());
        for (std::size_t w = 1; w < solvers_.size(); ++w)
            pool.emplace_back([&, w] {
                try {
                    work(w);
                } catch (...) {
                    errors[w] = std::current_exception();
                }
            });
        try {
            work(0);
        } catch (...) {
            errors[0] = std::current_exception();
        }
        for (auto& t : pool) t.join();
        for (auto& e : errors)
            if (e) std::rethrow_exception(e);
    }

private:
    static constexpr std::size_t group = 16;
    struct buffers {
        std::vector<std::uint32_t> bins;
        std::vector<double> theta, gradient;
    };
    std::vector<batch_goal_solver<N>> solvers_;
    std::vector<buffers> scratch_;
};

}  // namespace infomorph
