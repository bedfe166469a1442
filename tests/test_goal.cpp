// Goal functions and their batch gradients: against the PID solver and finite differences.
#include <doctest/doctest.h>

#include <infomorph/infomorph.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace infomorph;

namespace {

struct batch {
    std::size_t n = 0;
    std::vector<std::uint32_t> bins;  // B x n
    std::vector<double> theta;
    std::size_t size() const { return theta.size(); }
};

batch random_batch(std::size_t n, std::size_t samples, std::uint32_t bins, std::uint32_t seed, double lo = 0.05,
                   double hi = 0.95) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::uint32_t> bin(0, bins - 1);
    std::uniform_real_distribution<double> th(lo, hi);
    batch b;
    b.n = n;
    for (std::size_t k = 0; k < samples; ++k) {
        for (std::size_t i = 0; i < n; ++i) b.bins.push_back(bin(rng));
        b.theta.push_back(th(rng));
    }
    return b;
}

template <std::size_t N>
goal<N> random_goal(std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    goal<N> g;
    for (auto& x : g.gamma) x = u(rng);
    g.gamma_res = u(rng);
    return g;
}

template <std::size_t N>
double goal_of(batch_goal_solver<N>& solver, const goal<N>& g, const batch& b, const std::vector<double>& theta) {
    return solver.compute(g, b.bins.data(), N, theta.data(), 1, b.size(), static_cast<double*>(nullptr), 1).value;
}

// Largest |analytic - finite difference| relative to the largest |gradient|. Samples with
// theta at 0 or 1 get second-order one-sided differences.
template <std::size_t N>
double gradient_error(const goal<N>& g, const batch& b) {
    batch_goal_solver<N> solver;
    std::vector<double> grad(b.size());
    solver.compute(g, b.bins.data(), N, b.theta.data(), 1, b.size(), grad.data(), 1);
    double worst = 0, scale = 0;
    for (double x : grad) {
        REQUIRE(std::isfinite(x));
        scale = std::max(scale, std::fabs(x));
    }
    for (std::size_t k = 0; k < b.size(); ++k) {
        auto theta = b.theta;
        double fd = 0;
        const double h = 1e-5;
        const double t = theta[k];
        auto at = [&](double x) {
            theta[k] = x;
            return goal_of<N>(solver, g, b, theta);
        };
        if (t - h < 0) fd = (-3 * at(t) + 4 * at(t + h) - at(t + 2 * h)) / (2 * h);
        else if (t + h > 1) fd = (3 * at(t) - 4 * at(t - h) + at(t - 2 * h)) / (2 * h);
        else fd = (at(t + h) - at(t - h)) / (2 * h);
        worst = std::max(worst, std::fabs(fd - grad[k]));
    }
    return worst / std::max(scale, 1e-300);
}

// The batch estimate as an explicit distribution: each sample twice, fired and not.
sparse_distribution pmf_of(const batch& b) {
    std::vector<std::uint32_t> values;
    std::vector<double> p;
    const double B = static_cast<double>(b.size());
    for (std::size_t k = 0; k < b.size(); ++k)
        for (std::uint32_t y = 0; y < 2; ++y) {
            values.insert(values.end(), b.bins.begin() + static_cast<std::ptrdiff_t>(k * b.n),
                          b.bins.begin() + static_cast<std::ptrdiff_t>((k + 1) * b.n));
            values.push_back(y);
            p.push_back((y == 1 ? b.theta[k] : 1 - b.theta[k]) / B);
        }
    return sparse_distribution::from_probabilities(b.n, values, p);
}

// The same batch solved with float and with double firing probabilities (float's rounded).
template <std::size_t N>
struct in_both_precisions {
    goal_result<N> f, d;
    std::vector<float> gf;
    std::vector<double> gd;
};

template <std::size_t N>
in_both_precisions<N> solve_in_both_precisions(const batch& b, const goal<N>& g) {
    const std::vector<float> theta(b.theta.begin(), b.theta.end());
    const std::vector<double> theta_d(theta.begin(), theta.end());
    in_both_precisions<N> r{{}, {}, std::vector<float>(b.size()), std::vector<double>(b.size())};
    batch_goal_solver<N> solver;
    r.f = solver.compute(g, b.bins.data(), N, theta.data(), 1, b.size(), r.gf.data(), 1);
    r.d = solver.compute(g, b.bins.data(), N, theta_d.data(), 1, b.size(), r.gd.data(), 1);
    return r;
}

}  // namespace

TEST_CASE("goal presets are entered in the authors' order and converted") {
    const auto& out = goals::output_layer;
    CHECK(out.gamma[redundancy_lattice<2>::index_of("{1}")] == -0.2);
    CHECK(out.gamma[redundancy_lattice<2>::index_of("{2}")] == 0.1);
    CHECK(out.gamma[redundancy_lattice<2>::index_of("{1}{2}")] == 1.0);
    CHECK(out.gamma[redundancy_lattice<2>::index_of("{1,2}")] == 0.1);
    CHECK(out.gamma_res == 0.0);
    // The heuristic trivariate goal is the redundancy {F}{C} = {1}{2}.
    const auto naive = preset<3>("naive");
    for (std::size_t a = 0; a < 18; ++a) CHECK(naive.gamma[a] == (a == redundancy_lattice<3>::index_of("{1}{2}") ? 1.0 : 0.0));
    const auto tpe = preset<3>("opt_1_100_tpe");
    CHECK(tpe.gamma[redundancy_lattice<3>::index_of("{1}{2}{3}")] == 0.3307283306516516);
    CHECK(tpe.gamma[redundancy_lattice<3>::index_of("{1,2,3}")] == -0.21512478790202927);
    CHECK(tpe.gamma_res == 0.035001249394734923);
    CHECK(goal<3>::from_authors_order(tpe.to_authors_order()).gamma == tpe.gamma);
    CHECK(preset<2>("context/opt_1_100").gamma[redundancy_lattice<2>::index_of("{1,2}")] == 0.5941935589368678);
    CHECK_THROWS_WITH_AS(preset<2>("nope"), "no 2-source goal preset named 'nope'", infomorph::error);
}

TEST_CASE("the optimised trivariate preset carries the authors' values on the atoms their sweep config names") {
    // Priesemann-Group/Infomorphic_Networks 5284adf: paper_trivariate/conf/goals/
    // infomorphic_context_lateral/optuna_sweep.yaml names the 19 gamma values in this order
    // (sources 1 = F, 2 = C, 3 = L), and opt_1_100_tpe.yaml gives them. The check goes through
    // the atom names, not through authors_order<3>, so a wrong order table fails it.
    const char* names[] = {"{1}{2}{3}",       "{1}{2}",     "{1}{3}",     "{2}{3}",     "{1}{2,3}", "{2}{1,3}", "{3}{1,2}",
                           "{1}",             "{2}",        "{3}",        "{1,2}{1,3}{2,3}", "{1,2}{1,3}", "{1,2}{2,3}",
                           "{1,3}{2,3}",      "{1,2}",      "{1,3}",      "{2,3}",      "{1,2,3}"};
    const double yaml[] = {0.3307283306516516,   0.9780761799548087,   -0.9935002057481923, 0.40173303106031233,
                           0.2427806207519021,   0.6255375402143335,   0.47128370476190684, 0.02120506738070921,
                           0.06053998481721795,  -0.9469786302806626,  -0.01985334149032275, -0.9676614963177035,
                           -0.6924498112774857,  0.42701490050101726,  0.9736446648870112,  0.7369645864450716,
                           -0.12183291675207343, -0.21512478790202927};
    const auto tpe = preset<3>("opt_1_100_tpe");
    for (std::size_t i = 0; i < 18; ++i) {
        CAPTURE(names[i]);
        CHECK(tpe.gamma[redundancy_lattice<3>::index_of(names[i])] == yaml[i]);
    }
    CHECK(tpe.gamma_res == 0.035001249394734923);
}

TEST_CASE("G, atoms and H_res equal the PID solver on the same pmf") {
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
        const auto b2 = random_batch(2, 200, 5, seed);
        const auto b3 = random_batch(3, 300, 4, seed + 10);
        batch_goal_solver<2> s2;
        batch_goal_solver<3> s3;
        const auto g2 = random_goal<2>(seed);
        const auto g3 = random_goal<3>(seed);
        const auto v2 = s2.compute(g2, b2.bins.data(), 2, b2.theta.data(), 1, b2.size(), static_cast<double*>(nullptr), 1);
        const auto v3 = s3.compute(g3, b3.bins.data(), 3, b3.theta.data(), 1, b3.size(), static_cast<double*>(nullptr), 1);
        const auto r2 = isx<2>(pmf_of(b2));
        const auto r3 = isx<3>(pmf_of(b3));
        for (std::size_t a = 0; a < 4; ++a) CHECK(std::fabs(v2.atoms[a] - r2.atoms.total[a]) <= 1e-12);
        for (std::size_t a = 0; a < 18; ++a) CHECK(std::fabs(v3.atoms[a] - r3.atoms.total[a]) <= 1e-12);
        CHECK(std::fabs(v3.h_res - r3.h_res) <= 1e-12);
        CHECK(std::fabs(v3.h_target - r3.h_target) <= 1e-12);
        CHECK(std::fabs(v3.value - g3(r3.atoms.total, r3.h_res)) <= 1e-12);
        CHECK(std::fabs(v2.value - g2(r2.atoms.total, r2.h_res)) <= 1e-12);
    }
}

TEST_CASE("the gradient equals central finite differences") {
    SUBCASE("two sources, random and preset goals") {
        const auto b = random_batch(2, 64, 6, 7);
        CHECK(gradient_error(random_goal<2>(1), b) <= 1e-6);
        CHECK(gradient_error(goals::output_layer, b) <= 1e-6);
        CHECK(gradient_error(goals::context_opt_1_100, b) <= 1e-6);
        CHECK(gradient_error(goals::lateral_opt_2_100, b) <= 1e-6);
    }
    SUBCASE("three sources, random and preset goals") {
        const auto b = random_batch(3, 48, 4, 8);
        CHECK(gradient_error(random_goal<3>(2), b) <= 1e-6);
        CHECK(gradient_error(goals::context_lateral_opt_1_100_tpe, b) <= 1e-6);
        CHECK(gradient_error(goals::context_lateral_naive, b) <= 1e-6);
        CHECK(gradient_error(goals::context_lateral_opt_1_1000, b) <= 1e-6);
    }
    SUBCASE("many repeated cells") {
        CHECK(gradient_error(random_goal<2>(3), random_batch(2, 80, 2, 9)) <= 1e-6);
        CHECK(gradient_error(random_goal<3>(4), random_batch(3, 60, 2, 10)) <= 1e-6);
    }
    SUBCASE("all distinct cells (large alphabets, sorting path)") {
        CHECK(gradient_error(random_goal<3>(5), random_batch(3, 40, 100000, 11)) <= 1e-6);
    }
    SUBCASE("cells at the guard: firing probabilities of exactly 0 and 1") {
        auto b = random_batch(2, 60, 3, 12);
        for (std::size_t k = 0; k < 60; k += 7) b.theta[k] = (k % 2 == 0) ? 1.0 : 0.0;
        CHECK(gradient_error(random_goal<2>(6), b) <= 1e-6);
        auto b3 = random_batch(3, 50, 2, 13);
        for (std::size_t k = 0; k < 50; k += 5) b3.theta[k] = (k % 2 == 0) ? 1.0 : 0.0;
        CHECK(gradient_error(goals::context_lateral_opt_1_100_tpe, b3) <= 1e-6);
    }
}

TEST_CASE("degenerate batches give finite values and gradients") {
    auto b = random_batch(3, 40, 3, 14);
    batch_goal_solver<3> solver;
    std::vector<double> grad(b.size());
    for (double fixed : {0.0, 1.0}) {
        std::fill(b.theta.begin(), b.theta.end(), fixed);
        const auto v = solver.compute(goals::context_lateral_opt_1_100_tpe, b.bins.data(), 3, b.theta.data(), 1, b.size(),
                                      grad.data(), 1);
        CHECK(v.value == doctest::Approx(0.0));  // a constant output carries no information
        CHECK(v.h_target == 0.0);
        for (double x : grad) CHECK(std::isfinite(x));
    }
    // A cell whose samples all fire: P(W, -) = 0 for its own union, still finite.
    b = random_batch(2, 40, 100, 15);
    b.theta[0] = 1.0;
    batch_goal_solver<2> s2;
    std::vector<double> g2(b.size());
    s2.compute(goals::output_layer, b.bins.data(), 2, b.theta.data(), 1, b.size(), g2.data(), 1);
    for (double x : g2) CHECK(std::isfinite(x));
}

TEST_CASE("bad firing probabilities are refused") {
    auto b = random_batch(2, 10, 3, 16);
    batch_goal_solver<2> solver;
    b.theta[3] = 1.5;
    CHECK_THROWS_WITH_AS(solver.compute(goals::output_layer, b.bins.data(), 2, b.theta.data(), 1, b.size(),
                                        static_cast<double*>(nullptr), 1),
                         doctest::Contains("sample 3: firing probability"), infomorph::error);
    b.theta[3] = NAN;
    CHECK_THROWS_AS(solver.compute(goals::output_layer, b.bins.data(), 2, b.theta.data(), 1, b.size(),
                                   static_cast<double*>(nullptr), 1),
                    infomorph::error);
}

TEST_CASE("float inputs give the double results to float precision") {
    const auto b = random_batch(3, 100, 5, 17);
    const auto r = solve_in_both_precisions(b, goals::context_lateral_opt_1_100_tpe);
    const auto& [vf, vd, gf, gd] = r;
    // Float firing probabilities run the float kernel: value and atoms to some ten float
    // epsilons of the entropy scale (1 bit), the gradient to some hundred epsilons of its
    // largest entry (measured: at most 8e-7 and 5e-6 on batches of 100 and 1024 samples).
    CHECK(std::abs(vf.value - vd.value) <= 2e-6);
    for (std::size_t a = 0; a < vf.atoms.size(); ++a) CHECK(std::abs(vf.atoms[a] - vd.atoms[a]) <= 2e-6);
    CHECK(std::abs(vf.h_res - vd.h_res) <= 2e-6);
    double largest = 0, worst = 0;
    for (std::size_t k = 0; k < b.size(); ++k) {
        largest = std::max(largest, std::abs(gd[k]));
        worst = std::max(worst, std::abs(gf[k] - gd[k]));
    }
    CHECK(worst <= 1e-5 * largest);
}

TEST_CASE("empty key-identity cells have empty unions (no count past B), float and double") {
    // Two binary sources, 8 samples: 3 of the 4 pair keys occur, so the pair grouping keeps the
    // empty key (1, 1) as a cell. Its `first` row is another cell's; read through that row its
    // unions would count 6 + 6 = 12 > B samples. Checked builds throw on such a count.
    batch b;
    b.n = 2;
    b.bins = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0};
    b.theta = {0.1, 0.7, 0.4, 0.9, 0.3, 0.6, 0.2, 0.8};
    for (auto& t : b.theta) t = static_cast<float>(t);  // both precisions see the same numbers as the reference
    const auto r = solve_in_both_precisions(b, goals::output_layer);
    const auto& vd = r.d;
    const auto& vf = r.f;
    CHECK(std::isfinite(vd.value));
    CHECK(std::abs(vf.value - vd.value) <= 2e-6);
    const auto reference = isx<2>(pmf_of(b));
    for (std::size_t a = 0; a < vd.atoms.size(); ++a) CHECK(std::fabs(vd.atoms[a] - reference.atoms.total[a]) <= 1e-12);
}

TEST_CASE("a subnormal float firing probability falls back to the double kernel") {
    auto b = random_batch(3, 100, 5, 19);
    b.theta[7] = 1e-40;  // subnormal in float, normal in double
    const auto r = solve_in_both_precisions(b, goals::context_lateral_opt_1_100_tpe);
    const auto& [vf, vd, gf, gd] = r;
    CHECK(vf.value == vd.value);
    for (std::size_t k = 0; k < b.size(); ++k) CHECK(gf[k] == static_cast<float>(gd[k]));
}

TEST_CASE("a layer's goals and gradients are bit-identical for any thread count and equal the single-neuron solver") {
    // 37 neurons: two whole groups of 16 (copied by 16 x 16 transposes where the build has
    // AVX-512) and a partial one; 150 samples: not a multiple of the transposes' 16.
    const std::size_t B = 150, neurons = 37;
    std::mt19937 rng(21);
    std::uniform_int_distribution<std::uint32_t> bin(0, 5);
    std::uniform_real_distribution<float> fire(0.05f, 0.95f);
    xt::xtensor<std::uint32_t, 3> bins = xt::xtensor<std::uint32_t, 3>::from_shape({B, neurons, 3});
    xt::xtensor<float, 2> theta = xt::xtensor<float, 2>::from_shape({B, neurons});
    for (auto& b : bins) b = bin(rng);
    for (auto& t : theta) t = fire(rng);
    const auto& g = goals::context_lateral_opt_1_100_tpe;
    std::vector<goal_result<3>> v1, v2, v3;
    xt::xtensor<float, 2> g1, g2, g3;
    layer_goal<3>(1).compute(g, bins, theta, v1, g1);
    layer_goal<3>(2).compute(g, bins, theta, v2, g2);
    layer_goal<3>(3).compute(g, bins, theta, v3, g3);
    CHECK(g1 == g2);
    CHECK(g1 == g3);
    for (std::size_t n = 0; n < neurons; ++n) {
        CHECK(v1[n].value == v2[n].value);
        CHECK(v1[n].value == v3[n].value);
        CHECK(v1[n].atoms == v3[n].atoms);
        // The same neuron alone, from contiguous copies of its inputs.
        std::vector<std::uint32_t> own_bins;
        std::vector<float> own_theta, own_grad(B);
        for (std::size_t k = 0; k < B; ++k) {
            for (std::size_t i = 0; i < 3; ++i) own_bins.push_back(bins(k, n, i));
            own_theta.push_back(theta(k, n));
        }
        batch_goal_solver<3> solver;
        const auto alone = solver.compute(g, own_bins.data(), 3, own_theta.data(), 1, B, own_grad.data(), 1);
        CHECK(alone.value == v1[n].value);
        for (std::size_t k = 0; k < B; ++k) CHECK(own_grad[k] == g1(k, n));
    }
    xt::xtensor<std::uint32_t, 3> wrong = xt::xtensor<std::uint32_t, 3>::from_shape({B, neurons, 2});
    CHECK_THROWS_WITH_AS(layer_goal<3>(2).compute(g, wrong, theta, v1, g1),
                         doctest::Contains("bins have shape [150 x 37 x 2], expected [150 x 37 x 3]"),
                         infomorph::error);
}

TEST_CASE("small alphabets (the dense grid of cells) give the goal of the grouped cells") {
    // The solver takes the dense grid when the bins' ranges span at most B cells together, and
    // groups the samples otherwise. Bins are only labels: spreading one source's bins far
    // apart (b -> 1000 b + 7) keeps every cell's samples but leaves the grid too large, so the
    // same batch goes through both paths. Value, atoms and gradient agree to rounding.
    auto check = [](auto solver, const batch& b, const auto& g) {
        constexpr std::size_t N = decltype(solver)::lattice::size == 4 ? 2 : 3;
        batch spread = b;
        for (std::size_t k = 0; k < b.size(); ++k) spread.bins[k * N] = 1000 * b.bins[k * N] + 7;
        std::vector<double> grad(b.size()), grad_spread(b.size());
        const auto dense = solver.compute(g, b.bins.data(), N, b.theta.data(), 1, b.size(), grad.data(), 1);
        const auto grouped = solver.compute(g, spread.bins.data(), N, spread.theta.data(), 1, b.size(), grad_spread.data(), 1);
        CHECK(std::fabs(dense.value - grouped.value) <= 1e-12);
        CHECK(std::fabs(dense.h_res - grouped.h_res) <= 1e-12);
        for (std::size_t a = 0; a < dense.atoms.size(); ++a) CHECK(std::fabs(dense.atoms[a] - grouped.atoms[a]) <= 1e-12);
        double largest = 0, worst = 0;
        for (std::size_t k = 0; k < b.size(); ++k) {
            largest = std::max(largest, std::fabs(grad_spread[k]));
            worst = std::max(worst, std::fabs(grad[k] - grad_spread[k]));
        }
        CHECK(worst <= 1e-12 * largest);
        const auto reference = isx<N>(pmf_of(b));
        for (std::size_t a = 0; a < dense.atoms.size(); ++a) CHECK(std::fabs(dense.atoms[a] - reference.atoms.total[a]) <= 1e-12);
    };
    SUBCASE("two sources: 2 x 60 bins of the memory network, 150 samples") {
        batch b = random_batch(2, 150, 2, 31);
        std::mt19937 rng(32);
        std::normal_distribution<double> field(30, 6);  // about 26 of the 60 recurrent bins occupied
        for (std::size_t k = 0; k < b.size(); ++k) b.bins[2 * k + 1] = static_cast<std::uint32_t>(std::clamp(field(rng), 0.0, 59.0));
        check(batch_goal_solver<2>{}, b, goals::output_layer);
        check(batch_goal_solver<2>{}, b, random_goal<2>(33));
    }
    SUBCASE("three sources: the trivariate layer's 20 x 2 x 2 cells, 1024 samples") {
        batch b = random_batch(3, 1024, 2, 34);
        std::mt19937 rng(35);
        std::uniform_int_distribution<std::uint32_t> feedforward(0, 19);
        for (std::size_t k = 0; k < b.size(); ++k) b.bins[3 * k] = feedforward(rng);
        check(batch_goal_solver<3>{}, b, goals::context_lateral_opt_1_100_tpe);
        check(batch_goal_solver<3>{}, b, random_goal<3>(36));
    }
    SUBCASE("bins offset from 0 and gaps inside the ranges (empty grid cells)") {
        batch b = random_batch(3, 200, 3, 37);
        for (std::size_t k = 0; k < b.size(); ++k) {
            b.bins[3 * k + 1] = 5 + 3 * b.bins[3 * k + 1];  // 5, 8, 11: a range of 7 with 4 empty columns
            b.bins[3 * k + 2] += 40;
        }
        check(batch_goal_solver<3>{}, b, random_goal<3>(38));
    }
}
