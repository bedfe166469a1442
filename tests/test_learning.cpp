// Activation, binning and optimiser policies: derivatives against finite differences, bins
// against the authors' torch semantics worked out by hand, one optimiser step in closed form.
#include <doctest/doctest.h>

#include <infomorph/neuron/activation.hpp>
#include <infomorph/neuron/binning.hpp>
#include <infomorph/neuron/optimizer.hpp>
#include <infomorph/detail/parallel.hpp>
#include <infomorph/detail/simd.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <stdexcept>
#include <limits>
#include <thread>
#include <memory>
#include <tuple>
#include <type_traits>
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
    const binning::fixed_bins<20> binning{};
    const std::vector<double> x{-25.0, -20.0, -19.99, -18.0, -17.999, -0.5, 0.0, 1e-9, 19.0, 20.0, 25.0};
    const std::vector<std::uint32_t> expected{0, 0, 0, 0, 1, 9, 9, 10, 19, 19, 19};
    std::vector<std::uint32_t> out(x.size());
    binning(x.data(), x.size(), 1, out.data(), 1);
    CHECK(out == expected);
    const binning::fixed_bins<4> small{.lo = 0.0, .hi = 1.0};
    const std::vector<float> y{0.25f, 0.2500001f, 0.75f, -3.0f};
    std::vector<std::uint32_t> out2(y.size());
    small(y.data(), y.size(), 1, out2.data(), 1);
    CHECK(out2 == std::vector<std::uint32_t>{0, 1, 2, 0});
    CHECK_THROWS_AS((binning::fixed_bins<4>{.lo = 1.0, .hi = 1.0}(y.data(), 1, 1, out2.data(), 1)), infomorph::error);
}

// torch.bucketize(clamp(x, e_0 + 1e-4, e_B), edges) - 1, written out as a count of the edges
// strictly below the clamped value: the reference for both binning paths.
template <std::size_t Bins, class Real>
std::uint32_t reference_bucket(Real x, double lo, double hi) {
    const auto edges = binning::detail::linspace<Bins>(lo, hi);
    const double v = std::clamp(static_cast<double>(x), edges[0] + 1e-4, edges[Bins]);
    std::uint32_t below = 0;
    for (double e : edges) below += e < v ? 1u : 0u;
    return below - 1;
}

// Inputs for a binning over [-20, 20]: 3000 normal draws, then each edge's value in Real and
// its two neighbours, where an off-by-one in the edge count would show.
template <std::size_t Bins, class Real>
std::vector<Real> edge_probes(unsigned seed, double sigma) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> spread(0.0, sigma);
    std::vector<Real> x;
    for (int k = 0; k < 3000; ++k) x.push_back(static_cast<Real>(spread(rng)));
    for (double e : binning::detail::linspace<Bins>(-20.0, 20.0)) {
        const Real r = static_cast<Real>(e);
        x.push_back(r);
        x.push_back(std::nextafter(r, Real(-100)));
        x.push_back(std::nextafter(r, Real(100)));
    }
    return x;
}

TEST_CASE_TEMPLATE("fixed bins: the SIMD edge count (contiguous input) and the search (strided) agree with bucketize", Real,
                   float, double) {
    auto x = edge_probes<20, Real>(5, 12.0);
    x.push_back(static_cast<Real>(-20.0 + 1e-4));
    const binning::fixed_bins<20> binning{};
    std::vector<std::uint32_t> contiguous(x.size()), strided(x.size());
    binning(x.data(), x.size(), 1, contiguous.data(), 1);
    std::vector<Real> spaced(2 * x.size());
    for (std::size_t k = 0; k < x.size(); ++k) spaced[2 * k] = x[k];
    binning(spaced.data(), x.size(), 2, strided.data(), 1);
    std::size_t wrong = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
        const auto expected = reference_bucket<20>(x[k], -20.0, 20.0);
        wrong += (contiguous[k] != expected || strided[k] != expected) ? 1 : 0;
    }
    CHECK(wrong == 0);

    // Interleaved output (a layer's bins: [sample][neuron][class]), and inputs far off the
    // range, which the SIMD guess must hand to its exact fallback: all with the same buckets.
    const Real inf = std::numeric_limits<Real>::infinity(), huge = std::numeric_limits<Real>::max();
    for (Real v : {-inf, inf, -huge, huge, Real(1e30), Real(-1e30), Real(19.9999), Real(-19.9999)}) x.push_back(v);
    std::vector<std::uint32_t> interleaved(3 * x.size(), 99u);
    binning(x.data(), x.size(), 1, interleaved.data() + 1, 3);
    wrong = 0;
    for (std::size_t k = 0; k < x.size(); ++k)
        wrong += (interleaved[3 * k + 1] != reference_bucket<20>(x[k], -20.0, 20.0) || interleaved[3 * k] != 99u ||
                  interleaved[3 * k + 2] != 99u)
                     ? 1
                     : 0;
    CHECK(wrong == 0);
    // NaN (an undefined drive) falls into bin 0 on both paths (SIMD lanes, tail, strided search).
    std::vector<Real> nans(37, std::numeric_limits<Real>::quiet_NaN());
    std::vector<std::uint32_t> nan_bins(nans.size(), 99u), nan_strided(nans.size() / 2, 99u);
    binning(nans.data(), nans.size(), 1, nan_bins.data(), 1);
    binning(nans.data(), nans.size() / 2, 2, nan_strided.data(), 1);
    CHECK(nan_bins == std::vector<std::uint32_t>(nans.size(), 0u));
    CHECK(nan_strided == std::vector<std::uint32_t>(nans.size() / 2, 0u));
}

TEST_CASE_TEMPLATE("fixed bins: 60 bins (the memory's recurrent source; four-register edge tables) agree with bucketize",
                   Real, float, double) {
    auto x = edge_probes<60, Real>(8, 15.0);
    const Real inf = std::numeric_limits<Real>::infinity();
    for (Real v : {-inf, inf, Real(1e30), Real(-1e30), Real(19.9999), Real(-19.9999), Real(-20.0 + 1e-4)}) x.push_back(v);
    const binning::fixed_bins<60> binning{};
    std::vector<std::uint32_t> contiguous(x.size()), interleaved(2 * x.size(), 99u);
    binning(x.data(), x.size(), 1, contiguous.data(), 1);
    binning(x.data(), x.size(), 1, interleaved.data() + 1, 2);  // a layer's [sample][neuron][class] bins
    std::size_t wrong = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
        const auto expected = reference_bucket<60>(x[k], -20.0, 20.0);
        wrong += (contiguous[k] != expected || interleaved[2 * k + 1] != expected || interleaved[2 * k] != 99u) ? 1 : 0;
    }
    CHECK(wrong == 0);
}

TEST_CASE("adaptive bins: divided by max |x| per batch, 20 bins on [-1, 1]") {
    const binning::adaptive_bins<20> binning{};
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

TEST_CASE_TEMPLATE("lane sums: lane i of the result is the sum of batch i's lanes", Real, float, double) {
    using batch = xsimd::batch<Real>;
    constexpr std::size_t w = batch::size;
    std::array<batch, w> v;
    for (std::size_t i = 0; i < w; ++i) {
        alignas(64) std::array<Real, w> lanes{};
        for (std::size_t j = 0; j < w; ++j) lanes[j] = static_cast<Real>(100 * i + j);  // exact sums, distinct per i
        v[i] = batch::load_aligned(lanes.data());
    }
    alignas(64) std::array<Real, w> sums{};
    infomorph::detail::lane_sums(v.data()).store_aligned(sums.data());
    for (std::size_t i = 0; i < w; ++i) {
        CAPTURE(i);
        CHECK(sums[i] == static_cast<Real>(100 * i * w + w * (w - 1) / 2));
    }
}

TEST_CASE("simd: transpose_16x16 moves element (r, c) to (c, r) between strided rows") {
    if constexpr (detail::has_transpose_16x16) {
        std::vector<std::uint32_t> from(16 * 21), to(16 * 19, 7u);
        for (std::size_t i = 0; i < from.size(); ++i) from[i] = static_cast<std::uint32_t>(i * 2654435761u);
        detail::transpose_16x16(from.data() + 3, 21, to.data() + 2, 19);
        std::size_t wrong = 0;
        for (std::size_t r = 0; r < 16; ++r)
            for (std::size_t c = 0; c < 19; ++c) {
                const bool inside = c >= 2 && c < 18;
                wrong += to[r * 19 + c] != (inside ? from[(c - 2) * 21 + 3 + r] : 7u) ? 1 : 0;
            }
        CHECK(wrong == 0);
    } else {
        MESSAGE("no AVX-512 in this build (infomorph_native_tests runs this on machines with it)");
    }
}

TEST_CASE("simd: interleave3 puts entry e of the three arrays at 3 e, 3 e + 1 and 3 e + 2") {
    std::array<std::vector<std::uint32_t>, 3> in;
    for (std::size_t i = 0; i < 3; ++i)
        for (std::uint32_t e = 0; e < 70; ++e) in[i].push_back(1000 * static_cast<std::uint32_t>(i) + e);
    for (std::size_t count : {0u, 1u, 15u, 16u, 17u, 33u, 48u, 70u}) {
        CAPTURE(count);
        std::vector<std::uint32_t> out(3 * 70 + 1, 7u);
        detail::interleave3(in[0].data(), in[1].data(), in[2].data(), count, out.data());
        std::size_t wrong = 0;
        for (std::size_t o = 0; o < out.size(); ++o)
            wrong += out[o] != (o < 3 * count ? in[o % 3][o / 3] : 7u) ? 1 : 0;
        CHECK(wrong == 0);
    }
}

TEST_CASE("simd: lane_bits sets bit l where lane l is true") {
    using batch = xsimd::batch<float>;
    constexpr std::size_t L = batch::size;
    alignas(64) float v[L];
    for (std::size_t l = 0; l < L; ++l) v[l] = static_cast<float>(l % 3);
    std::uint64_t want = 0;
    for (std::size_t l = 0; l < L; ++l) want |= std::uint64_t{l % 3 == 1} << l;
    CHECK(detail::lane_bits(batch::load_aligned(v) == batch(1.0f)) == want);
    CHECK(detail::lane_bits(xsimd::batch<double>(2.0) != xsimd::batch<double>(2.0)) == 0);
}

TEST_CASE("parallel blocks: every block once for any thread count, errors rethrown, nested calls run") {
    for (std::size_t threads : {1u, 2u, 3u, 5u}) {
        std::vector<int> seen(41, 0);
        infomorph::detail::parallel_blocks(threads, seen.size(), [&](std::size_t b) { seen[b] += 1; });
        CHECK(std::count(seen.begin(), seen.end(), 1) == static_cast<std::ptrdiff_t>(seen.size()));
    }
    // The team is reused: many calls in a row, alternating thread counts.
    long total = 0;
    std::vector<long> part(64, 0);
    for (int round = 0; round < 200; ++round) {
        infomorph::detail::parallel_blocks(1 + round % 3, part.size(), [&](std::size_t b) { part[b] += static_cast<long>(b); });
    }
    for (auto v : part) total += v;
    CHECK(total == 200L * (63L * 64L / 2L));
    // Calls far enough apart that the waiting threads stop watching for the next one and
    // sleep, between calls close enough that they are still watching.
    std::vector<long> slow(16, 0);
    for (int round = 0; round < 12; ++round) {
        if (round % 3 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        infomorph::detail::parallel_blocks(2 + round % 2, slow.size(), [&](std::size_t b) { slow[b] += 1; });
    }
    CHECK(std::count(slow.begin(), slow.end(), 12) == 16);
    CHECK_THROWS_WITH_AS(infomorph::detail::parallel_blocks(2, 8,
                                                            [](std::size_t b) {
                                                                if (b == 6) throw std::runtime_error("block 6 failed");
                                                            }),
                         "block 6 failed", std::runtime_error);
    // After an error the team still works, and a call from inside a block runs (serially).
    std::vector<int> grid(12, 0);
    infomorph::detail::parallel_blocks(2, 4, [&](std::size_t b) {
        infomorph::detail::parallel_blocks(2, 3, [&](std::size_t c) { grid[b * 3 + c] += 1; });
    });
    CHECK(std::count(grid.begin(), grid.end(), 1) == 12);
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

TEST_CASE_TEMPLATE("Adam on listed positions gives the bits of Adam on copies of them, for any thread count, with the "
                   "gradient dense or in the order of the list", Real, float, double) {
    // 40 000 of 100 000 parameters (three blocks of 16 384), three steps, ascending (scale -1).
    const optimizer::adam adam{.lr = 0.002, .weight_decay = 3.5e-4};
    std::mt19937 rng(11);
    std::normal_distribution<double> nd(0.0, 1.0);
    std::vector<Real> dense(100000), gradient(100000);
    for (auto& v : dense) v = static_cast<Real>(nd(rng));
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < dense.size(); ++i)
        if (i % 5 < 2) at.push_back(i);
    REQUIRE(at.size() == 40000);
    std::vector<Real> copies(at.size()), copy_gradient(at.size());
    for (std::size_t e = 0; e < at.size(); ++e) copies[e] = dense[at[e]];
    const std::vector<Real> untouched = dense;
    std::array<std::vector<Real>, 2> by_threads{dense, dense}, live_by_threads{dense, dense};
    std::vector<Real> live_gradient(at.size());
    optimizer::adam::state on_copies;
    std::array<optimizer::adam::state, 2> listed, live;
    for (int step = 0; step < 3; ++step) {
        for (auto& v : gradient) v = static_cast<Real>(nd(rng));
        for (std::size_t e = 0; e < at.size(); ++e) copy_gradient[e] = -gradient[at[e]];
        for (std::size_t e = 0; e < at.size(); ++e) live_gradient[e] = gradient[at[e]];
        adam.step(copies.data(), copy_gradient.data(), copies.size(), on_copies);
        for (std::size_t t = 0; t < 2; ++t) {
            adam.step_at(by_threads[t].data(), gradient.data(), at.data(), at.size(), listed[t], -1.0, t + 1);
            adam.step_live(live_by_threads[t].data(), live_gradient.data(), at.data(), at.size(), live[t], -1.0, t + 1);
        }
    }
    CHECK(by_threads[0] == by_threads[1]);
    CHECK(live_by_threads[0] == by_threads[0]);
    CHECK(live_by_threads[1] == by_threads[0]);
    CHECK(live[1].m == listed[0].m);
    CHECK(live[1].v == listed[0].v);
    std::size_t differ = 0, moved_elsewhere = 0;
    for (std::size_t e = 0; e < at.size(); ++e) differ += by_threads[0][at[e]] != copies[e];
    for (std::size_t i = 0; i < dense.size(); ++i)
        if (i % 5 >= 2) moved_elsewhere += by_threads[0][i] != untouched[i];
    CHECK(differ == 0);
    CHECK(moved_elsewhere == 0);
    CHECK(listed[0].step == 3);
    CHECK(listed[0].m == on_copies.m);
    CHECK(listed[0].v == on_copies.v);
}

TEST_CASE("SGD takes adam's scale and threads: scale -1 ascends, the thread count changes no bit") {
    const optimizer::sgd sgd{.lr = 0.1, .weight_decay = 0.01};
    optimizer::sgd::state none;
    // 40 000 parameters: three blocks of 16 384, so that two threads share the work.
    std::vector<double> one(40000), two, g(40000);
    for (std::size_t i = 0; i < one.size(); ++i) {
        one[i] = 1.0 + 1e-4 * static_cast<double>(i);
        g[i] = 0.5 - 2e-5 * static_cast<double>(i);
    }
    two = one;
    const std::vector<double> start = one;
    sgd.step(one.data(), g.data(), one.size(), none, -1.0, 1);
    sgd.step(two.data(), g.data(), two.size(), none, -1.0, 2);
    CHECK(one == two);
    for (std::size_t i : {std::size_t{0}, std::size_t{16384}, std::size_t{39999}})
        CHECK(one[i] == doctest::Approx(start[i] - 0.1 * (-g[i] + 0.01 * start[i])).epsilon(1e-15));
}

#include <infomorph/neuron/layer.hpp>

namespace {

using test_layer = layer<3, activation::trivariate, binning::fixed_bins<6>, double>;

std::array<xt::xtensor<double, 2>, 3> random_inputs(std::size_t batch, const std::array<std::size_t, 3>& sizes,
                                                     std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> x(0.0, 1.0);
    std::array<xt::xtensor<double, 2>, 3> out;
    for (std::size_t i = 0; i < 3; ++i) {
        out[i] = xt::xtensor<double, 2>::from_shape({batch, sizes[i]});
        for (auto& v : out[i]) v = x(rng);
    }
    return out;
}

// A small trivariate layer: 6 neurons of 5, 4 and 3 inputs.
constexpr std::array<std::size_t, 3> small_sizes{5, 4, 3};
test_layer small_layer() {
    test_layer::options o;
    o.input_sizes = small_sizes;
    o.neurons = 6;
    o.seed = 4;
    return test_layer(o, goals::context_lateral_opt_1_100_tpe);
}

}  // namespace

TEST_CASE("a layer keeps the bins of a drive kept in place, and bins again a drive that changed") {
    const test_layer l = small_layer();
    const auto x = random_inputs(20, small_sizes, 30), y = random_inputs(20, small_sizes, 31);
    auto fresh_bins = [&](const std::array<const xt::xtensor<double, 2>*, 3>& in) {
        test_layer::state t;
        l.forward(in, t, nullptr);
        return t.bins;
    };
    test_layer::state s;
    l.forward({&x[0], &x[1], &x[2]}, s, nullptr);
    // Class 1 kept in place, classes 2 and 3 new: the kept class's bins stay, the others follow.
    const std::array<const xt::xtensor<double, 2>*, 3> mixed{&x[0], &y[1], &y[2]};
    l.forward(mixed, s, nullptr, {.reuse = &s, .reuse_drive = {true, false, false}});
    CHECK(s.bins == fresh_bins(mixed));
    // A pass without bins changes class 1's drive; the next pass that keeps it must bin it again.
    const std::array<const xt::xtensor<double, 2>*, 3> other{&y[0], &y[1], &y[2]};
    l.forward(other, s, nullptr, {.bins = false});
    l.forward(other, s, nullptr, {.reuse = &s, .reuse_drive = {true, true, true}});
    CHECK(s.bins == fresh_bins(other));
}

TEST_CASE("a pass that takes another pass's drives equals one that copies them") {
    const test_layer l = small_layer();
    const auto x = random_inputs(20, small_sizes, 30), y = random_inputs(20, small_sizes, 31);
    test_layer::state first, again, copied, taken;
    l.forward({&x[0], &x[1], &x[2]}, first, nullptr);
    l.forward({&x[0], &x[1], &x[2]}, again, nullptr);
    const std::array<const xt::xtensor<double, 2>*, 3> mixed{&x[0], &x[1], &y[2]};
    l.forward(mixed, copied, nullptr, {.reuse = &first, .reuse_drive = {true, true, false}});
    l.forward(mixed, taken, nullptr, {.reuse_drive = {true, true, false}, .take = &again});
    CHECK(taken.drive == copied.drive);
    CHECK(taken.theta == copied.theta);
    CHECK(taken.bins == copied.bins);
    test_layer::state fresh;
    l.forward(mixed, fresh, nullptr);
    CHECK(taken.bins == fresh.bins);
    const auto small = random_inputs(10, small_sizes, 32);
    test_layer::state other;
    CHECK_THROWS_WITH_AS(l.forward({&small[0], &small[1], &small[2]}, other, nullptr,
                                   {.reuse_drive = {true, false, false}, .take = &first}),
                         "the reused pass has another batch size", error);
}

TEST_CASE("a layer's interleaved bins are each class's drive binned on its own") {
    // 19 neurons and 130 samples: blocks of 65 samples (1235 entries) pass one 1024-entry chunk
    // of the interleaving and end in a part of a SIMD batch.
    using float_layer = layer<3, activation::trivariate, binning::fixed_bins<20>, float>;
    float_layer::options o;
    o.input_sizes = {5, 4, 3};
    o.neurons = 19;
    o.seed = 4;
    for (std::size_t threads : {1, 2}) {
        o.threads = threads;
        const float_layer l(o, goals::context_lateral_opt_1_100_tpe);
        const auto wide = random_inputs(130, o.input_sizes, 32);
        std::array<xt::xtensor<float, 2>, 3> x;
        for (std::size_t i = 0; i < 3; ++i) x[i] = xt::cast<float>(wide[i] * 60.0);  // drives across all 20 bins
        float_layer::state s;
        l.forward({&x[0], &x[1], &x[2]}, s, nullptr);
        std::size_t wrong = 0;
        std::array<std::size_t, 20> used{};
        for (std::size_t k = 0; k < 130; ++k)
            for (std::size_t j = 0; j < 19; ++j)
                for (std::size_t i = 0; i < 3; ++i) {
                    std::uint32_t want = 0;
                    binning::fixed_bins<20>{}(&s.drive[i](k, j), 1, 1, &want, 1);
                    wrong += s.bins(k, j, i) != want ? 1 : 0;
                    used[std::min<std::size_t>(want, 19)] += 1;
                }
        CHECK(wrong == 0);
        CHECK(std::count(used.begin(), used.end(), 0u) == 0);
    }
}

TEST_CASE("a pass without derivatives holds none, refuses backward, and gives the same outputs; silent inputs may be null") {
    test_layer::options o;
    o.input_sizes = {5, 4, 3};
    o.neurons = 6;
    o.seed = 4;
    test_layer l(o, goals::context_lateral_opt_1_100_tpe);
    auto x = random_inputs(40, o.input_sizes, 30);
    x[2].fill(0.0);  // the silent class, as the first pass of the trivariate network
    const std::array<const xt::xtensor<double, 2>*, 3> zero_input{&x[0], &x[1], &x[2]}, no_input{&x[0], &x[1], nullptr};
    std::mt19937_64 rng_full(5), rng_lean(5);
    test_layer::state full, lean;
    l.forward(zero_input, full, &rng_full, {.bins = false, .silent = {false, false, true}});
    l.forward(no_input, lean, &rng_lean, {.bins = false, .derivatives = false, .silent = {false, false, true}});
    CHECK(full.derivatives);
    CHECK_FALSE(lean.derivatives);
    CHECK(lean.theta == full.theta);
    CHECK(lean.output == full.output);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(lean.drive[i] == full.drive[i]);
        CHECK(lean.dtheta[i].size() == 0);
        CHECK(full.dtheta[i].size() == full.theta.size());
    }
    // A later pass with derivatives on the same state writes them.
    std::mt19937_64 rng_again(5);
    l.forward(no_input, lean, &rng_again, {.bins = false, .silent = {false, false, true}});
    for (std::size_t i = 0; i < 3; ++i) CHECK(lean.dtheta[i] == full.dtheta[i]);

    std::mt19937_64 rng_stale(5);
    l.forward(no_input, lean, &rng_stale, {.bins = false, .derivatives = false, .silent = {false, false, true}});
    const xt::xtensor<double, 2> up = xt::ones<double>({std::size_t{40}, o.neurons});
    std::array<xt::xtensor<double, 2>, 3> dw;
    std::array<xt::xtensor<double, 1>, 3> db;
    l.zero_gradients(dw, db);
    // The state still holds the last pass's derivatives in shape, but not as this batch's.
    CHECK_THROWS_WITH_AS(l.backward(zero_input, lean, up, dw, db),
                         "backward needs a forward pass that kept its derivatives (pass::derivatives)", infomorph::error);
    // A null input is refused where the class is not silent.
    CHECK_THROWS_WITH_AS(l.forward(no_input, lean, nullptr), "input class 3 is missing", infomorph::error);
}

TEST_CASE("a layer's weight gradients equal finite differences of its local goals (bins fixed)") {
    test_layer::options o;
    o.input_sizes = {5, 4, 3};
    o.neurons = 3;
    o.connections[2].kind = connectivity::full;
    o.binning = {.lo = -3.0, .hi = 3.0};
    o.seed = 11;
    test_layer l(o, goals::context_lateral_opt_1_100_tpe);
    const auto x = random_inputs(48, o.input_sizes, 12);
    const std::array<const xt::xtensor<double, 2>*, 3> in{&x[0], &x[1], &x[2]};
    test_layer::state s;
    l.forward(in, s, nullptr);
    std::array<xt::xtensor<double, 2>, 3> dw;
    std::array<xt::xtensor<double, 1>, 3> db;
    std::vector<goal_result<3>> values;
    l.goal_gradients(in, s, dw, db, values);

    layer_goal<3> driver;
    auto total_goal = [&] {
        test_layer::state t;
        l.forward(in, t, nullptr);
        std::vector<goal_result<3>> v;
        xt::xtensor<double, 2> unused;
        driver.compute(goals::context_lateral_opt_1_100_tpe, s.bins, t.theta, v, unused);  // the original bins
        double g = 0;
        for (const auto& e : v) g += e.value;
        return g;
    };
    double scale = 0, worst = 0;
    for (std::size_t i = 0; i < 3; ++i)
        for (double v : dw[i]) scale = std::max(scale, std::fabs(v));
    REQUIRE(scale > 0);
    const double h = 1e-6;
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t n = 0; n < 3; ++n)
            for (std::size_t j = 0; j < o.input_sizes[i]; j += 2) {
                const double w0 = l.weight(i)(n, j);
                l.weight(i)(n, j) = w0 + h;
                const double up = total_goal();
                l.weight(i)(n, j) = w0 - h;
                const double down = total_goal();
                l.weight(i)(n, j) = w0;
                worst = std::max(worst, std::fabs((up - down) / (2 * h) - dw[i](n, j)));
            }
    for (std::size_t n = 0; n < 3; ++n) {
        const double b0 = l.bias(0)(n);
        l.bias(0)(n) = b0 + h;
        const double up = total_goal();
        l.bias(0)(n) = b0 - h;
        const double down = total_goal();
        l.bias(0)(n) = b0;
        worst = std::max(worst, std::fabs((up - down) / (2 * h) - db[0](n)));
    }
    CHECK(worst / scale <= 1e-5);
}

namespace {

// A layer's forward pass (no bins) and its weight gradients for an upstream derivative.
template <class Layer, class Matrix>
std::pair<typename Layer::state, std::array<Matrix, 3>> drives_and_gradients(Layer& l,
                                                                           const std::array<const Matrix*, 3>& in,
                                                                           const Matrix& up) {
    typename Layer::state s;
    l.forward(in, s, nullptr, {.bins = false});
    std::array<Matrix, 3> dw;
    std::array<xt::xtensor<typename Matrix::value_type, 1>, 3> db;
    l.zero_gradients(dw, db);
    l.backward(in, s, up, dw, db);
    return {std::move(s), std::move(dw)};
}

// The largest deviations of class i's drive and weight gradient from sums in double over all
// inputs (bias + sum_p w x; sum_t upstream dtheta/dr x), of masked gradients from 0, and the
// largest gradient (the scale of its tolerance).
struct product_errors {
    double drive = 0, gradient = 0, masked = 0, scale = 0;
};
template <class Layer, class Matrix>
product_errors class_errors(const Layer& l, const typename Layer::state& s, const std::array<Matrix, 3>& dw,
                            const Matrix& x, const Matrix& up, std::size_t i) {
    const std::size_t batch = x.shape()[0], width = x.shape()[1], n = l.neurons();
    const auto& w = l.weight(i);
    const auto& m = l.mask(i);
    product_errors e;
    for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t t = 0; t < batch; ++t) {
            double r = l.bias(i)(j);
            for (std::size_t p = 0; p < width; ++p) r += double(w(j, p)) * m(j, p) * x(t, p);
            e.drive = std::max(e.drive, std::fabs(r - s.drive[i](t, j)));
        }
        for (std::size_t p = 0; p < width; ++p) {
            double g = 0;
            for (std::size_t t = 0; t < batch; ++t) g += double(up(t, j)) * s.dtheta[i](t, j) * x(t, p);
            e.scale = std::max(e.scale, std::fabs(g));
            if (m(j, p) == 0) e.masked = std::max(e.masked, std::fabs(double(dw[i](j, p))));
            else e.gradient = std::max(e.gradient, std::fabs(g - dw[i](j, p)));
        }
    }
    return e;
}

}  // namespace

TEST_CASE_TEMPLATE("sparse partners: drive and weight gradient equal the dense masked products, for any thread count", Real,
                   float, double) {
    // 100 samples: whole tiles of samples plus a ragged one; 19 partners: sums reduced a SIMD
    // width of partners at a time plus single ones; 40 neurons cut into one range per thread.
    // The lateral input is Gaussian (float tiles), all ±1 (sign bits where has_sign_bits), or
    // ±1 but for one 0 (the floats again); the gradient takes the input as the drive packed
    // it, or packs it anew when the state holds none (a reused drive).
    using lat_layer = layer<3, activation::trivariate, binning::fixed_bins<20>, Real>;
    using matrix = xt::xtensor<Real, 2>;
    const std::size_t B = 100, n = 40, k = 19;
    enum class lateral { gaussian, signs, signs_but_one_zero };
    for (const lateral kind : {lateral::gaussian, lateral::signs, lateral::signs_but_one_zero})
        for (const bool repack : {false, true}) {
            CAPTURE(static_cast<int>(kind));
            CAPTURE(repack);
            std::mt19937 rng(4);
            std::normal_distribution<double> xd(0.0, 1.0);
            matrix xf = matrix::from_shape({B, 5}), xc = matrix::from_shape({B, 3}), xl = matrix::from_shape({B, n}),
                   up = matrix::from_shape({B, n});
            for (auto* m : {&xf, &xc, &xl, &up})
                for (auto& v : *m) v = static_cast<Real>(xd(rng));
            if (kind != lateral::gaussian)
                for (auto& v : xl) v = v > 0 ? Real(1) : Real(-1);
            if (kind == lateral::signs_but_one_zero) xl(97, 33) = 0;  // in the ragged tile, past the whole blocks
            const std::array<const matrix*, 3> in{&xf, &xc, &xl};
            const std::vector<double> scales = [&] {
                std::vector<double> v(n * n);
                for (auto& e : v) e = 1.0 + xd(rng);
                return v;
            }();
            const double tolerance = std::is_same_v<Real, float> ? 2e-5 : 1e-12;
            std::array<matrix, 2> drives, gradients;
            for (std::size_t threads : {1, 2}) {
                CAPTURE(threads);
                typename lat_layer::options o;
                o.input_sizes = {5, 3, n};
                o.neurons = n;
                o.connections[2] = {.kind = connectivity::random_partners, .partners = k};
                o.seed = 9;
                o.threads = threads;
                lat_layer l(o, goals::context_lateral_opt_1_100_tpe);
                auto& weights = l.weight(2);
                for (std::size_t e = 0; e < weights.size(); ++e) weights.data()[e] *= static_cast<Real>(scales[e]);  // masked stay 0
                typename lat_layer::state s;
                l.forward(in, s, nullptr, {.bins = false});
                CHECK(s.signs == (kind == lateral::signs && detail::has_sign_bits<Real>));
                if (repack) s.transposed_class = 3;  // as after a reused drive: the gradient packs x itself
                std::array<matrix, 3> dw, dw_live;
                std::array<xt::xtensor<Real, 1>, 3> db, db_live;
                l.zero_gradients(dw, db);
                l.backward(in, s, up, dw, db);
                // The live form: the dense form's values at the partners, bit for bit; the same
                // dense gradients for the other classes.
                l.zero_gradients(dw_live, db_live, gradient_form::live);
                REQUIRE(dw_live[2].shape()[1] == k);
                l.backward(in, s, up, dw_live, db_live, {}, gradient_form::live);
                std::size_t live_differ = 0;
                for (std::size_t e = 0; e < n * k; ++e)
                    live_differ += dw_live[2].data()[e] != dw[2].data()[l.live_entries(2)[e]];
                CHECK(live_differ == 0);
                CHECK(dw_live[0] == dw[0]);
                CHECK(dw_live[1] == dw[1]);
                CHECK(db_live[2] == db[2]);
                // Another form's shape is refused before anything is written.
                const auto before = db_live;
                CHECK_THROWS_WITH_AS(l.backward(in, s, up, dw_live, db_live), doctest::Contains("class 3 is not [40 x 40]"),
                                     error);
                CHECK(db_live[2] == before[2]);
                const product_errors e = class_errors(l, s, dw, xl, up, 2);
                CHECK(e.drive <= tolerance * 10);
                CHECK(e.gradient <= tolerance * e.scale);
                CHECK(e.masked == 0.0);
                drives[threads - 1] = s.drive[2];
                gradients[threads - 1] = dw[2];
            }
            // Each neuron's sums run in the same order however the neurons are cut among threads.
            CHECK(drives[0] == drives[1]);
            CHECK(gradients[0] == gradients[1]);
        }
}

TEST_CASE("sign bits: the +1 entries of each tile of samples, and only inputs of ±1 accepted") {
    // 150 samples (two whole tiles of 64, then 22: one whole block of 16 and 6 ragged rows) by
    // 37 inputs (two whole blocks of 16, then 5): every path of the packing.
    const std::size_t B = 150, cols = 37, tiles = 3;
    std::mt19937 rng(11);
    std::vector<float> x(B * cols);
    for (auto& v : x) v = (rng() & 1) ? 1.0f : -1.0f;
    for (std::size_t threads : {1, 2}) {
        std::vector<std::uint16_t> masks(tiles * cols * detail::sign_masks, 0xFFFF);
        REQUIRE(detail::to_sign_bits(threads, x.data(), B, cols, masks.data()));
        std::size_t wrong = 0;
        for (std::size_t c = 0; c < tiles; ++c)
            for (std::size_t p = 0; p < cols; ++p)
                for (std::size_t t = 0; t < 64; ++t) {
                    const bool plus = c * 64 + t < B && x[(c * 64 + t) * cols + p] == 1.0f;
                    wrong += ((masks[(c * cols + p) * 4 + t / 16] >> (t % 16)) & 1) != (plus ? 1u : 0u);
                }
        CHECK(wrong == 0);
    }
    // One entry other than ±1 anywhere (a whole block, a ragged column, a ragged row) refuses the input.
    for (const std::size_t at : {std::size_t{5 * cols + 3}, std::size_t{70 * cols + 35}, std::size_t{147 * cols + 20}})
        for (const float bad : {0.0f, -0.0f, 0.5f, 2.0f, std::numeric_limits<float>::quiet_NaN()}) {
            CAPTURE(at);
            CAPTURE(bad);
            std::vector<float> y = x;
            y[at] = bad;
            std::vector<std::uint16_t> masks(tiles * cols * detail::sign_masks);
            CHECK_FALSE(detail::to_sign_bits(2, y.data(), B, cols, masks.data()));
        }
}

TEST_CASE_TEMPLATE("mostly-background inputs: the sparse products equal the dense ones, for any thread count", Real,
                   float, double) {
    // Classes 0 and 2 are 75 % background (the sparse products), class 1 is dense (the GEMMs):
    // 3 features (one GEMM) or 40 (weight gradients cut by neurons). 301 neurons: whole column
    // blocks, then a ragged one whose last SIMD batch overlaps the one before it; class 2 is
    // masked (no self-connections), and in a second round dense too (masked blocks of neurons).
    using lat_layer = layer<3, activation::trivariate, binning::fixed_bins<20>, Real>;
    using matrix = xt::xtensor<Real, 2>;
    const std::size_t B = 70, n = 301;
    for (const bool dense_lateral : {false, true})
        for (const std::size_t context : {std::size_t{3}, std::size_t{40}}) {
            CAPTURE(dense_lateral);
            CAPTURE(context);
            std::mt19937 rng(5);
            std::normal_distribution<double> xd(0.0, 1.0);
            std::uniform_real_distribution<double> u(0.0, 1.0);
            const Real background = Real(-0.4242);
            matrix xf = matrix::from_shape({B, 50}), xc = matrix::from_shape({B, context}), xl = matrix::from_shape({B, n}),
                   up = matrix::from_shape({B, n});
            for (auto* m : {&xc, &up})
                for (auto& v : *m) v = static_cast<Real>(xd(rng));
            for (auto* m : {&xf, &xl})
                for (auto& v : *m) v = u(rng) < 0.75 ? background : static_cast<Real>(background + 0.1 + u(rng) * 2.5);
            if (dense_lateral)
                for (auto& v : xl) v = static_cast<Real>(xd(rng));
            for (std::size_t c = 0; c < 50; ++c) xf(3, c) = background;  // a row of background alone
            const std::array<const matrix*, 3> in{&xf, &xc, &xl};
            const double tolerance = std::is_same_v<Real, float> ? 2e-5 : 1e-12;
            std::vector<std::array<matrix, 3>> drives, gradients;
            for (std::size_t threads : {1, 2, 3}) {
                CAPTURE(threads);
                typename lat_layer::options o;
                o.input_sizes = {50, context, n};
                o.neurons = n;
                o.connections[2] = {.kind = connectivity::no_self};
                o.seed = 9;
                o.threads = threads;
                lat_layer l(o, goals::context_lateral_opt_1_100_tpe);
                const auto result = drives_and_gradients(l, in, up);
                const auto& s = result.first;
                const auto& dw = result.second;
                for (std::size_t i = 0; i < 3; ++i) {
                    CAPTURE(i);
                    const product_errors e = class_errors(l, s, dw, *in[i], up, i);
                    CHECK(e.drive <= tolerance * 10);
                    CHECK(e.gradient <= tolerance * e.scale);
                    CHECK(e.masked == 0.0);
                }
                drives.push_back(s.drive);
                gradients.push_back(dw);
            }
            // Each output's sums run in one order however the work is cut among threads.
            for (std::size_t t = 1; t < drives.size(); ++t)
                for (std::size_t i = 0; i < 3; ++i) {
                    CHECK(drives[t][i] == drives[0][i]);
                    CHECK(gradients[t][i] == gradients[0][i]);
                }
        }
}

TEST_CASE_TEMPLATE("sparse rows: the entries other than the smallest value, by rows and by columns", Real, float, double) {
    const std::size_t rows = 9, columns = 37;  // not whole SIMD batches
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<Real> x(rows * columns);
    for (auto& v : x) v = u(rng) < 0.7 ? Real(-1.5) : static_cast<Real>(u(rng));
    for (std::size_t c = 0; c < columns; ++c) x[4 * columns + c] = Real(-1.5);  // an empty row
    for (bool transposed : {false, true})
    for (std::size_t threads : {1, 2, 3}) {
        CAPTURE(transposed);
        CAPTURE(threads);
        detail::sparse_rows<Real> s;
        REQUIRE(detail::make_sparse_rows(x.data(), rows, columns, transposed, 0.5, s, threads));
        CHECK(s.background == Real(-1.5));
        const std::size_t outer = transposed ? columns : rows, inner = transposed ? rows : columns;
        REQUIRE(s.rows == outer);
        for (std::size_t a = 0; a < outer; ++a) {
            std::vector<std::pair<std::uint32_t, Real>> want, got;
            for (std::size_t b = 0; b < inner; ++b) {
                const Real v = transposed ? x[b * columns + a] : x[a * columns + b];
                if (v != Real(-1.5)) want.emplace_back(static_cast<std::uint32_t>(b), v - Real(-1.5));
            }
            for (std::uint32_t k = s.start[a]; k < s.start[a + 1]; ++k) got.emplace_back(s.column[k], s.value[k]);
            CHECK(got == want);
        }
        // Denser than the limit: refused, by rows even when only the last row passes it.
        detail::sparse_rows<Real> dense;
        CHECK_FALSE(detail::make_sparse_rows(x.data(), rows, columns, transposed, 0.1, dense, threads));
    }
    std::vector<Real> last(4 * 10, Real(0));
    for (std::size_t c = 0; c < 10; ++c) last[30 + c] = Real(1);  // 10 of 40 entries, all in the last row
    for (std::size_t threads : {1, 2}) {
        detail::sparse_rows<Real> s;
        CHECK(detail::make_sparse_rows(last.data(), 4, 10, false, 0.25, s, threads));
        CHECK_FALSE(detail::make_sparse_rows(last.data(), 4, 10, false, 0.24, s, threads));
    }
}

TEST_CASE_TEMPLATE("sparse products: each sum is its offset, then its row's entries in column order", Real, float,
                   double) {
    // Rows over several chunks of columns and blocks of rows (an empty row, a row whose entries
    // all lie in the last chunk, ragged last chunk and block), against one fused multiply-add
    // per entry in column order, with the kernels' own SIMD operation: the same bits.
    using batch = xsimd::batch<Real>;
    constexpr std::size_t L = batch::size, wide = detail::sparse_block<Real>;
    const std::size_t rows = 2 * detail::sparse_kernel::rows_together + 11, columns = 3 * detail::sparse_chunk + 7;
    const std::size_t ld = wide + 5;
    std::mt19937 rng(17);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const Real background = Real(-1.5);  // the smallest value
    std::vector<Real> x(rows * columns), dense(columns * ld), offset(wide);
    for (auto& v : x) v = u(rng) < -0.4 ? static_cast<Real>(u(rng)) : background;  // 30 % other values
    for (std::size_t c = 0; c < columns; ++c) {
        x[5 * columns + c] = background;                                              // empty
        x[9 * columns + c] = c >= 3 * detail::sparse_chunk ? Real(0.5) : background;  // last chunk only
    }
    for (auto& v : dense) v = static_cast<Real>(u(rng));
    for (auto& v : offset) v = static_cast<Real>(u(rng));
    detail::sparse_rows<Real> s;
    REQUIRE(detail::make_sparse_rows(x.data(), rows, columns, false, 0.5, s, 2));
    REQUIRE(s.chunks() == 4);
    // The reference: row by row, a batch of columns at a time, with the kernels' own operation
    // on loaded batches (whether it fuses depends on the build, not on the loop order). A last
    // partial batch of columns ends at `width`; blocks narrower than a batch take xsimd's
    // scalar fma.
    const auto expected = [&](std::size_t width) {
        std::vector<Real> want(rows * width);
        for (std::size_t r = 0; r < rows; ++r) {
            const auto entries = [&](auto acc, std::size_t j, auto load) {
                for (std::size_t c = 0; c < columns; ++c)
                    if (x[r * columns + c] != background)
                        acc = xsimd::fma(decltype(acc)(x[r * columns + c] - background), load(dense.data() + c * ld + j), acc);
                return acc;
            };
            if (width < L) {
                for (std::size_t j = 0; j < width; ++j)
                    want[r * width + j] = entries(offset[j], j, [](const Real* d) { return *d; });
                continue;
            }
            std::vector<std::size_t> firsts;
            for (std::size_t j = 0; j + L <= width; j += L) firsts.push_back(j);
            if (width % L != 0) firsts.push_back(width - L);
            for (std::size_t j : firsts)
                entries(batch::load_unaligned(offset.data() + j), j, [](const Real* d) { return batch::load_unaligned(d); })
                    .store_unaligned(want.data() + r * width + j);
        }
        return want;
    };
    for (std::size_t width : {L > 1 ? L - 1 : L, L, 3 * L + 1, wide - 1, wide}) {
        CAPTURE(width);
        std::vector<Real> out(rows * ld, Real(7)), out_t(width * rows, Real(0.25));
        detail::sparse_times<false>(s, 0, rows, dense.data(), ld, width, offset.data(), out.data(), ld);
        detail::sparse_times<true>(s, 0, rows, dense.data(), ld, width, offset.data(), out_t.data(), rows);
        const std::vector<Real> want = expected(width);
        std::size_t wrong = 0, wrong_t = 0;
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t j = 0; j < width; ++j) {
                const Real e = want[r * width + j];
                wrong += out[r * ld + j] != e ? 1 : 0;
                wrong_t += out_t[j * rows + r] != Real(0.25) + e ? 1 : 0;
            }
        CHECK(wrong == 0);
        CHECK(wrong_t == 0);
        CHECK(out[ld - 1] == Real(7));  // past the block: untouched
    }
}

TEST_CASE_TEMPLATE("sample tiles hold x[c Tile + t, p] at [c][p][t], zero past the batch, and invert", Real, float,
                   double) {
    // Whole 16 x 16 blocks (register transposes with AVX-512 floats) and ragged columns and rows.
    constexpr std::size_t Tile = 64;
    for (const auto& size : {std::pair<std::size_t, std::size_t>{128, 48}, {150, 37}, {9, 16}}) {
        const std::size_t batch = size.first, cols = size.second;  // not a structured binding: Clang 14 cannot capture one
        CAPTURE(batch);
        CAPTURE(cols);
        std::vector<Real> x(batch * cols), back(batch * cols, Real(-1));
        for (std::size_t e = 0; e < x.size(); ++e) x[e] = static_cast<Real>(e) + Real(0.5);
        const std::size_t tiles = detail::tile_count<Tile>(batch);
        std::vector<Real> t(tiles * cols * Tile, Real(-2));
        detail::to_tiles<Tile>(x.data(), batch, cols, t.data(), 0, tiles);
        std::size_t wrong = 0;
        for (std::size_t c = 0; c < tiles; ++c)
            for (std::size_t p = 0; p < cols; ++p)
                for (std::size_t r = 0; r < Tile; ++r) {
                    const std::size_t row = c * Tile + r;
                    wrong += t[(c * cols + p) * Tile + r] != (row < batch ? x[row * cols + p] : Real(0)) ? 1 : 0;
                }
        CHECK(wrong == 0);
        detail::from_tiles<Tile>(t.data(), batch, cols, back.data(), 0, tiles);
        CHECK(back == x);
    }
}

TEST_CASE("sparse rows of an image-sized input: entries and chunk starts, the same on any number of threads") {
    // Large enough for several chunks of the background's scan, of columns and of 16 x 16
    // transposes, SIMD batches in every block; 300 rows end in a ragged block of 12.
    const std::size_t rows = 300, columns = 784;
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> x(rows * columns);
    for (auto& v : x) v = u(rng) < 0.8f ? -0.42f : u(rng);
    x[7 * columns + 100] = std::numeric_limits<float>::quiet_NaN();  // in a batch of background: kept
    for (std::size_t c = 96; c < 112; ++c)
        if (c != 100) x[7 * columns + c] = -0.42f;
    const auto same = [](float a, float b) { return a == b || (std::isnan(a) && std::isnan(b)); };
    for (bool transposed : {false, true}) {
        CAPTURE(transposed);
        detail::sparse_rows<float> one;
        REQUIRE(detail::make_sparse_rows(x.data(), rows, columns, transposed, 1.0 / 3.0, one, 1));
        REQUIRE(one.background == -0.42f);
        const std::size_t outer = transposed ? columns : rows, inner = transposed ? rows : columns;
        REQUIRE(one.rows == outer);
        REQUIRE(one.chunks() == (inner + detail::sparse_chunk - 1) / detail::sparse_chunk);
        std::size_t wrong = 0, k = 0;
        for (std::size_t a = 0; a < outer; ++a) {
            wrong += one.start[a] != k ? 1 : 0;
            for (std::size_t b = 0; b < inner; ++b) {
                if (b % detail::sparse_chunk == 0)
                    wrong += one.chunk_start[a * (one.chunks() + 1) + b / detail::sparse_chunk] != k ? 1 : 0;
                const float v = transposed ? x[b * columns + a] : x[a * columns + b];
                if (v == -0.42f) continue;
                wrong += one.column[k] != b || !same(one.value[k], v + 0.42f) ? 1 : 0;
                ++k;
            }
            wrong += one.chunk_start[a * (one.chunks() + 1) + one.chunks()] != k ? 1 : 0;
        }
        CHECK(wrong == 0);
        CHECK(one.start[outer] == k);
        for (std::size_t threads : {2, 4}) {
            CAPTURE(threads);
            detail::sparse_rows<float> many;
            REQUIRE(detail::make_sparse_rows(x.data(), rows, columns, transposed, 1.0 / 3.0, many, threads));
            CHECK(many.background == -0.42f);
            CHECK(many.rows == one.rows);
            CHECK(many.start == one.start);
            const std::size_t n = one.start.back();
            CHECK(std::equal(one.column.begin(), one.column.begin() + n, many.column.begin()));
            CHECK(std::equal(one.value.begin(), one.value.begin() + n, many.value.begin(), same));
            CHECK(many.chunk_start == one.chunk_start);
        }
    }
}

TEST_CASE("connectivity masks are exact and stay exact through training") {
    using lat_layer = layer<3, activation::trivariate, binning::fixed_bins<20>, float>;
    lat_layer::options o;
    o.input_sizes = {6, 10, 8};
    o.neurons = 8;
    o.connections[1] = {.kind = connectivity::none, .trainable = true, .bias = false};
    o.connections[2] = {.kind = connectivity::random_partners, .partners = 3};
    o.seed = 5;
    lat_layer l(o, goals::context_lateral_opt_1_100_tpe);
    const auto& m = l.mask(2);
    // The live entries are the mask's ones, neuron by neuron, in the partners' order.
    const auto& live = l.live_entries(2);
    REQUIRE(live.size() == 8 * 3);
    for (std::size_t e = 0; e < live.size(); ++e) {
        CHECK(live[e] == (e / 3) * 8 + l.partners(2)[e]);
        CHECK(m.data()[live[e]] == 1.0f);
    }
    CHECK(l.live_entries(0).empty());
    for (std::size_t j = 0; j < 8; ++j) {
        CHECK(m(j, j) == 0.0f);
        double row = 0;
        for (std::size_t k = 0; k < 8; ++k) row += m(j, k);
        CHECK(row == 3.0);
    }
    std::mt19937 rng(1);
    std::normal_distribution<float> xd(0.0f, 3.0f);
    xt::xtensor<float, 2> xf = xt::xtensor<float, 2>::from_shape({64, 6}), xl = xt::xtensor<float, 2>::from_shape({64, 8});
    for (auto& v : xf) v = xd(rng);
    for (auto& v : xl) v = xd(rng) > 0 ? 1.0f : -1.0f;
    const std::array<const xt::xtensor<float, 2>*, 3> in{&xf, nullptr, &xl};
    const optimizer::adam adam{.lr = 0.002, .weight_decay = 3.5e-4};
    std::array<optimizer::adam::state, 3> states;
    std::mt19937_64 sampler(3);
    for (int step = 0; step < 5; ++step) {
        lat_layer::state s;
        l.forward(in, s, &sampler);
        std::array<xt::xtensor<float, 2>, 3> dw;
        std::array<xt::xtensor<float, 1>, 3> db;
        std::vector<goal_result<3>> values;
        l.goal_gradients(in, s, dw, db, values);
        for (std::size_t i : {0u, 2u}) {
            xt::xtensor<float, 2> descent = -dw[i];
            adam.step(l.weight(i).data(), descent.data(), descent.size(), states[i]);
        }
        for (auto v : s.output) CHECK((v == 1.0f || v == -1.0f));
    }
    std::size_t nonzero = 0;
    for (std::size_t e = 0; e < m.size(); ++e) {
        if (m.data()[e] == 0.0f) CHECK(l.weight(2).data()[e] == 0.0f);
        else nonzero += l.weight(2).data()[e] != 0.0f;
    }
    CHECK(nonzero == 24);
    CHECK(l.weight(1).size() == 0 * 1 + 80);  // allocated, never used
    for (auto v : l.weight(1)) CHECK(v == 0.0f);
    CHECK_THROWS_WITH_AS(lat_layer(lat_layer::options{.input_sizes = {6, 10, 8}, .neurons = 8,
                                                      .connections = {connection{}, connection{}, connection{.kind = connectivity::no_self}}},
                                   goals::context_lateral_naive)
                             .forward({&xf, nullptr, &xl}, *std::make_unique<lat_layer::state>(), nullptr),
                         doctest::Contains("input class 2 is missing"), infomorph::error);
}

#include <infomorph/networks/backprop_network.hpp>

TEST_CASE("backpropagation through both hidden passes and the output layer equals finite differences of the loss") {
    // The baseline's gradient code on double layers that emit theta instead of samples: then
    // the straight-through derivative is the true derivative and finite differences apply.
    using hidden_t = layer<3, activation::bernoulli<activation::trivariate>, binning::fixed_bins<20>, double>;
    using output_t = layer<2, activation::bivariate, binning::adaptive_bins<20>, double>;
    hidden_t::options ho;
    ho.input_sizes = {6, 4, 5};
    ho.neurons = 5;
    ho.connections[2].kind = connectivity::no_self;
    ho.activation.drive = {.c1 = 0.3, .c2 = 0.3};  // strong modulation: every path matters
    ho.seed = 3;
    output_t::options oo;
    oo.input_sizes = {5, 4};
    oo.neurons = 4;
    oo.connections[1] = {.kind = connectivity::identity, .fixed_weight = 1.0};
    oo.activation = {.k1 = 1.0};
    oo.seed = 4;
    hidden_t hidden(ho, goal<3>{});
    output_t output(oo, goal<2>{});
    const std::size_t batch = 16;
    auto inputs = random_inputs(batch, {6, 4, 5}, 21);
    const xt::xtensor<double, 2> silent = xt::zeros<double>({batch, std::size_t{5}});
    std::vector<std::uint8_t> labels(batch);
    for (std::size_t k = 0; k < batch; ++k) labels[k] = static_cast<std::uint8_t>(k % 4);

    std::array<hidden_t::state, 2> pass;
    output_t::state out;
    auto forward = [&] {
        hidden.forward({&inputs[0], &inputs[1], &silent}, pass[0], nullptr);
        hidden.forward({&inputs[0], &inputs[1], &pass[0].output}, pass[1], nullptr);
        output.forward({&pass[1].output, &inputs[1]}, out, nullptr);
        double loss = 0;
        detail::softmax_cross_entropy(out.theta, labels, loss);
        return loss;
    };
    forward();
    std::array<xt::xtensor<double, 2>, 3> dw_h;
    std::array<xt::xtensor<double, 1>, 3> db_h;
    std::array<xt::xtensor<double, 2>, 2> dw_o;
    std::array<xt::xtensor<double, 1>, 2> db_o;
    detail::backprop_gradients(hidden, output, inputs[0], inputs[1], silent, pass, out, labels, dw_h, db_h, dw_o, db_o);

    double worst = 0, scale = 0;
    auto check = [&](double& parameter, double analytic) {
        const double h = 1e-6, p0 = parameter;
        parameter = p0 + h;
        const double up = forward();
        parameter = p0 - h;
        const double down = forward();
        parameter = p0;
        worst = std::max(worst, std::fabs((up - down) / (2 * h) - analytic));
        scale = std::max(scale, std::fabs(analytic));
    };
    for (std::size_t i = 0; i < 3; ++i) {
        for (std::size_t n = 0; n < 5; ++n) {
            for (std::size_t j = 0; j < ho.input_sizes[i]; ++j)
                if (hidden.mask(i)(n, j) != 0) check(hidden.weight(i)(n, j), dw_h[i](n, j));
            check(hidden.bias(i)(n), db_h[i](n));  // the lateral bias acts in both passes
        }
    }
    for (std::size_t n = 0; n < 4; ++n) {
        for (std::size_t j = 0; j < 5; ++j) check(output.weight(0)(n, j), dw_o[0](n, j));
        check(output.bias(0)(n), db_o[0](n));
    }
    REQUIRE(scale > 1e-4);
    CHECK(worst / scale <= 1e-6);
    for (std::size_t n = 0; n < 5; ++n) CHECK(dw_h[2](n, n) == 0.0);  // no self-connection, no gradient

    double loss = 0;  // cross-entropy of softmax: log(sum exp) - theta_label
    const xt::xtensor<double, 2> theta{{0.2, 0.7}, {0.9, 0.1}};
    const auto g = detail::softmax_cross_entropy(theta, {1, 1}, loss);
    const double l0 = std::log(std::exp(0.2) + std::exp(0.7)) - 0.7, l1 = std::log(std::exp(0.9) + std::exp(0.1)) - 0.1;
    CHECK(loss == doctest::Approx((l0 + l1) / 2).epsilon(1e-14));
    CHECK(g(0, 1) == doctest::Approx((std::exp(0.7) / (std::exp(0.2) + std::exp(0.7)) - 1) / 2).epsilon(1e-14));
}

#include <infomorph/neuron/sampling.hpp>

TEST_CASE("SplitMix64 streams: the reference implementation's first outputs") {
    // Steele, Lea & Flood's splitmix64.c from seed 0.
    detail::split_mix stream{0};
    CHECK(stream() == 0xe220a8397b1dcdafull);
    CHECK(stream() == 0x6e789e6aa1b965f4ull);
    CHECK(stream() == 0x06c45d188009454full);
}

TEST_CASE_TEMPLATE("sampled outputs: firing with probability theta, silent otherwise", Real, float, double) {
    // An odd count runs the one-sample tail; 0 never fires and 1 always does (u < 1).
    const std::size_t count = 200001;
    for (const double p : {0.0, 0.25, 0.7, 1.0}) {
        CAPTURE(p);
        const std::vector<Real> theta(count, static_cast<Real>(p));
        std::vector<Real> out(count);
        sample_outputs(theta.data(), out.data(), count, 12345, Real(-1), Real(1));
        std::size_t firing = 0, silent = 0;
        for (const Real o : out) {
            firing += o == Real(1) ? 1 : 0;
            silent += o == Real(-1) ? 1 : 0;
        }
        CHECK(firing + silent == count);
        const double rate = static_cast<double>(firing) / static_cast<double>(count);
        const double sd = std::sqrt(p * (1 - p) / static_cast<double>(count));
        CHECK(std::abs(rate - p) <= 5 * sd);
        // Neighbours (which share a 64-bit draw) fire independently: both with p^2.
        std::size_t both = 0;
        const std::size_t pairs = count / 2;
        for (std::size_t i = 0; i < pairs; ++i) both += out[2 * i] == Real(1) && out[2 * i + 1] == Real(1) ? 1 : 0;
        const double p2 = p * p;
        CHECK(std::abs(static_cast<double>(both) / static_cast<double>(pairs) - p2) <=
              5 * std::sqrt(p2 * (1 - p2) / static_cast<double>(pairs)));
        // The same seed gives the same outputs; another seed other ones.
        std::vector<Real> again(count), other(count);
        sample_outputs(theta.data(), again.data(), count, 12345, Real(-1), Real(1));
        sample_outputs(theta.data(), other.data(), count, 54321, Real(-1), Real(1));
        CHECK(again == out);
        if (p > 0 && p < 1) CHECK(other != out);
    }
}
