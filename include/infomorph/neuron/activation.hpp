#pragma once
/// \file
/// Activation policies: a neuron's firing probability theta from its class inputs, with derivatives.
/// Activation policies: the firing probability theta of an infomorphic neuron from the summed
/// inputs of its classes (r = feedforward, c = context, l = lateral), with the partial
/// derivatives the three-factor rule needs. Forms and defaults follow the authors' code
/// (Priesemann-Group/Infomorphic_Networks, im_net/activation_functions.py, commit 5284adf).
///
/// Each policy is written once for any arithmetic type T: double for the scalar interface
/// (operator()), and SIMD batches (xsimd::batch<float|double>) for the layer's hot loop.

#include <array>
#include <cmath>
#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace infomorph::activation {

/// A firing probability and its derivatives, from an activation policy's scalar operator().
template <std::size_t Classes>
struct result {
    double theta = 0;                  ///< firing probability
    std::array<double, Classes> d{};   ///< d theta / d input of each class
};

namespace detail {
using std::exp;

inline double select(bool condition, double a, double b) noexcept { return condition ? a : b; }
inline float select(bool condition, float a, float b) noexcept { return condition ? a : b; }
using xsimd::select;

template <class T>
struct scalar_of {
    using type = T;
};
template <class U, class A>
struct scalar_of<xsimd::batch<U, A>> {
    using type = U;
};
// A run-time setting (double) in the arithmetic of T.
template <class T>
T constant(double v) noexcept {
    return T(static_cast<typename scalar_of<T>::type>(v));
}

template <class T>
T sigmoid(const T& x) noexcept {
    return detail::constant<T>(1) / (detail::constant<T>(1) + exp(-x));
}

// theta = sigmoid(A) given the drive A and dA/dx, optionally clamped into [floor, 1 - floor]
// (where clamped, theta does not move with the input: zero derivative, as torch.clamp).
template <class T, std::size_t Classes>
T squash(const T& drive, std::array<T, Classes>& d, double floor) noexcept {
    const T s = sigmoid(drive);
    const T slope = s * (detail::constant<T>(1) - s);
    if (floor <= 0) {
        for (auto& di : d) di = di * slope;
        return s;
    }
    const T lo = detail::constant<T>(floor), hi = detail::constant<T>(1) - lo;
    const auto below = s < lo, above = s > hi;
    for (auto& di : d) di = select(below | above, detail::constant<T>(0), di * slope);
    return select(below, lo, select(above, hi, s));
}

// The scalar interface on top of the generic one.
template <class Policy, class... X>
result<Policy::classes> evaluate_scalar(const Policy& p, X... x) noexcept {
    std::array<double, Policy::classes> in{static_cast<double>(x)...}, d{};
    result<Policy::classes> out;
    out.theta = p.evaluate(in, d);
    out.d = d;
    return out;
}
}  // namespace detail

/// Bivariate (Graetz): theta = sigmoid(r (k1 + (1 - k1) 2 sigmoid(k2 r c))). The paper uses
/// k1 = 0.9 in bivariate hidden layers and k1 = 1 (plain feedforward) in the output layer. The
/// authors clamp theta into [1e-6, 1 - 1e-6] here; so do we by default.
struct bivariate {
    /// Two input classes: feedforward r and context (or lateral) c.
    static constexpr std::size_t classes = 2;
    /// Weight of r alone: 1 is plain feedforward, the paper's hidden layers use 0.9.
    double k1 = 0.5, k2 = 2.0, clamp = 1e-6;

    /// The drive A = r (k1 + 2 (1 - k1) sigmoid(k2 r c)) before the sigmoid; d receives dA/dr and dA/dc.
    template <class T>
    T drive(const std::array<T, 2>& x, std::array<T, 2>& d) const noexcept {
        const T& r = x[0];
        const T& c = x[1];
        const T k1_ = detail::constant<T>(k1), k2_ = detail::constant<T>(k2), rest = detail::constant<T>(2.0 * (1.0 - k1));
        const T s = detail::sigmoid(k2_ * r * c);
        const T ds = s * (detail::constant<T>(1) - s) * k2_;  // d sigmoid(k2 r c) / d(r c)
        const T gain = k1_ + rest * s;
        d = {gain + r * rest * ds * c, r * rest * ds * r};
        return r * gain;
    }
    /// theta for inputs x = {r, c}; d receives dtheta/dr and dtheta/dc (zero where theta is clamped).
    template <class T>
    T evaluate(const std::array<T, 2>& x, std::array<T, 2>& d) const noexcept {
        return detail::squash(drive(x, d), d, clamp);
    }
    /// theta and its derivatives for one input pair.
    result<2> operator()(double r, double c) const noexcept { return detail::evaluate_scalar(*this, r, c); }
};
/// \var bivariate::k2
/// Gain of the modulation by r c.
/// \var bivariate::clamp
/// theta is clamped into [clamp, 1 - clamp], with zero derivative there; 0 clamps nothing.

/// Kay-Phillips: theta = sigmoid(r (k1 + (1 - k1) exp(k2 r c))).
struct kay_phillips {
    /// Two input classes: feedforward r and context (or lateral) c.
    static constexpr std::size_t classes = 2;
    /// Weight of r alone (1: plain feedforward).
    double k1 = 0.5, k2 = 2.0;

    /// The drive A = r (k1 + (1 - k1) exp(k2 r c)) before the sigmoid; d receives dA/dr and dA/dc.
    template <class T>
    T drive(const std::array<T, 2>& x, std::array<T, 2>& d) const noexcept {
        using std::exp;
        const T& r = x[0];
        const T& c = x[1];
        const T k2_ = detail::constant<T>(k2), rest = detail::constant<T>(1.0 - k1);
        const T e = exp(k2_ * r * c);
        const T gain = detail::constant<T>(k1) + rest * e;
        d = {gain + r * rest * e * k2_ * c, r * rest * e * k2_ * r};
        return r * gain;
    }
    /// theta for inputs x = {r, c}; d receives dtheta/dr and dtheta/dc.
    template <class T>
    T evaluate(const std::array<T, 2>& x, std::array<T, 2>& d) const noexcept {
        return detail::squash(drive(x, d), d, 0.0);
    }
    /// theta and its derivatives for one input pair.
    result<2> operator()(double r, double c) const noexcept { return detail::evaluate_scalar(*this, r, c); }
};
/// \var kay_phillips::k2
/// Gain of the modulation by r c.

/// Trivariate (Schneider): theta = sigmoid(r [(1 - c1 - c2) + c1 sigmoid(w1 r c) + c2 sigmoid(w2 r l)]).
/// The paper uses c1 = c2 = 0.1, w1 = w2 = 2 (the authors' code defaults to c1 = c2 = 1/3).
struct trivariate {
    /// Three input classes: feedforward r, context c, lateral l.
    static constexpr std::size_t classes = 3;
    /// Weight of the context modulation (the paper: 0.1).
    double c1 = 0.1, c2 = 0.1, w1 = 2.0, w2 = 2.0;

    /// The drive A = r [(1 - c1 - c2) + c1 sigmoid(w1 r c) + c2 sigmoid(w2 r l)]; d receives dA/dr, dA/dc, dA/dl.
    template <class T>
    T drive(const std::array<T, 3>& x, std::array<T, 3>& d) const noexcept {
        const T& r = x[0];
        const T& c = x[1];
        const T& l = x[2];
        const T c1_ = detail::constant<T>(c1), c2_ = detail::constant<T>(c2), w1_ = detail::constant<T>(w1), w2_ = detail::constant<T>(w2);
        const T sc = detail::sigmoid(w1_ * r * c), sl = detail::sigmoid(w2_ * r * l);
        const T dsc = sc * (detail::constant<T>(1) - sc) * w1_, dsl = sl * (detail::constant<T>(1) - sl) * w2_;
        const T gain = detail::constant<T>(1.0 - c1 - c2) + c1_ * sc + c2_ * sl;
        d = {gain + r * (c1_ * dsc * c + c2_ * dsl * l), r * c1_ * dsc * r, r * c2_ * dsl * r};
        return r * gain;
    }
    /// theta for inputs x = {r, c, l}; d receives dtheta/dr, dtheta/dc and dtheta/dl.
    template <class T>
    T evaluate(const std::array<T, 3>& x, std::array<T, 3>& d) const noexcept {
        return detail::squash(drive(x, d), d, 0.0);
    }
    /// theta and its derivatives for one input triple.
    result<3> operator()(double r, double c, double l) const noexcept { return detail::evaluate_scalar(*this, r, c, l); }
};
/// \var trivariate::c2
/// Weight of the lateral modulation (the paper: 0.1).
/// \var trivariate::w1
/// Gain of the context modulation by r c.
/// \var trivariate::w2
/// Gain of the lateral modulation by r l.

/// Plain sum of two classes: theta = sigmoid(r + context_weight c).
// Plain sums: theta = sigmoid(r + context_weight c) and sigmoid(r + context_weight c + l).
struct sum2 {
    /// Two input classes: feedforward r and context c.
    static constexpr std::size_t classes = 2;
    /// The weight of c in the sum.
    double context_weight = 0.1;
    /// The drive A = r + context_weight c; d receives dA/dr and dA/dc.
    template <class T>
    T drive(const std::array<T, 2>& x, std::array<T, 2>& d) const noexcept {
        d = {detail::constant<T>(1), detail::constant<T>(context_weight)};
        return x[0] + detail::constant<T>(context_weight) * x[1];
    }
    /// theta for inputs x = {r, c}; d receives dtheta/dr and dtheta/dc.
    template <class T>
    T evaluate(const std::array<T, 2>& x, std::array<T, 2>& d) const noexcept {
        return detail::squash(drive(x, d), d, 0.0);
    }
    /// theta and its derivatives for one input pair.
    result<2> operator()(double r, double c) const noexcept { return detail::evaluate_scalar(*this, r, c); }
};

/// Plain sum of three classes: theta = sigmoid(r + context_weight c + l).
struct sum3 {
    /// Three input classes: feedforward r, context c, lateral l.
    static constexpr std::size_t classes = 3;
    /// The weight of c in the sum (l has weight 1).
    double context_weight = 0.1;
    /// The drive A = r + context_weight c + l; d receives dA/dr, dA/dc and dA/dl.
    template <class T>
    T drive(const std::array<T, 3>& x, std::array<T, 3>& d) const noexcept {
        d = {detail::constant<T>(1), detail::constant<T>(context_weight), detail::constant<T>(1)};
        return x[0] + detail::constant<T>(context_weight) * x[1] + x[2];
    }
    /// theta for inputs x = {r, c, l}; d receives dtheta/dr, dtheta/dc and dtheta/dl.
    template <class T>
    T evaluate(const std::array<T, 3>& x, std::array<T, 3>& d) const noexcept {
        return detail::squash(drive(x, d), d, 0.0);
    }
    /// theta and its derivatives for one input triple.
    result<3> operator()(double r, double c, double l) const noexcept { return detail::evaluate_scalar(*this, r, c, l); }
};

/// Baselines trained by backpropagation: the output is hard, 1[A > 0] (heaviside) or a
/// Bernoulli(sigmoid(A)) sample (bernoulli, drawn by the caller from `theta`), while the
/// backward pass uses the sigmoid's derivative (straight-through), as the authors'
/// HeavisideSigmoidFunction and ProbabilisticSigmoidFunction do. `Drive` is one of the
/// policies above; its clamp, if any, is not applied.
template <class Drive>
struct heaviside {
    /// The input classes of Drive.
    static constexpr std::size_t classes = Drive::classes;
    /// The policy whose drive A is thresholded.
    Drive drive{};
    /// The output 1[A > 0]; d receives the straight-through derivatives of sigmoid(A).
    template <class T>
    T evaluate(const std::array<T, classes>& x, std::array<T, classes>& d) const noexcept {
        const T a = drive.drive(x, d);
        detail::squash(a, d, 0.0);  // surrogate derivative
        return detail::select(a > detail::constant<T>(0), detail::constant<T>(1), detail::constant<T>(0));
    }
    /// The output and its surrogate derivatives for one set of inputs.
    template <class... X>
    result<classes> operator()(X... x) const noexcept {
        return detail::evaluate_scalar(*this, x...);
    }
};

/// A backpropagation baseline: sigmoid(A) of Drive's drive A, from which the caller samples the binary output.
template <class Drive>
struct bernoulli {
    /// The input classes of Drive.
    static constexpr std::size_t classes = Drive::classes;
    /// The policy whose drive A goes through the sigmoid.
    Drive drive{};
    /// theta = sigmoid(A), the probability to sample 1; d receives its derivatives (straight-through for the sample).
    template <class T>
    T evaluate(const std::array<T, classes>& x, std::array<T, classes>& d) const noexcept {
        return detail::squash(drive.drive(x, d), d, 0.0);  // theta: the probability to sample
    }
    /// theta and its derivatives for one set of inputs.
    template <class... X>
    result<classes> operator()(X... x) const noexcept {
        return detail::evaluate_scalar(*this, x...);
    }
};

}  // namespace infomorph::activation
