// Neuron diversity (networks/diversity.hpp) against hand-made weights and a brute-force
// computation written out independently here.
#include <doctest/doctest.h>

#include <infomorph/infomorph.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

using namespace infomorph;

namespace {

weight_rows rows(std::size_t neurons, std::size_t inputs, std::vector<double> values) {
    return {neurons, inputs, std::move(values)};
}

// The textbook median: a full sort, then the middle value or the mean of the two middle ones.
double brute_median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double brute_cosine_distance(const std::vector<double>& a, const std::vector<double>& b) {
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
        ab += a[k] * b[k];
        aa += a[k] * a[k];
        bb += b[k] * b[k];
    }
    return 1 - ab / std::sqrt(aa * bb);
}

}  // namespace

TEST_CASE("median: odd count the middle value, even count the mean of the two middle ones") {
    CHECK(median({3.0, 1.0, 2.0}) == 2.0);
    CHECK(median({4.0, 1.0, 3.0, 2.0}) == 2.5);
    CHECK(median({5.0, 5.0, 1.0, 9.0}) == 5.0);
    CHECK(median({7.0}) == 7.0);
    CHECK(std::isnan(median({})));
}

TEST_CASE("cosine distance: orthogonal 1, equal or scaled 0, opposite 2, zero vector 1") {
    const double x[] = {1, 0, 0}, y[] = {0, 2, 0}, x3[] = {3, 0, 0}, mx[] = {-1, 0, 0}, z[] = {0, 0, 0};
    CHECK(cosine_distance(x, y, 3) == 1.0);
    CHECK(cosine_distance(x, x3, 3) == 0.0);
    CHECK(cosine_distance(x, mx, 3) == 2.0);
    CHECK(cosine_distance(x, z, 3) == 1.0);
    const double a[] = {1, 1, 0};
    CHECK(cosine_distance(x, a, 3) == doctest::Approx(1 - 1 / std::sqrt(2.0)));
}

TEST_CASE("pairwise diversity: orthogonal neurons 1, identical neurons 0, hand-made median") {
    CHECK(pairwise_distance(rows(3, 3, {1, 0, 0, 0, 1, 0, 0, 0, 1})) == 1.0);
    CHECK(pairwise_distance(rows(3, 2, {1, 2, 1, 2, 2, 4})) == doctest::Approx(0.0).epsilon(1e-15));
    // Pairs of {e1, e1, e2}: 0, 1, 1 -> median 1.
    CHECK(pairwise_distance(rows(3, 2, {1, 0, 1, 0, 0, 1})) == 1.0);
    // {e1, -e1}: one pair, distance 2.
    CHECK(pairwise_distance(rows(2, 1, {1, -1})) == 2.0);
    // {e1, e2, e1+e2}: 1, 1-1/sqrt2, 1-1/sqrt2 -> median 1-1/sqrt2 (odd). Add e1 again:
    // 1, d, 0, d, 1, d (d = 1-1/sqrt2) -> sorted 0 d d d 1 1 -> median d (even, two equal middles).
    const double d = 1 - 1 / std::sqrt(2.0);
    CHECK(pairwise_distance(rows(3, 2, {1, 0, 0, 1, 1, 1})) == doctest::Approx(d));
    CHECK(pairwise_distance(rows(4, 2, {1, 0, 0, 1, 1, 1, 1, 0})) == doctest::Approx(d));
    // {e1, e2, e1, e2}: pairs 1, 0, 1, 1, 0, 1 -> sorted 0 0 1 1 1 1 -> 1 (six pairs, even).
    CHECK(pairwise_distance(rows(4, 2, {1, 0, 0, 1, 1, 0, 0, 1})) == 1.0);
    CHECK(std::isnan(pairwise_distance(rows(1, 2, {1, 0}))));
}

TEST_CASE("self distance: unchanged 0, turned by 90 degrees 1, median over neurons") {
    const auto start = rows(4, 2, {1, 0, 0, 1, 1, 1, 2, 0});
    CHECK(self_distance(start, start) == 0.0);
    // Neuron distances 1 (e1 -> e2), 0 (scaled), 2 (reversed), 1 (e1 -> -e2... 2e1 -> e2):
    // sorted 0 1 1 2 -> median 1; with the last one unchanged: 0 0 1 2 -> 0.5 (mean of the middles).
    const auto now = rows(4, 2, {0, 1, 0, 3, -1, -1, 0, 1});
    CHECK(self_distance(now, start) == 1.0);
    const auto now2 = rows(4, 2, {0, 1, 0, 3, -1, -1, 2, 0});
    CHECK(self_distance(now2, start) == 0.5);
    CHECK_THROWS_AS(self_distance(rows(1, 2, {1, 0}), start), error);
}

TEST_CASE("diversity equals a brute-force computation on random weights") {
    std::mt19937 rng(3);
    std::normal_distribution<double> normal;
    // Sizes across the pairwise loop's blocks of 16 rows and its 32 partial sums; with 40
    // neurons, neuron 21 is all zeros (distance 1 to every other).
    for (const auto& size : std::vector<std::pair<std::size_t, std::size_t>>{
             {2, 7}, {5, 7}, {8, 7}, {17, 31}, {33, 64}, {40, 100}}) {
        const std::size_t neurons = size.first, inputs = size.second;  // not a structured binding: CAPTURE takes them
        weight_rows w{neurons, inputs, {}}, w0{neurons, inputs, {}};
        for (std::size_t k = 0; k < neurons * inputs; ++k) {
            w.values.push_back(neurons == 40 && k / inputs == 21 ? 0.0 : normal(rng));
            w0.values.push_back(normal(rng));
        }
        std::vector<std::vector<double>> v(neurons), v0(neurons);
        for (std::size_t i = 0; i < neurons; ++i) {
            v[i].assign(w.row(i), w.row(i) + inputs);
            v0[i].assign(w0.row(i), w0.row(i) + inputs);
        }
        std::vector<double> self, pairs;
        for (std::size_t i = 0; i < neurons; ++i) self.push_back(brute_cosine_distance(v[i], v0[i]));
        for (std::size_t i = 0; i < neurons; ++i)
            for (std::size_t j = 0; j < neurons; ++j)
                if (i < j) {
                    const bool zero_row = neurons == 40 && (i == 21 || j == 21);  // 0/0 in the brute force
                    pairs.push_back(zero_row ? 1.0 : brute_cosine_distance(v[i], v[j]));
                }
        const auto d = diversity(w, w0);
        CAPTURE(neurons);
        CAPTURE(inputs);
        CHECK(d.self == doctest::Approx(brute_median(self)).epsilon(1e-12));
        CHECK(d.pairwise == doctest::Approx(brute_median(pairs)).epsilon(1e-12));
    }
}

TEST_CASE("the interleaved dot product: exact on integers, the fixed order's rounding on reals") {
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> small(-50, 50);
    std::normal_distribution<double> normal;
    for (std::size_t n : {0u, 1u, 31u, 32u, 33u, 100u, 784u}) {
        std::vector<double> a(n), b(n), x(n), y(n);
        double exact = 0;  // integer products and sums stay exact in double
        for (std::size_t k = 0; k < n; ++k) {
            a[k] = small(rng), b[k] = small(rng), x[k] = normal(rng), y[k] = normal(rng);
            exact += a[k] * b[k];
        }
        CAPTURE(n);
        CHECK(detail::interleaved_dot(a.data(), b.data(), n) == exact);
        long double reference = 0;
        for (std::size_t k = 0; k < n; ++k) reference += static_cast<long double>(x[k]) * y[k];
        CHECK(detail::interleaved_dot(x.data(), y.data(), n) == doctest::Approx(static_cast<double>(reference)).epsilon(1e-13));
    }
}

TEST_CASE("the hidden feedforward weights are the F weights of the hidden layer; none for readout") {
    network_options o;
    o.kind = network_kind::context_lateral;
    o.inputs = 6;
    o.hidden = 4;
    auto net = make_network(o);
    const auto w = hidden_feedforward_weights(*net);
    REQUIRE(w);
    CHECK(w->neurons == 4);
    CHECK(w->inputs == 6);
    o.kind = network_kind::readout;
    CHECK_FALSE(hidden_feedforward_weights(*make_network(o)));
}
