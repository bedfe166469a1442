#pragma once
/// \file
/// The contracts of the three policy roles of a layer, as C++20 concepts: what `layer`
/// (neuron/layer.hpp) and the networks (networks/) call on an activation, a binning and an
/// optimiser, and nothing more. `layer` is constrained by the first two, so that a type that
/// does not fit is rejected where it is named, with the concept's name in the message, instead
/// of deep inside the layer's body. docs/policies.md describes each requirement.
///
/// This header needs none of the shipped policies: a policy of one's own is checked against the
/// same concepts (tests/compile_time.cpp checks the shipped ones and types that miss a member).

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>

#include <xsimd/xsimd.hpp>

namespace infomorph {

/// What a layer needs of an activation policy for N input classes.
/// Firing probability theta and its derivatives from the drives of N input classes, both on
/// scalars of Real (a layer's tail) and on SIMD batches of Real (its hot loop):
///   A::classes                    a constant equal to N
///   a.evaluate(x, d)              x: std::array<T, N> const&, d: std::array<T, N>& receives
///                                 d theta / d x_i; returns theta as a T, for T = Real and
///                                 T = xsimd::batch<Real>
/// and default construction (the layer's options hold one, set through its public members).
template <class A, std::size_t N, class Real = float>
concept activation_policy =
    std::default_initializable<A> && std::copy_constructible<A> &&
    requires {
        { A::classes } -> std::convertible_to<std::size_t>;
    } && (A::classes == N) &&
    requires(const A& a, const std::array<Real, N>& x, std::array<Real, N>& d,
             const std::array<xsimd::batch<Real>, N>& xs, std::array<xsimd::batch<Real>, N>& ds) {
        { a.evaluate(x, d) } -> std::convertible_to<Real>;
        { a.evaluate(xs, ds) } -> std::convertible_to<xsimd::batch<Real>>;
    };

/// What a layer needs of a binning policy.
/// Bin indices of one class input over a batch:
///   B::per_neuron                 a constant bool: true when the bins depend on each neuron's
///                                 own values (the layer then calls once per neuron and class);
///                                 false when the same bins serve every neuron (the layer then
///                                 bins whole blocks of the drive matrix in one call)
///   b(x, batch, stride, out, out_stride)
///                                 x: const Real*, out: std::uint32_t*; writes the bin of
///                                 x[k * stride] to out[k * out_stride] for k < batch
/// and default construction, as for activations.
template <class B, class Real = float>
concept binning_policy =
    std::default_initializable<B> && std::copy_constructible<B> &&
    requires {
        { B::per_neuron } -> std::convertible_to<bool>;
        typename std::bool_constant<B::per_neuron>;  // a compile-time constant
    } &&
    (requires(const B& b, const Real* x, std::size_t batch, std::size_t stride, std::uint32_t* out,
              std::size_t out_stride) { b(x, batch, stride, out, out_stride); } ||
     // a policy per source (binning::per_source) takes the source index first
     requires(const B& b, std::size_t source, const Real* x, std::size_t batch, std::size_t stride, std::uint32_t* out,
              std::size_t out_stride) {
         { B::source_dependent } -> std::convertible_to<bool>;
         b(source, x, batch, stride, out, out_stride);
     });

/// What the networks need of an optimiser.
/// A minimising step on n contiguous parameters, with per-parameter-block state:
///   typename O::state             default-constructible; one per parameter array, kept by the
///                                 caller between steps
///   o.step(w, g, n, state)        w: Real*, g: const Real* (gradient of the loss)
///   o.step(w, g, n, state, scale, threads)
///                                 the step on scale * g (the networks pass -1 to ascend a goal),
///                                 spread over `threads`
template <class O, class Real = float>
concept optimizer_policy =
    std::copy_constructible<O> &&
    requires { typename O::state; } && std::default_initializable<typename O::state> &&
    requires(const O& o, Real* w, const Real* g, std::size_t n, typename O::state& s, double scale,
             std::size_t threads) {
        o.step(w, g, n, s);
        o.step(w, g, n, s, scale, threads);
    };

}  // namespace infomorph
