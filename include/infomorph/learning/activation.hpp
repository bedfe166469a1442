#pragma once
// Activation policies: the firing probability theta of an infomorphic neuron from the summed
// inputs of its classes (r = feedforward, c = context, l = lateral), with the partial
// derivatives the three-factor rule needs. Forms and defaults follow the authors' code
// (Priesemann-Group/Infomorphic_Networks, im_net/activation_functions.py, commit 5284adf).

#include <array>
#include <cmath>
#include <cstddef>

namespace infomorph::activation {

template <std::size_t Classes>
struct result {
    double theta = 0;                  // firing probability
    std::array<double, Classes> d{};   // d theta / d input of each class
};

namespace detail {
inline double sigmoid(double x) noexcept { return 1.0 / (1.0 + std::exp(-x)); }

// theta = sigmoid(A) given the drive A and dA/dx, optionally clamped into [floor, 1 - floor]
// (where clamped, theta does not move with the input: zero derivative, as torch.clamp).
template <std::size_t Classes>
result<Classes> squash(double drive, const std::array<double, Classes>& d_drive, double floor) noexcept {
    result<Classes> out;
    const double s = sigmoid(drive);
    if (floor > 0 && (s < floor || s > 1.0 - floor)) {
        out.theta = s < floor ? floor : 1.0 - floor;
        return out;
    }
    out.theta = s;
    for (std::size_t i = 0; i < Classes; ++i) out.d[i] = s * (1.0 - s) * d_drive[i];
    return out;
}
}  // namespace detail

// Bivariate (Graetz): theta = sigmoid(r (k1 + (1 - k1) 2 sigmoid(k2 r c))). The paper uses
// k1 = 0.9 in bivariate hidden layers and k1 = 1 (plain feedforward) in the output layer. The
// authors clamp theta into [1e-6, 1 - 1e-6] here; so do we by default.
struct bivariate {
    static constexpr std::size_t classes = 2;
    double k1 = 0.5, k2 = 2.0, clamp = 1e-6;

    double drive(double r, double c, std::array<double, 2>& d) const noexcept {
        const double s = detail::sigmoid(k2 * r * c);
        const double ds = s * (1.0 - s) * k2;  // d sigmoid(k2 r c) / d(r c)
        const double gain = k1 + (1.0 - k1) * 2.0 * s;
        d = {gain + r * (1.0 - k1) * 2.0 * ds * c, r * (1.0 - k1) * 2.0 * ds * r};
        return r * gain;
    }
    result<2> operator()(double r, double c) const noexcept {
        std::array<double, 2> d{};
        const double a = drive(r, c, d);
        return detail::squash(a, d, clamp);
    }
};

// Kay-Phillips: theta = sigmoid(r (k1 + (1 - k1) exp(k2 r c))).
struct kay_phillips {
    static constexpr std::size_t classes = 2;
    double k1 = 0.5, k2 = 2.0;

    double drive(double r, double c, std::array<double, 2>& d) const noexcept {
        const double e = std::exp(k2 * r * c);
        const double gain = k1 + (1.0 - k1) * e;
        d = {gain + r * (1.0 - k1) * e * k2 * c, r * (1.0 - k1) * e * k2 * r};
        return r * gain;
    }
    result<2> operator()(double r, double c) const noexcept {
        std::array<double, 2> d{};
        const double a = drive(r, c, d);
        return detail::squash(a, d, 0.0);
    }
};

// Trivariate (Schneider): theta = sigmoid(r [(1 - c1 - c2) + c1 sigmoid(w1 r c) + c2 sigmoid(w2 r l)]).
// The paper uses c1 = c2 = 0.1, w1 = w2 = 2 (the authors' code defaults to c1 = c2 = 1/3).
struct trivariate {
    static constexpr std::size_t classes = 3;
    double c1 = 0.1, c2 = 0.1, w1 = 2.0, w2 = 2.0;

    double drive(double r, double c, double l, std::array<double, 3>& d) const noexcept {
        const double sc = detail::sigmoid(w1 * r * c), sl = detail::sigmoid(w2 * r * l);
        const double dsc = sc * (1.0 - sc) * w1, dsl = sl * (1.0 - sl) * w2;
        const double gain = (1.0 - c1 - c2) + c1 * sc + c2 * sl;
        d = {gain + r * (c1 * dsc * c + c2 * dsl * l), r * c1 * dsc * r, r * c2 * dsl * r};
        return r * gain;
    }
    result<3> operator()(double r, double c, double l) const noexcept {
        std::array<double, 3> d{};
        const double a = drive(r, c, l, d);
        return detail::squash(a, d, 0.0);
    }
};

// Plain sums: theta = sigmoid(r + context_weight c) and sigmoid(r + context_weight c + l).
struct sum2 {
    static constexpr std::size_t classes = 2;
    double context_weight = 0.1;
    double drive(double r, double c, std::array<double, 2>& d) const noexcept {
        d = {1.0, context_weight};
        return r + context_weight * c;
    }
    result<2> operator()(double r, double c) const noexcept {
        std::array<double, 2> d{};
        return detail::squash(drive(r, c, d), d, 0.0);
    }
};

struct sum3 {
    static constexpr std::size_t classes = 3;
    double context_weight = 0.1;
    double drive(double r, double c, double l, std::array<double, 3>& d) const noexcept {
        d = {1.0, context_weight, 1.0};
        return r + context_weight * c + l;
    }
    result<3> operator()(double r, double c, double l) const noexcept {
        std::array<double, 3> d{};
        return detail::squash(drive(r, c, l, d), d, 0.0);
    }
};

// Baselines trained by backpropagation: the output is hard, 1[A > 0] (heaviside) or a
// Bernoulli(sigmoid(A)) sample (bernoulli, drawn by the caller from `theta`), while the
// backward pass uses the sigmoid's derivative (straight-through), as the authors'
// HeavisideSigmoidFunction and ProbabilisticSigmoidFunction do. `Drive` is one of the
// policies above; its clamp, if any, is not applied.
template <class Drive>
struct heaviside {
    static constexpr std::size_t classes = Drive::classes;
    Drive drive{};
    template <class... X>
    result<classes> operator()(X... x) const noexcept {
        std::array<double, classes> d{};
        const double a = drive.drive(x..., d);
        auto out = detail::squash(a, d, 0.0);  // surrogate derivative
        out.theta = a > 0 ? 1.0 : 0.0;
        return out;
    }
};

template <class Drive>
struct bernoulli {
    static constexpr std::size_t classes = Drive::classes;
    Drive drive{};
    template <class... X>
    result<classes> operator()(X... x) const noexcept {
        std::array<double, classes> d{};
        return detail::squash(drive.drive(x..., d), d, 0.0);  // theta: the probability to sample
    }
};

}  // namespace infomorph::activation
