// Activation, binning and optimiser policies: derivatives against finite differences, bins
// against the authors' torch semantics worked out by hand, one optimiser step in closed form.
#include <doctest/doctest.h>

#include <infomorph/learning/activation.hpp>
#include <infomorph/learning/estimator.hpp>
#include <infomorph/learning/optimizer.hpp>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

using namespace infomorph;

namespace {

template <class A, class... X>
double worst_derivative_error(const A& act, X... x) {
    constexpr std::size_t n = sizeof...(X);
    const std::array<double, n> at{static_cast<double>(x)...};
    const auto r = act(x...);
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto up = at, down = at;
        const double h = 1e-6;
        up[i] += h;
        down[i] -= h;
        const double fd = (std::apply(act, up).theta - std::apply(act, down).theta) / (2 * h);
        worst = std::max(worst, std::fabs(fd - r.d[i]));
    }
    return worst;
}

}  // namespace

TEST_CASE("activation derivatives equal central finite differences") {
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(-3, 3);
    const activation::bivariate graetz{.k1 = 0.9, .k2 = 2.0};
    const activation::kay_phillips kp{.k1 = 0.5, .k2 = 0.7};
    const activation::trivariate schneider{};
    const activation::sum2 s2{};
    const activation::sum3 s3{};
    for (int trial = 0; trial < 200; ++trial) {
        const double r = u(rng), c = u(rng), l = u(rng);
        CHECK(worst_derivative_error(graetz, r, c) <= 1e-8);
        CHECK(worst_derivative_error(kp, r, c) <= 1e-7);
        CHECK(worst_derivative_error(schneider, r, c, l) <= 1e-8);
        CHECK(worst_derivative_error(s2, r, c) <= 1e-8);
        CHECK(worst_derivative_error(s3, r, c, l) <= 1e-8);
    }
}

TEST_CASE("activation special cases and the authors' clamp") {
    const activation::bivariate output{.k1 = 1.0};
    CHECK(output(0.7, 5.0).theta == doctest::Approx(1.0 / (1.0 + std::exp(-0.7))).epsilon(1e-15));
    CHECK(output(0.7, 5.0).d[1] == 0.0);  // k1 = 1: the context does not modulate
    const activation::trivariate plain{.c1 = 0.0, .c2 = 0.0};
    CHECK(plain(0.3, 4.0, -2.0).theta == doctest::Approx(1.0 / (1.0 + std::exp(-0.3))).epsilon(1e-15));
    // Saturated: clamped into [1e-6, 1 - 1e-6] with zero derivative, as torch.clamp.
    const activation::bivariate graetz{};
    const auto hot = graetz(40.0, 1.0);
    CHECK(hot.theta == 1.0 - 1e-6);
    CHECK(hot.d[0] == 0.0);
    CHECK(graetz(-40.0, 1.0).theta == 1e-6);
}

TEST_CASE("hard outputs with straight-through sigmoid gradients") {
    const activation::heaviside<activation::trivariate> hard{};
    const activation::bernoulli<activation::trivariate> soft{};
    const auto h = hard(0.4, 1.0, -1.0);
    const auto s = soft(0.4, 1.0, -1.0);
    CHECK(h.theta == 1.0);
    CHECK(hard(-0.4, 1.0, -1.0).theta == 0.0);
    CHECK(s.theta > 0.5);
    for (std::size_t i = 0; i < 3; ++i) CHECK(h.d[i] == s.d[i]);  // both backpropagate sigmoid'(A) dA/dx
    CHECK(worst_derivative_error(soft, 0.4, 1.0, -1.0) <= 1e-8);
}

TEST_CASE("fixed bins: 20 right-closed bins on [-20, 20], inputs clamped") {
    const estimator::fixed_bins<20> binning{};
    const std::vector<double> x{-25.0, -20.0, -19.99, -18.0, -17.999, -0.5, 0.0, 1e-9, 19.0, 20.0, 25.0};
    const std::vector<std::uint32_t> expected{0, 0, 0, 0, 1, 9, 9, 10, 19, 19, 19};
    std::vector<std::uint32_t> out(x.size());
    binning(x.data(), x.size(), 1, out.data(), 1);
    CHECK(out == expected);
    const estimator::fixed_bins<4> small{.lo = 0.0, .hi = 1.0};
    const std::vector<float> y{0.25f, 0.2500001f, 0.75f, -3.0f};
    std::vector<std::uint32_t> out2(y.size());
    small(y.data(), y.size(), 1, out2.data(), 1);
    CHECK(out2 == std::vector<std::uint32_t>{0, 1, 2, 0});
    CHECK_THROWS_AS((estimator::fixed_bins<4>{.lo = 1.0, .hi = 1.0}(y.data(), 1, 1, out2.data(), 1)), std::invalid_argument);
}

TEST_CASE("adaptive bins: divided by max |x| per batch, 20 bins on [-1, 1]") {
    const estimator::adaptive_bins<20> binning{};
    // Strided like one neuron's column of a [batch x neurons] matrix.
    const std::vector<double> x{-2.0, 9.0, 1.0, 9.0, 0.5, 9.0, 2.0, 9.0};
    std::vector<std::uint32_t> out(4);
    binning(x.data(), 4, 2, out.data(), 1);
    CHECK(out == std::vector<std::uint32_t>{0, 14, 12, 19});
    const std::vector<double> zero(5, 0.0);
    std::vector<std::uint32_t> z(5);
    binning(zero.data(), 5, 1, z.data(), 1);
    CHECK(z == std::vector<std::uint32_t>(5, 9));  // 0 lies on the middle edge: bin 9
}

TEST_CASE("one Adam step and one SGD step equal their closed forms") {
    const optimizer::adam adam{.lr = 0.003, .weight_decay = 1.5e-4};
    optimizer::adam::state state;
    std::vector<double> w{0.5, -1.0};
    const std::vector<double> g{0.2, -0.05};
    adam.step(w.data(), g.data(), 2, state);
    // Step 1: m = (1 - b1) g', v = (1 - b2) g'^2, m_hat = g', v_hat = g'^2 -> w -= lr g' / (|g'| + eps).
    for (std::size_t i = 0; i < 2; ++i) {
        const double w0 = i == 0 ? 0.5 : -1.0;
        const double gp = g[i] + 1.5e-4 * w0;
        CHECK(w[i] == doctest::Approx(w0 - 0.003 * gp / (std::fabs(gp) + 1e-8)).epsilon(1e-14));
    }
    // Step 2 with the same gradient, written out.
    const double w1 = w[0];
    adam.step(w.data(), g.data(), 2, state);
    const double g1 = 0.2 + 1.5e-4 * 0.5, g2 = 0.2 + 1.5e-4 * w1;
    const double m = 0.9 * (0.1 * g1) + 0.1 * g2, v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2;
    const double expected = w1 - 0.003 / (1 - 0.81) * m / (std::sqrt(v) / std::sqrt(1 - 0.999 * 0.999) + 1e-8);
    CHECK(w[0] == doctest::Approx(expected).epsilon(1e-14));
    CHECK(state.step == 2);

    const optimizer::sgd sgd{.lr = 0.1, .weight_decay = 0.01};
    optimizer::sgd::state none;
    std::vector<float> p{1.0f};
    const std::vector<float> gp{0.5f};
    sgd.step(p.data(), gp.data(), 1, none);
    CHECK(p[0] == doctest::Approx(1.0 - 0.1 * (0.5 + 0.01)).epsilon(1e-7));
}
