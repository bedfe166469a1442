#pragma once
/// \file
/// The goal and its gradient for every neuron of a layer at once, parallel over neurons.
/// Neurons do not interact, and each is computed by one thread from start to end, so the
/// results are bit-identical for any number of threads.

#include <cstddef>
#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/detail/parallel.hpp"
#include "infomorph/detail/simd.hpp"
#include "infomorph/goal/batch_goal.hpp"

namespace infomorph {

/// The goal and its gradient for every neuron of a layer, parallel over neurons; bit-identical for any number of threads.
template <std::size_t N>
class layer_goal {
public:
    /// A solver running on `threads` threads (0 means 1).
    explicit layer_goal(std::size_t threads = 1)
        : solvers_(threads == 0 ? 1 : threads), scratch_(threads == 0 ? 1 : threads) {}

    /// The number of threads.
    std::size_t threads() const noexcept { return solvers_.size(); }

    /// bins: [batch x neurons x N] bin indices; theta: [batch x neurons] firing probabilities.
    /// values receives one goal_result per neuron; gradient [batch x neurons] dG/dtheta.
    template <class Real>
    void compute(const goal<N>& g, const xt::xtensor<std::uint32_t, 3>& bins, const xt::xtensor<Real, 2>& theta,
                 std::vector<goal_result<N>>& values, xt::xtensor<Real, 2>& gradient) {
        const std::size_t batch = theta.shape()[0], neurons = theta.shape()[1];
        if (bins.shape()[0] != batch || bins.shape()[1] != neurons || bins.shape()[2] != N)
            throw error("bins have shape [" + std::to_string(bins.shape()[0]) + " x " +
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
            // The buffers' rows are a pitch apart that is not a multiple of 4 KiB: with a
            // power-of-two batch, the group's 16 write streams would otherwise share one set
            // of the L1 cache and evict each other.
            const std::size_t pitch = batch + 24;
            for (std::size_t g0 = begin; g0 < end; g0 += group) {
                const std::size_t width = std::min(group, end - g0);
                local.bins.resize(width * pitch * N);
                auto& local_theta = local.template theta<Real>();
                auto& local_gradient = local.template gradient<Real>();
                local_theta.resize(width * pitch);
                local_gradient.resize(width * pitch);
                // Whole groups of 32-bit values: blocks of 16 samples transposed in registers.
                const std::size_t blocked = fast_copies<Real>(width) ? batch / 16 * 16 : 0;
                for (std::size_t k = 0; k < blocked; k += 16) {
                    if (k + ahead < blocked)
                        prefetch_rows(bins.data() + ((k + ahead) * neurons + g0) * N, neurons * N,
                                      theta.data() + (k + ahead) * neurons + g0, neurons);
                    for (std::size_t i = 0; i < N; ++i)
                        detail::transpose_16x16(bins.data() + (k * neurons + g0) * N + 16 * i, neurons * N,
                                                local.bins.data() + 16 * i * pitch + k, pitch);
                    detail::transpose_16x16(theta.data() + k * neurons + g0, neurons, local_theta.data() + k, pitch);
                }
                for (std::size_t k = blocked; k < batch; ++k) {
                    const std::uint32_t* b = bins.data() + (k * neurons + g0) * N;
                    const Real* t = theta.data() + k * neurons + g0;
                    for (std::size_t j = 0; j < width; ++j) {
                        for (std::size_t i = 0; i < N; ++i) local.bins[(j * N + i) * pitch + k] = b[j * N + i];
                        local_theta[j * pitch + k] = t[j];
                    }
                }
                for (std::size_t j = 0; j < width; ++j) {
                    std::array<const std::uint32_t*, N> columns{};
                    for (std::size_t i = 0; i < N; ++i) columns[i] = local.bins.data() + (j * N + i) * pitch;
                    values[g0 + j] = solvers_[worker].compute_columns(g, columns, local_theta.data() + j * pitch, 1, batch,
                                                                      local_gradient.data() + j * pitch, 1);
                }
                for (std::size_t k = 0; k < blocked; k += 16)
                    detail::transpose_16x16(local_gradient.data() + k, pitch, gradient.data() + k * neurons + g0, neurons);
                for (std::size_t k = blocked; k < batch; ++k) {
                    Real* out = gradient.data() + k * neurons + g0;
                    for (std::size_t j = 0; j < width; ++j) out[j] = local_gradient[j * pitch + k];
                }
            }
        };
        detail::parallel_workers(neurons < 2 ? 1 : solvers_.size(), work);
    }

private:
    static constexpr std::size_t group = 16;
    // The rows a group's transposes read lie a whole row of the layer apart: at thousands of
    // neurons each is a miss to memory, in a page of its own. Asking for the next block's rows
    // (16 samples ahead) keeps more misses in flight than the transposes' own loads do
    // (docs/benchmarks.md, "Waiting threads watch before they sleep"). A group's bins of one
    // sample are N cache lines (16 neurons x N x 4 B), its firing probabilities one.
    static constexpr std::size_t ahead = 16;
    template <class Real>
    static void prefetch_rows([[maybe_unused]] const std::uint32_t* b, [[maybe_unused]] std::size_t b_stride,
                              [[maybe_unused]] const Real* t, [[maybe_unused]] std::size_t t_stride) noexcept {
#if defined(__GNUC__) || defined(__clang__)
        for (std::size_t r = 0; r < 16; ++r) {
            for (std::size_t l = 0; l < N; ++l) __builtin_prefetch(b + r * b_stride + 16 * l);
            __builtin_prefetch(t + r * t_stride);
        }
#endif
    }
    // Whether a full group of 32-bit firing probabilities is copied by 16 x 16 transposes.
    template <class Real>
    static bool fast_copies(std::size_t width) noexcept {
        static_assert(group == 16, "the transposes copy 16 neurons");
        return detail::has_transpose_16x16 && sizeof(Real) == 4 && width == group;
    }
    // Firing probabilities and gradients keep the caller's precision: float ones are
    // evaluated by the solver's float kernel.
    struct buffers {
        std::vector<std::uint32_t> bins;
        std::vector<double> theta_double, gradient_double;
        std::vector<float> theta_float, gradient_float;
        template <class Real>
        std::vector<Real>& theta() noexcept {
            if constexpr (std::is_same_v<Real, float>) return theta_float;
            else return theta_double;
        }
        template <class Real>
        std::vector<Real>& gradient() noexcept {
            if constexpr (std::is_same_v<Real, float>) return gradient_float;
            else return gradient_double;
        }
    };
    std::vector<batch_goal_solver<N>> solvers_;
    std::vector<buffers> scratch_;
};

}  // namespace infomorph
