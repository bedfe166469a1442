// The PID solver against published values (SxPID's gate tests, IDTxl's averaged values) and
// against a brute-force evaluation of the definition on random distributions.
#include <doctest/doctest.h>

#include <infomorph/infomorph.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <random>
#include <string>
#include <vector>

#include "reference/sxpid_reference.hpp"

using namespace infomorph;

namespace {

template <std::size_t N>
sparse_distribution distribution_of(const infomorph_test::gate_case& gate) {
    std::vector<std::uint32_t> values;
    std::vector<double> p;
    for (const auto& row : gate.rows) {
        for (auto s : row.sources) values.push_back(s);
        values.push_back(row.target);
        p.push_back(row.p);
    }
    return sparse_distribution::from_probabilities(N, values, p);
}

template <std::size_t N>
void check_gate(const infomorph_test::gate_case& gate) {
    using lattice = redundancy_lattice<N>;
    CAPTURE(gate.name);
    const auto d = distribution_of<N>(gate);
    const auto r = isx<N>(d, {.pointwise = true});
    REQUIRE(r.pointwise_atoms.total.shape()[0] == gate.rows.size());
    for (std::size_t row = 0; row < gate.rows.size(); ++row) {
        CAPTURE(row);
        for (std::size_t k = 0; k < gate.order.size(); ++k) {
            CAPTURE(gate.order[k]);
            const auto a = lattice::index_of(gate.order[k]);
            CHECK(std::fabs(r.pointwise_atoms.total(row, a) - gate.rows[row].atoms[k]) <= 1e-12);
        }
    }
}

// P(W) by scanning all rows, as the definition reads (and as SxPID computes it).
template <std::size_t N>
pid_result<N> brute_force(const sparse_distribution& d) {
    using lattice = redundancy_lattice<N>;
    constexpr std::size_t L = lattice::size;
    pid_result<N> out;
    const std::size_t R = d.rows();
    out.pointwise_redundancies.inf = xt::zeros<double>({R, L});
    out.pointwise_redundancies.misinf = xt::zeros<double>({R, L});
    out.pointwise_atoms.inf = xt::zeros<double>({R, L});
    out.pointwise_atoms.misinf = xt::zeros<double>({R, L});
    for (std::size_t r = 0; r < R; ++r) {
        double pt = 0;
        for (std::size_t q = 0; q < R; ++q) pt += d.target(q) == d.target(r) ? d.probability(q) : 0.0;
        for (std::size_t a = 0; a < L; ++a) {
            double pw = 0, pwt = 0;
            for (std::size_t q = 0; q < R; ++q) {
                bool in_union = false;
                for (std::uint32_t m = 1; m <= lattice::full_set; ++m) {
                    if (!(lattice::antichains[a] & (1u << m))) continue;
                    bool match = true;
                    for (std::size_t v = 0; v < N; ++v)
                        if ((m & (1u << v)) && d.value(q, v) != d.value(r, v)) match = false;
                    in_union |= match;
                }
                if (!in_union) continue;
                pw += d.probability(q);
                if (d.target(q) == d.target(r)) pwt += d.probability(q);
            }
            out.pointwise_redundancies.inf(r, a) = -std::log2(pw);
            out.pointwise_redundancies.misinf(r, a) = -std::log2(pwt / pt);
        }
        for (std::size_t a = 0; a < L; ++a)
            for (std::size_t b = 0; b < L; ++b) {
                out.pointwise_atoms.inf(r, a) += lattice::moebius[a][b] * out.pointwise_redundancies.inf(r, b);
                out.pointwise_atoms.misinf(r, a) += lattice::moebius[a][b] * out.pointwise_redundancies.misinf(r, b);
            }
        for (std::size_t a = 0; a < L; ++a) {
            const double p = d.probability(r);
            out.atoms.inf[a] += p * out.pointwise_atoms.inf(r, a);
            out.atoms.misinf[a] += p * out.pointwise_atoms.misinf(r, a);
            out.redundancies.inf[a] += p * out.pointwise_redundancies.inf(r, a);
            out.redundancies.misinf[a] += p * out.pointwise_redundancies.misinf(r, a);
        }
    }
    return out;
}

// Random sparse distribution: `rows` cells drawn from alphabets of `alphabet` values (some
// repeated), random weights.
sparse_distribution random_distribution(std::size_t n, std::size_t rows, std::uint32_t alphabet, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::uint32_t> value(0, alphabet - 1);
    std::uniform_real_distribution<double> weight(0.1, 1.0);
    std::vector<std::uint32_t> values;
    std::vector<double> w;
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t v = 0; v < n; ++v) values.push_back(value(rng));
        values.push_back(value(rng) % 3);
        w.push_back(weight(rng));
    }
    return sparse_distribution::from_counts(n, values, w);
}

template <std::size_t N>
void check_against_brute_force(std::size_t rows, std::uint32_t alphabet, std::uint32_t seed) {
    using lattice = redundancy_lattice<N>;
    CAPTURE(N);
    CAPTURE(alphabet);
    const auto d = random_distribution(N, rows, alphabet, seed);
    const auto fast = isx<N>(d, {.pointwise = true});
    const auto slow = brute_force<N>(d);
    for (std::size_t a = 0; a < lattice::size; ++a) {
        CAPTURE(lattice::name(a));
        CHECK(std::fabs(fast.atoms.inf[a] - slow.atoms.inf[a]) <= 1e-11);
        CHECK(std::fabs(fast.atoms.misinf[a] - slow.atoms.misinf[a]) <= 1e-11);
        CHECK(std::fabs(fast.redundancies.inf[a] - slow.redundancies.inf[a]) <= 1e-11);
        CHECK(std::fabs(fast.redundancies.misinf[a] - slow.redundancies.misinf[a]) <= 1e-11);
    }
    double worst = 0;
    for (std::size_t i = 0; i < slow.pointwise_atoms.inf.size(); ++i) {
        worst = std::max(worst, std::fabs(fast.pointwise_atoms.inf.data()[i] - slow.pointwise_atoms.inf.data()[i]));
        worst = std::max(worst, std::fabs(fast.pointwise_atoms.misinf.data()[i] - slow.pointwise_atoms.misinf.data()[i]));
        worst = std::max(worst, std::fabs(fast.pointwise_redundancies.inf.data()[i] -
                                          slow.pointwise_redundancies.inf.data()[i]));
    }
    CHECK(worst <= 1e-10);
}

double entropy_of_target(const sparse_distribution& d) {
    std::map<std::uint32_t, double> pt;
    for (std::size_t r = 0; r < d.rows(); ++r) pt[d.target(r)] += d.probability(r);
    double h = 0;
    for (auto [t, p] : pt) h -= p * std::log2(p);
    return h;
}

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const infomorph::error& e) {
        return e.what();
    }
    return "no exception";
}

}  // namespace

TEST_CASE("pointwise atoms of every SxPID test gate to 1e-12") {
    const auto gates = infomorph_test::sxpid_gates();
    REQUIRE(gates.size() == 20);
    for (const auto& gate : gates) {
        if (gate.n_sources == 2) check_gate<2>(gate);
        else check_gate<3>(gate);
    }
}

TEST_CASE("averaged atoms published in IDTxl's SxPID tests") {
    for (const auto& c : infomorph_test::idtxl_averaged()) {
        CAPTURE(c.name);
        std::vector<std::uint32_t> values;
        for (const auto& row : c.realizations) values.insert(values.end(), row.begin(), row.end());
        const auto d = sparse_distribution::from_probabilities(c.n_sources, values, c.p);
        const auto r = isx_dynamic(d);
        for (std::size_t k = 0; k < c.order.size(); ++k) {
            CAPTURE(c.order[k]);
            const auto name = c.n_sources == 2 ? redundancy_lattice<2>::index_of(c.order[k])
                                               : redundancy_lattice<3>::index_of(c.order[k]);
            CHECK(std::fabs(r.atoms_total[name] - c.atoms[k]) <= 1e-12);
        }
    }
}

TEST_CASE("consistency: atoms add up to I(T;S), the top redundancy is I(T;S), averages of pointwise") {
    for (const auto& gate : infomorph_test::sxpid_gates()) {
        CAPTURE(gate.name);
        std::vector<std::uint32_t> values;
        std::vector<double> p;
        for (const auto& row : gate.rows) {
            values.insert(values.end(), row.sources.begin(), row.sources.end());
            values.push_back(row.target);
            p.push_back(row.p);
        }
        const auto d = sparse_distribution::from_probabilities(gate.n_sources, values, p);
        const auto r = isx_dynamic(d, {.pointwise = true});
        // I(T;S) from its own definition.
        double mi = 0;
        for (std::size_t i = 0; i < d.rows(); ++i) {
            double ps = 0, pt = 0;
            for (std::size_t j = 0; j < d.rows(); ++j) {
                bool same = true;
                for (std::size_t v = 0; v < d.n_sources(); ++v) same &= d.value(i, v) == d.value(j, v);
                if (same) ps += d.probability(j);
                if (d.target(i) == d.target(j)) pt += d.probability(j);
            }
            mi += d.probability(i) * std::log2(d.probability(i) / (ps * pt));
        }
        double sum = 0;
        for (double a : r.atoms_total) sum += a;
        CHECK(std::fabs(sum - mi) <= 1e-12);
        CHECK(std::fabs(r.redundancies_total.back() - mi) <= 1e-12);
        CHECK(std::fabs(r.mi - mi) <= 1e-12);
        CHECK(std::fabs(r.h_target - entropy_of_target(d)) <= 1e-12);
        CHECK(std::fabs(r.h_res - (r.h_target - mi)) <= 1e-12);
        for (std::size_t a = 0; a < r.names.size(); ++a) {
            double avg_inf = 0, avg_mis = 0;
            for (std::size_t i = 0; i < d.rows(); ++i) {
                avg_inf += d.probability(i) * r.pointwise_atoms.inf(i, a);
                avg_mis += d.probability(i) * r.pointwise_atoms.misinf(i, a);
            }
            CHECK(std::fabs(avg_inf - r.atoms_inf[a]) <= 1e-12);
            CHECK(std::fabs(avg_mis - r.atoms_misinf[a]) <= 1e-12);
            CHECK(std::fabs(r.atoms_inf[a] - r.atoms_misinf[a] - r.atoms_total[a]) <= 1e-15);
        }
    }
}

TEST_CASE("informative and misinformative parts of XOR follow from the definition") {
    // XOR at (0,0,0): P({s1=0} u {s2=0}) = 3/4, P(that | t=0) = 1/2 -> i+ = log2(4/3), i- = 1.
    const auto d = sparse_distribution::from_probabilities(2, {0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0},
                                                           {0.25, 0.25, 0.25, 0.25});
    const auto r = isx<2>(d, {.pointwise = true});
    const auto red = redundancy_lattice<2>::index_of("{1}{2}");
    CHECK(r.pointwise_redundancies.inf(0, red) == doctest::Approx(std::log2(4.0 / 3.0)).epsilon(1e-14));
    CHECK(r.pointwise_redundancies.misinf(0, red) == doctest::Approx(1.0).epsilon(1e-14));
    // Synergy {1,2}: i+({1,2}) - i+({1}) - i+({2}) + i+({1}{2}) = 2 - 1 - 1 + log2(4/3).
    const auto syn = redundancy_lattice<2>::index_of("{1,2}");
    CHECK(r.atoms.inf[syn] == doctest::Approx(std::log2(4.0 / 3.0)).epsilon(1e-14));
    CHECK(r.atoms.misinf[syn] == doctest::Approx(0.0).scale(1.0).epsilon(1e-14));
}

TEST_CASE("fast path equals brute force on random distributions, 2 to 4 sources, small and huge alphabets") {
    check_against_brute_force<2>(60, 4, 1);
    check_against_brute_force<3>(120, 5, 2);
    check_against_brute_force<4>(150, 3, 3);
    // Values up to 10^7: the grouping leaves its dense tables for sorting.
    check_against_brute_force<2>(80, 10'000'000, 4);
    check_against_brute_force<3>(80, 10'000'000, 5);
    check_against_brute_force<4>(60, 4'000'000, 6);
}

TEST_CASE("builders: counts, samples, dense arrays and repeated rows agree") {
    const std::vector<std::uint32_t> and_gate{0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1};
    const auto from_p = isx<2>(sparse_distribution::from_probabilities(2, and_gate, {0.25, 0.25, 0.25, 0.25}));
    const auto from_c = isx<2>(sparse_distribution::from_counts(2, and_gate, {3, 3, 3, 3}));
    const auto from_s = isx<2>(sparse_distribution::from_samples(2, and_gate));
    xt::xarray<double> dense = xt::zeros<double>({2, 2, 2});
    dense(0, 0, 0) = dense(0, 1, 0) = dense(1, 0, 0) = dense(1, 1, 1) = 0.25;
    const auto from_d = isx<2>(sparse_distribution::from_dense(dense));
    // The same realization twice, each with half the mass.
    const auto repeated = isx<2>(sparse_distribution::from_probabilities(
        2, {0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1}, {0.25, 0.25, 0.25, 0.125, 0.125}));
    for (std::size_t a = 0; a < 4; ++a) {
        CHECK(from_c.atoms.total[a] == doctest::Approx(from_p.atoms.total[a]).epsilon(1e-14));
        CHECK(from_s.atoms.total[a] == doctest::Approx(from_p.atoms.total[a]).epsilon(1e-14));
        CHECK(from_d.atoms.total[a] == doctest::Approx(from_p.atoms.total[a]).epsilon(1e-14));
        CHECK(repeated.atoms.total[a] == doctest::Approx(from_p.atoms.total[a]).epsilon(1e-14));
    }
    // Zero-probability rows are dropped but remembered.
    const auto d = sparse_distribution::from_probabilities(2, {0, 0, 0, 1, 1, 1, 0, 1, 1}, {0.5, 0.0, 0.5});
    CHECK(d.rows() == 2);
    CHECK(d.input_rows() == 3);
    CHECK(d.input_row(1) == 2);
}

TEST_CASE("bad input is refused with a message naming the problem and where it is") {
    const std::vector<std::uint32_t> v{0, 0, 0, 1, 1, 1};
    CHECK(error_of([&] { sparse_distribution::from_probabilities(2, v, {0.5, -0.5}); }).find("row 1: probability is -0.5") !=
          std::string::npos);
    CHECK(error_of([&] { sparse_distribution::from_probabilities(2, v, {NAN, 1.0}); }).find("row 0: probability is NaN") !=
          std::string::npos);
    CHECK(error_of([&] { sparse_distribution::from_probabilities(2, v, {INFINITY, 1.0}); }).find("infinite") !=
          std::string::npos);
    CHECK(error_of([&] { sparse_distribution::from_probabilities(2, v, {0.5, 0.4}); }).find("sum to 0.9") !=
          std::string::npos);
    CHECK(error_of([&] { sparse_distribution::from_probabilities(2, v, {0.5, 0.5 + 1e-8}); }).find("not to 1") !=
          std::string::npos);
    CHECK(error_of([&] { sparse_distribution::from_probabilities(2, v, {0.5, 0.5 + 1e-10}); }) == "no exception");
    CHECK(error_of([&] {
              sparse_distribution::from_probabilities(2, v, {1.0, 3.0}, {.total = total_check::rescale});
          }) == "no exception");
    CHECK(error_of([&] { sparse_distribution::from_probabilities(2, v, {0.5, 0.25, 0.25}); }).find("do not form 3 rows") !=
          std::string::npos);
    CHECK(error_of([&] { sparse_distribution::from_probabilities(1, {0, 0}, {1.0}); }).find("2 to 4 sources, got 1") !=
          std::string::npos);
    CHECK(error_of([&] { sparse_distribution::from_probabilities(5, std::vector<std::uint32_t>(6), {1.0}); })
              .find("got 5") != std::string::npos);
    CHECK(error_of([&] {
              sparse_distribution::from_probabilities(2, {0, 3, 0, 1, 1, 1}, {0.5, 0.5}, {.alphabet_sizes = {2, 2, 2}});
          }).find("row 0: source 2 value 3 lies outside its alphabet of size 2") != std::string::npos);
    CHECK(error_of([&] { sparse_distribution::from_counts(2, v, {0.0, 0.0}); }).find("sum to zero") != std::string::npos);
    CHECK(error_of([&] { sparse_distribution::from_samples(2, {}); }).find("no samples") != std::string::npos);
    xt::xarray<double> bad = xt::zeros<double>({2, 2, 2});
    bad(1, 0, 1) = -0.1;
    CHECK(error_of([&] { sparse_distribution::from_dense(bad); }).find("entry (1,0,1) is -0.1") != std::string::npos);
    CHECK(error_of([&] { sparse_distribution::from_dense(xt::xarray<double>(xt::ones<double>({2, 2}))); })
              .find("got 2") != std::string::npos);
    const auto three = sparse_distribution::from_samples(3, {0, 0, 0, 0, 1, 1, 1, 1});
    CHECK(error_of([&] { isx<2>(three); }).find("2-source PID was asked of a distribution with 3 sources") !=
          std::string::npos);
    CHECK(error_of([] { redundancy_lattice<3>::index_of("{1}{1,2}"); }).find("names no antichain") != std::string::npos);
}

TEST_CASE("orders: the authors' gamma order and SxPID's generator order") {
    // Output-layer goal of the paper's base_config.yaml, authors' order {1},{2},{1}{2},{12}.
    const std::array<double, 4> authors{-0.2, 0.1, 1.0, 0.1};
    const auto ours = from_order<2>(authors_order<2>(), authors);
    CHECK(ours[redundancy_lattice<2>::index_of("{1}")] == -0.2);
    CHECK(ours[redundancy_lattice<2>::index_of("{2}")] == 0.1);
    CHECK(ours[redundancy_lattice<2>::index_of("{1}{2}")] == 1.0);
    CHECK(ours[redundancy_lattice<2>::index_of("{1,2}")] == 0.1);
    CHECK(to_order<2>(authors_order<2>(), ours) == authors);
    // SxPID's Lattice.antichain() for two sources yields {12}, {2}, {1}, {1}{2}.
    const auto sx = sxpid_order<2>();
    CHECK(redundancy_lattice<2>::name(sx[0]) == "{1,2}");
    CHECK(redundancy_lattice<2>::name(sx[1]) == "{2}");
    CHECK(redundancy_lattice<2>::name(sx[2]) == "{1}");
    CHECK(redundancy_lattice<2>::name(sx[3]) == "{1}{2}");
}

TEST_CASE("the canonical order of three sources, written out") {
    const char* expected[] = {"{1}{2}{3}", "{1}{2}", "{1}{3}", "{2}{3}", "{1}{2,3}", "{2}{1,3}",
                              "{3}{1,2}", "{1}", "{2}", "{3}", "{1,2}{1,3}{2,3}", "{1,2}{1,3}",
                              "{1,2}{2,3}", "{1,3}{2,3}", "{1,2}", "{1,3}", "{2,3}", "{1,2,3}"};
    for (std::size_t a = 0; a < 18; ++a) CHECK(redundancy_lattice<3>::name(a) == expected[a]);
}

TEST_CASE("the vectorised log2 agrees with std::log2") {
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> exponent(-1000.0, 1000.0);
    std::vector<double> x(100000);
    for (auto& v : x) v = std::exp2(exponent(rng));
    x.push_back(1.0);
    x.push_back(0.75);
    x.push_back(std::nextafter(1.0, 0.0));
    x.push_back(DBL_MIN);
    std::vector<double> y = x;
    detail::log2_inplace(y.data(), y.size());
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::fabs(y[i] - std::log2(x[i])));
    CHECK(worst <= 1e-15);
    CHECK(y[x.size() - 4] == 0.0);
    // Zero, negative, non-finite and subnormal entries take std::log2; the other entries of
    // such an array keep the vectorised logarithm (at 0.709..., 7 ulp from std::log2's).
    std::vector<double> odd{0.5, 0.0, -1.0, INFINITY, 1e-310, 0.70930724243371235};
    for (int i = 0; i < 100; ++i) odd.push_back(0.70930724243371235);  // past the first block
    odd.push_back(0.0);
    detail::log2_inplace(odd.data(), odd.size());
    CHECK(odd[0] == -1.0);
    CHECK(std::isinf(odd[1]));
    CHECK(std::isnan(odd[2]));
    CHECK(std::isinf(odd[3]));
    CHECK(odd[4] == std::log2(1e-310));
    const double exact = std::log2(0.70930724243371235);
    for (std::size_t i = 5; i + 1 < odd.size(); ++i) {
        CHECK(odd[i] != exact);
        CHECK(std::fabs(odd[i] - exact) <= 1e-15);
    }
    CHECK(odd.back() == -INFINITY);
}

namespace {
// |y - std::log2(x)| in units in the last place of std::log2(x) (0 when both are 0).
double ulps_off_log2(double x, double y) {
    const double ref = std::log2(x);
    if (ref == y) return 0.0;
    const double ulp = std::nextafter(std::fabs(ref), INFINITY) - std::fabs(ref);
    return std::fabs(y - ref) / ulp;
}

// Random normal doubles over the whole exponent range, and the reduction's edge cases.
std::vector<double> log2_test_inputs() {
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> exponent(-1022.0, 1024.0);
    std::vector<double> x;
    for (int i = 0; i < 200000; ++i) x.push_back(std::exp2(exponent(rng)));
    std::uniform_real_distribution<double> near_one(0.9, 1.1);
    for (int i = 0; i < 100000; ++i) x.push_back(near_one(rng));
    for (const double v : {1.0, 0.75, 0.5, 2.0, std::sqrt(2.0), std::sqrt(0.5), DBL_MIN, DBL_MAX})
        for (const double u : {std::nextafter(v, 0.0), v, std::nextafter(v, INFINITY)})
            if (u >= DBL_MIN && u <= DBL_MAX) x.push_back(u);
    while (x.size() % 16 != 0) x.push_back(1.0);
    return x;
}
}  // namespace

// Bounds as measured on these inputs; the scalar log2_normal (the pointwise logarithms) is
// off by up to 7 ulp on them, at results of magnitude 0.5 (absolute error below 4e-16).
TEST_CASE("the averaged PID's logarithms: within 4 ulp (6 for pairs) of std::log2 over all normal doubles") {
    using dbatch = xsimd::batch<double>;
    const auto x = log2_test_inputs();
    std::vector<double> y(x.size());
    for (std::size_t i = 0; i < x.size(); i += dbatch::size)
        detail::log2_normal_fast(dbatch::load_unaligned(x.data() + i)).store_unaligned(y.data() + i);
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, ulps_off_log2(x[i], y[i]));
    CAPTURE(worst);
    CHECK(worst <= 4.0);
    // Two logarithms per division, at every vector width.
    constexpr std::size_t lanes = dbatch::size;
    double worst_pair = 0;
    for (std::size_t i = 0; i < x.size(); i += 2 * lanes) {
        dbatch a, b;
        detail::log2_normal_pair(dbatch::load_unaligned(x.data() + i), dbatch::load_unaligned(x.data() + i + lanes), a, b);
        a.store_unaligned(y.data() + i);
        b.store_unaligned(y.data() + i + lanes);
    }
    for (std::size_t i = 0; i < x.size(); ++i) worst_pair = std::max(worst_pair, ulps_off_log2(x[i], y[i]));
    CAPTURE(worst_pair);
    CHECK(worst_pair <= 6.0);
#if defined(__AVX512F__)
    if constexpr (dbatch::size == 8) {
        // vgetexppd/vgetmantpd normalise subnormal input: exact reductions there too (the
        // PID clamps union probabilities at DBL_MIN before these logarithms all the same).
        alignas(64) double sub[8] = {DBL_TRUE_MIN, 3 * DBL_TRUE_MIN, DBL_MIN / 3, DBL_MIN / 2,
                                     std::nextafter(DBL_MIN, 0.0), 1e-310, 1e-320, 2.5e-309};
        alignas(64) double out[8];
        detail::log2_normal_fast(dbatch::load_aligned(sub)).store_aligned(out);
        for (int i = 0; i < 8; ++i) CHECK(ulps_off_log2(sub[i], out[i]) <= 4.0);
    }
#endif
    // The weighted sums, against long double arithmetic with std::log2: every length's tail.
    std::mt19937_64 rng(12);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (const std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{15}, std::size_t{16},
                                std::size_t{23}, std::size_t{256}, std::size_t{1001}}) {
        CAPTURE(n);
        std::vector<double> w(n), p(n);
        long double exact = 0, scale = 0;
        for (std::size_t i = 0; i < n; ++i) {
            w[i] = unit(rng);
            p[i] = x[(i * 7919) % x.size()];
            exact += static_cast<long double>(w[i]) * std::log2(static_cast<long double>(p[i]));
            scale += std::fabs(static_cast<long double>(w[i]) * std::log2(static_cast<long double>(p[i])));
        }
        const double sum = detail::dot_log2(w.data(), p.data(), n);
        CHECK(std::fabs(static_cast<long double>(sum) - exact) <= 1e-15L * scale);
    }
}

namespace {
// A histogram of `samples` draws of n sources (alphabet values each) and a binary target, with
// every cell's count capped at `cap` (0: no cap), so that most cells are rows of one or a few
// samples, as in a batch histogram.
sparse_distribution histogram(std::size_t n, std::size_t samples, std::uint32_t alphabet, std::uint32_t cap,
                              std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::uint32_t> value(0, alphabet - 1);
    std::map<std::vector<std::uint32_t>, double> cells;
    for (std::size_t k = 0; k < samples; ++k) {
        std::vector<std::uint32_t> cell;
        for (std::size_t v = 0; v < n; ++v) cell.push_back(value(rng));
        cell.push_back(value(rng) % 2);
        double& count = cells[cell];
        count = cap == 0 ? count + 1 : std::min<double>(count + 1, cap);
    }
    std::vector<std::uint32_t> values;
    std::vector<double> counts;
    for (const auto& [cell, count] : cells) {
        values.insert(values.end(), cell.begin(), cell.end());
        counts.push_back(count);
    }
    return sparse_distribution::from_counts(n, values, counts);
}

template <std::size_t N>
void check_histogram(std::size_t samples, std::uint32_t alphabet, std::uint32_t cap, std::uint32_t seed) {
    using lattice = redundancy_lattice<N>;
    CAPTURE(N);
    CAPTURE(samples);
    CAPTURE(cap);
    const auto d = histogram(N, samples, alphabet, cap, seed);
    const auto fast = isx<N>(d);
    const auto slow = brute_force<N>(d);
    for (std::size_t a = 0; a < lattice::size; ++a) {
        CAPTURE(lattice::name(a));
        CHECK(std::fabs(fast.redundancies.inf[a] - slow.redundancies.inf[a]) <= 1e-12);
        CHECK(std::fabs(fast.redundancies.misinf[a] - slow.redundancies.misinf[a]) <= 1e-12);
    }
}
}  // namespace

// Counts 1 only, up to 2 and up to 3 per cell (logarithms of products, every ladder width),
// up to 4 (the logarithms of each term), totals that are and are not powers of two, and
// row counts with and without a ragged last batch.
TEST_CASE("histogram weights: the averaged PID through logarithms of products equals brute force") {
    check_histogram<2>(500, 40, 1, 21);
    check_histogram<3>(700, 12, 2, 22);
    check_histogram<3>(1024, 20, 3, 23);
    check_histogram<3>(999, 20, 0, 24);
    check_histogram<4>(300, 8, 3, 25);
    check_histogram<4>(256, 9, 1, 26);
    check_histogram<2>(2000, 10, 0, 27);  // counts of about 10: every term's logarithm
}

TEST_CASE("count weights: sum of k log2 x as the logarithm of a product, against long double sums") {
    using dbatch = xsimd::batch<double>;
    std::mt19937_64 rng(31);
    const auto x = log2_test_inputs();
    for (const double total : {1024.0, 1000.0, 7.0}) {
        for (const std::uint32_t cap : {1u, 2u, 3u}) {
            for (const std::size_t n : {std::size_t{5}, std::size_t{64}, std::size_t{300}, std::size_t{777}}) {
                CAPTURE(total);
                CAPTURE(cap);
                CAPTURE(n);
                // Weights as a histogram builder makes them: count / total, some cells summed
                // from rows of count 1 (the rounding the tolerance allows for).
                std::vector<double> w(n), p(n);
                long double exact = 0, scale = 0;
                for (std::size_t i = 0; i < n; ++i) {
                    const auto count = i == 0 ? 1u : static_cast<std::uint32_t>(rng() % cap) + 1;  // q: a count of 1
                    w[i] = 0;
                    for (std::uint32_t c = 0; c < count; ++c) w[i] += 1.0 / total;
                    p[i] = x[(i * 7919 + n) % x.size()];
                    const long double term = count * std::log2(static_cast<long double>(p[i]));
                    exact += term;
                    scale += std::fabs(term);
                }
                detail::count_weights counts;
                constexpr std::size_t block = 256;
                REQUIRE(counts.assign(w.data(), n, block));
                CHECK(counts.quantum() == 1.0 / total);
                // Two sums at once: the second of x^2 (its terms twice the first's).
                std::vector<double> p2(n);
                for (std::size_t i = 0; i < n; ++i) p2[i] = p[i] * p[i] >= DBL_MIN && p[i] * p[i] <= DBL_MAX ? p[i] * p[i] : p[i];
                long double exact2 = 0;
                for (std::size_t i = 0; i < n; ++i)
                    exact2 += std::log2(static_cast<long double>(p2[i])) * (std::round(w[i] * total));
                double sum[2] = {0, 0};
                for (std::size_t b = 0; b < n; b += block) {
                    const std::size_t m = std::min(block, n - b);
                    const double* at[2] = {p.data() + b, p2.data() + b};
                    double part[2];
                    detail::dot_log2_counts_many<2>(
                        counts, b, m, [&](auto j, std::size_t i) { return dbatch::load_unaligned(at[j] + i); },
                        [&](auto j, std::size_t i) { return at[j][i]; }, part);
                    sum[0] += part[0];
                    sum[1] += part[1];
                }
                CHECK(std::fabs(static_cast<long double>(sum[0]) - exact) <= 1e-15L * scale);
                CHECK(std::fabs(static_cast<long double>(sum[1]) - exact2) <= 2e-15L * scale);
            }
        }
    }
    detail::count_weights counts;
    const std::vector<double> four = {0.1, 0.2, 0.4, 0.1, 0.2};       // a count of 4
    const std::vector<double> half = {0.2, 0.3, 0.2, 0.3};             // 1.5 quanta
    const std::vector<double> near = {0.25, 0.5 * (1 + 1e-13), 0.25};  // 2 quanta, off by 1e-13
    const std::vector<double> none = {0.0, 0.0};
    CHECK_FALSE(counts.assign(four.data(), four.size(), 256));
    CHECK_FALSE(counts.assign(half.data(), half.size(), 256));
    CHECK_FALSE(counts.assign(near.data(), near.size(), 256));
    CHECK_FALSE(counts.assign(none.data(), none.size(), 256));
    // Per block the ladder's width: 0 where every count is 1, 1 with counts 0 and 1, 2 above.
    std::vector<double> mixed(40, 0.125);
    mixed[17] = 0.0;
    mixed[35] = 0.375;
    REQUIRE(counts.assign(mixed.data(), mixed.size(), 16));
    CHECK(counts.bits(0) == 0);
    CHECK(counts.bits(16) == 1);
    CHECK(counts.bits(32) == 2);
}

TEST_CASE("gather_indirect equals the two look-ups; identity groupings carry mixed-radix keys") {
    std::mt19937_64 rng(13);
    std::vector<double> table(500);
    for (auto& v : table) v = std::uniform_real_distribution<double>(0, 1)(rng);
    std::vector<std::uint32_t> id(300), at(37);
    for (auto& v : id) v = static_cast<std::uint32_t>(rng() % table.size());
    for (auto& v : at) v = static_cast<std::uint32_t>(rng() % id.size());
    std::vector<double> out(at.size());
    detail::gather_indirect(table.data(), id.data(), at.data(), out.data(), at.size());
    for (std::size_t i = 0; i < at.size(); ++i) CHECK(out[i] == table[id[at[i]]]);

    // 3 x 4 values over 64 rows, every pair present: identity groupings, key = 4 a + b.
    std::vector<std::uint32_t> a(64), b(64);
    for (std::uint32_t r = 0; r < 64; ++r) {
        a[r] = r % 3;
        b[r] = (r / 3) % 4;
    }
    const std::vector<double> weight(64, 1.0 / 64);
    std::array<detail::grouping, 4> groups{};
    detail::group_builder builder;
    builder.combine_subsets(std::array<const std::uint32_t*, 2>{a.data(), b.data()}, weight.data(), 64, groups,
                            [](std::uint32_t) { return true; });
    for (std::uint32_t m = 1; m < 4; ++m) CHECK(groups[m].identity);
    for (std::uint32_t r = 0; r < 64; ++r) CHECK(groups[3].id[r] == 4 * a[r] + b[r]);
    // 40 values in 64 rows, 5 of them used: compacted, not identity.
    std::vector<std::uint32_t> sparse(64);
    for (std::uint32_t r = 0; r < 64; ++r) sparse[r] = 8 * (r % 5);
    builder.combine(nullptr, 1, sparse.data(), 40, weight.data(), 64, groups[1]);
    CHECK_FALSE(groups[1].identity);
    CHECK(groups[1].count() == 5);
}

TEST_CASE("grouping: a two-key histogram (in registers) adds in the four partial tables' order, bit for bit") {
    // Weights of mixed magnitudes (sums that round), row counts of every residue mod 4: the
    // register path must reproduce the partial tables' sums exactly, written (Assign) or added.
    std::mt19937_64 rng(9);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::size_t wrong = 0;
    for (std::size_t rows = 120; rows < 160; ++rows) {
        std::vector<std::uint32_t> id(rows);
        std::vector<double> w1(rows), w2(rows);
        std::vector<float> q(rows);
        for (std::size_t r = 0; r < rows; ++r) {
            id[r] = static_cast<std::uint32_t>(rng() % 2);
            w1[r] = unit(rng) * std::pow(2.0, -30.0 * unit(rng));
            w2[r] = r % 7 == 0 ? -0.0 : 1.0 - w1[r];
            q[r] = static_cast<float>(unit(rng) - 0.5) * 1e3f;  // gradient contributions: either sign
        }
        auto reference = [&](const auto* w) {  // rows r mod 4 in row order, the tail in table 0
            std::array<std::array<double, 2>, 4> p{};
            std::size_t r = 0;
            for (; r + 4 <= rows; r += 4)
                for (std::size_t way = 0; way < 4; ++way) p[way][id[r + way]] += static_cast<double>(w[r + way]);
            for (; r < rows; ++r) p[0][id[r]] += static_cast<double>(w[r]);
            std::array<double, 2> out{};
            for (std::size_t k = 0; k < 2; ++k) out[k] = (p[0][k] + p[1][k]) + (p[2][k] + p[3][k]);
            return out;
        };
        std::vector<double> scratch;
        std::array<double, 2> m1{-1.0, -1.0}, m2{-1.0, -1.0}, added{0.25, 0.5};
        detail::add_histogram<2, double, true>(id.data(), {w1.data(), w2.data()}, rows, 2, scratch, {m1.data(), m2.data()});
        detail::add_histogram<1, float>(id.data(), {q.data()}, rows, 2, scratch, {added.data()});
        const auto e1 = reference(w1.data()), e2 = reference(w2.data()), eq = reference(q.data());
        wrong += m1 != e1 || m2 != e2 || added[0] != 0.25 + eq[0] || added[1] != 0.5 + eq[1] ? 1 : 0;
    }
    CHECK(wrong == 0);
}

TEST_CASE("grouping: the four-way histogram and the groupings of all column sets equal brute-force sums") {
    // Integer weights: every order of additions gives the same sums exactly. 1001 rows: not a
    // multiple of the four partial tables. 7 keys take the partial tables, 300 the single one.
    std::mt19937_64 rng(5);
    const std::size_t rows = 1001;
    for (const std::size_t keys : {std::size_t{7}, std::size_t{300}}) {
        CAPTURE(keys);
        std::vector<std::uint32_t> id(rows);
        std::vector<double> w1(rows), w2(rows);
        for (std::size_t r = 0; r < rows; ++r) {
            id[r] = static_cast<std::uint32_t>(rng() % keys);
            w1[r] = static_cast<double>(rng() % 5);
            w2[r] = static_cast<double>(rng() % 3);
        }
        std::vector<double> m1(keys, 1.0), m2(keys, 2.0), expect1(keys, 1.0), expect2(keys, 2.0), scratch;
        for (std::size_t r = 0; r < rows; ++r) {
            expect1[id[r]] += w1[r];
            expect2[id[r]] += w2[r];
        }
        detail::add_histogram<2, double>(id.data(), {w1.data(), w2.data()}, rows, keys, scratch, {m1.data(), m2.data()});
        CHECK(m1 == expect1);
        CHECK(m2 == expect2);
    }

    // Three columns of 3, 4 and 40 values: the sets take the identity, dense and compacted paths.
    std::array<std::vector<std::uint32_t>, 3> column;
    const std::array<std::uint32_t, 3> values{3, 4, 40};
    std::vector<double> weight(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t v = 0; v < 3; ++v) column[v].push_back(static_cast<std::uint32_t>(rng() % values[v]));
        weight[r] = static_cast<double>(1 + rng() % 4);
    }
    std::array<detail::grouping, 8> groups;
    detail::group_builder builder;
    builder.combine_subsets(std::array<const std::uint32_t*, 3>{column[0].data(), column[1].data(), column[2].data()},
                            weight.data(), rows, groups, [](std::uint32_t) { return true; });
    for (std::uint32_t m = 1; m < 8; ++m) {
        CAPTURE(m);
        std::map<std::vector<std::uint32_t>, double> mass;
        std::map<std::vector<std::uint32_t>, std::uint32_t> group_of;
        const auto& g = groups[m];
        for (std::size_t r = 0; r < rows; ++r) {
            std::vector<std::uint32_t> key;
            for (std::size_t v = 0; v < 3; ++v)
                if (m >> v & 1u) key.push_back(column[v][r]);
            mass[key] += weight[r];
            const auto at = group_of.emplace(key, g.id[r]).first;
            CHECK(at->second == g.id[r]);  // one group per value tuple
        }
        std::set<std::uint32_t> distinct;
        for (const auto& [key, group] : group_of) {
            distinct.insert(group);
            CHECK(g.mass[group] == mass[key]);
            const std::size_t r = g.first[group];  // a row of that group
            CHECK(g.id[r] == group);
        }
        CHECK(distinct.size() == group_of.size());  // different tuples, different groups
        for (std::size_t c = 0; c < g.count(); ++c)  // groups without rows weigh nothing
            if (distinct.count(static_cast<std::uint32_t>(c)) == 0) CHECK(g.mass[c] == 0);
    }
}

TEST_CASE("grouping: rows sorted by their key are grouped as runs, as the key table groups them, bit for bit") {
    // Rows in lexicographic order of three columns of 30, 40 and 2 values (a histogram counted
    // by sorting): the sets {0, 1} and {0, 1, 2} have more keys than rows, so they are not
    // key-identity groupings and take the runs. Expected: groups numbered by first appearance,
    // `first` the first row of its group, masses summed in row order from 0 (the key table's
    // results exactly). The last row moved to the front, or two rows far apart swapped (a key
    // falls late, after many runs were numbered), break the order: the key table again.
    std::mt19937_64 rng(21);
    const std::size_t rows = 600;
    std::vector<std::array<std::uint32_t, 3>> cells(rows);
    for (auto& c : cells) c = {static_cast<std::uint32_t>(rng() % 30), static_cast<std::uint32_t>(rng() % 40),
                               static_cast<std::uint32_t>(rng() % 2)};
    std::sort(cells.begin(), cells.end());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::vector<double> w1(rows), w2(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        w1[r] = unit(rng) * std::pow(2.0, -20.0 * unit(rng));  // sums that round
        w2[r] = unit(rng);
    }
    REQUIRE(cells[450] < cells[590]);
    for (const int shuffle : {0, 1, 2}) {
        CAPTURE(shuffle);
        const bool sorted = shuffle == 0;
        auto order = cells;
        if (shuffle == 1) std::rotate(order.begin(), order.end() - 1, order.end());
        if (shuffle == 2) std::swap(order[450], order[590]);
        std::array<std::vector<std::uint32_t>, 3> column;
        for (const auto& c : order)
            for (std::size_t v = 0; v < 3; ++v) column[v].push_back(c[v]);
        std::array<detail::grouping, 8> groups;
        detail::group_builder builder;
        builder.combine_subsets(std::array<const std::uint32_t*, 3>{column[0].data(), column[1].data(), column[2].data()},
                                w1.data(), rows, groups, [](std::uint32_t) { return true; });
        detail::grouping two;
        builder.combine(groups[3].id.data(), groups[3].count(), column[2].data(), 2, w1.data(), rows, two, true, w2.data());
        for (const auto* g : {&groups[3], &groups[7], &two}) {
            const bool full = g != &groups[3];
            CAPTURE(full);
            REQUIRE_FALSE(g->identity);
            std::map<std::array<std::uint32_t, 3>, std::uint32_t> number;
            std::vector<double> mass1, mass2;
            std::vector<std::uint32_t> first;
            for (std::size_t r = 0; r < rows; ++r) {
                const std::array<std::uint32_t, 3> key{column[0][r], column[1][r], full ? column[2][r] : 0u};
                const auto [at, fresh] = number.emplace(key, static_cast<std::uint32_t>(number.size()));
                if (fresh) {
                    mass1.push_back(0.0);
                    mass2.push_back(0.0);
                    first.push_back(static_cast<std::uint32_t>(r));
                }
                mass1[at->second] += w1[r];
                mass2[at->second] += w2[r];
                CHECK(g->id[r] == at->second);
            }
            REQUIRE(g->count() == number.size());
            CHECK(g->mass == mass1);
            if (g == &two) CHECK(g->mass2 == mass2);
            if (sorted) CHECK(g->first == first);  // the table may name any row of the group
            for (std::size_t k = 0; k < g->count(); ++k) CHECK(g->id[g->first[k]] == k);
        }
    }
}

TEST_CASE("grouping: spread-out values (a mostly empty key space) keep their occupied keys in key order") {
    // Values 0, 7, 14, .., 700 in 1001 rows: 701 keys, at most 101 occupied, so the identity
    // grouping is compacted (eight keys at a time with AVX-512, then a scalar tail).
    std::mt19937_64 rng(11);
    const std::size_t rows = 1001;
    std::vector<std::uint32_t> column(rows);
    std::vector<double> w1(rows), w2(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        column[r] = static_cast<std::uint32_t>(7 * (rng() % 101));
        w1[r] = static_cast<double>(1 + rng() % 5);
        w2[r] = static_cast<double>(rng() % 3);
    }
    const std::uint32_t keys = *std::max_element(column.begin(), column.end()) + 1;
    std::map<std::uint32_t, std::pair<double, double>> expect;  // value -> masses, in key order
    for (std::size_t r = 0; r < rows; ++r) {
        expect[column[r]].first += w1[r];
        expect[column[r]].second += w2[r];
    }
    for (const bool two : {false, true}) {
        CAPTURE(two);
        detail::grouping g;
        detail::group_builder builder;
        builder.combine(nullptr, 1, column.data(), keys, w1.data(), rows, g, true, two ? w2.data() : nullptr);
        REQUIRE(g.count() == expect.size());
        std::uint32_t rank = 0;
        for (const auto& [value, mass] : expect) {
            CHECK(g.mass[rank] == mass.first);
            if (two) CHECK(g.mass2[rank] == mass.second);
            CHECK(column[g.first[rank]] == value);  // a row of that value
            ++rank;
        }
        for (std::size_t r = 0; r < rows; ++r)
            CHECK(g.id[r] == static_cast<std::uint32_t>(std::distance(expect.begin(), expect.find(column[r]))));
    }
}
