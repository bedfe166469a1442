// Facts that must hold at compile time: this file passes by compiling. The lattices, and the
// policy concepts (neuron/concepts.hpp): every shipped policy satisfies its concept, and a type
// that misses any one requirement does not.
#include <infomorph/lattice/lattice.hpp>
#include <infomorph/lattice/orders.hpp>
#include <infomorph/neuron/activation.hpp>
#include <infomorph/neuron/binning.hpp>
#include <infomorph/neuron/concepts.hpp>
#include <infomorph/neuron/optimizer.hpp>

namespace {

using namespace infomorph;

template <std::size_t N>
constexpr bool moebius_inverts_zeta() {
    using lattice = redundancy_lattice<N>;
    for (std::size_t i = 0; i < lattice::size; ++i)
        for (std::size_t j = 0; j <= i; ++j) {
            std::int64_t s = 0;
            for (std::size_t k = j; k <= i; ++k)
                if (lattice::zeta[k][j] != 0) s += lattice::moebius[i][k];
            if (s != (i == j ? 1 : 0)) return false;
        }
    // Both are lower triangular in the canonical order: the upper parts vanish.
    for (std::size_t i = 0; i < lattice::size; ++i)
        for (std::size_t j = i + 1; j < lattice::size; ++j)
            if (lattice::zeta[i][j] != 0 || lattice::moebius[i][j] != 0) return false;
    return true;
}

template <std::size_t N>
constexpr bool names_round_trip() {
    using lattice = redundancy_lattice<N>;
    for (std::size_t a = 0; a < lattice::size; ++a)
        if (lattice::find(lattice::name(a)) != a) return false;
    return true;
}

// A union over a single set is that set's marginal; the top is the full joint.
template <std::size_t N>
constexpr bool single_sets_are_marginals() {
    using lattice = redundancy_lattice<N>;
    for (std::size_t a = 0; a < lattice::size; ++a) {
        if (detail::popcount(lattice::antichains[a]) != 1) continue;
        for (std::uint32_t u = 1; u <= lattice::full_set; ++u)
            if (lattice::union_coefficients[a][u] != (u == lattice::support[a] ? 1 : 0)) return false;
    }
    return true;
}

// Inclusion-exclusion is exact: over indicator vectors, sum_U c[U] * [all of U hold] equals
// [some set of alpha holds] for every pattern of which sources "match".
template <std::size_t N>
constexpr bool union_coefficients_are_exact() {
    using lattice = redundancy_lattice<N>;
    for (std::size_t a = 0; a < lattice::size; ++a)
        for (std::uint32_t match = 0; match <= lattice::full_set; ++match) {
            std::int32_t s = 0;
            for (std::uint32_t u = 1; u <= lattice::full_set; ++u)
                if (detail::is_subset(u, match)) s += lattice::union_coefficients[a][u];
            bool any = false;
            for (std::uint32_t m = 1; m <= lattice::full_set; ++m)
                any |= (lattice::antichains[a] & (1u << m)) && detail::is_subset(m, match);
            if (s != (any ? 1 : 0)) return false;
        }
    return true;
}

static_assert(redundancy_lattice<2>::size == 4, "2 sources: 4 antichains");
static_assert(redundancy_lattice<3>::size == 18, "3 sources: 18 antichains");
static_assert(redundancy_lattice<4>::size == 166, "4 sources: 166 antichains");

static_assert(redundancy_lattice<2>::name(0) == "{1}{2}" && redundancy_lattice<2>::name(3) == "{1,2}");
static_assert(redundancy_lattice<3>::name(redundancy_lattice<3>::bottom) == "{1}{2}{3}");
static_assert(redundancy_lattice<3>::name(redundancy_lattice<3>::top) == "{1,2,3}");
static_assert(redundancy_lattice<4>::name(redundancy_lattice<4>::top) == "{1,2,3,4}");
static_assert(redundancy_lattice<3>::find("{2,3}{1}") == redundancy_lattice<3>::find("{1}{2,3}"));
static_assert(redundancy_lattice<3>::find("{1}{1,2}") == redundancy_lattice<3>::size, "not an antichain");
static_assert(redundancy_lattice<3>::find("{1}{4}") == redundancy_lattice<3>::size, "no source 4");
static_assert(redundancy_lattice<2>::find("{1,}") == redundancy_lattice<2>::size, "malformed");

static_assert(moebius_inverts_zeta<2>() && moebius_inverts_zeta<3>() && moebius_inverts_zeta<4>(),
              "Moebius x zeta = identity");
static_assert(names_round_trip<2>() && names_round_trip<3>() && names_round_trip<4>());
static_assert(single_sets_are_marginals<2>() && single_sets_are_marginals<3>() && single_sets_are_marginals<4>());
static_assert(union_coefficients_are_exact<2>() && union_coefficients_are_exact<3>() &&
              union_coefficients_are_exact<4>());

static_assert(detail::is_permutation<2>(authors_order<2>()) && detail::is_permutation<3>(authors_order<3>()));
static_assert(detail::is_permutation<2>(sxpid_order<2>()) && detail::is_permutation<3>(sxpid_order<3>()) &&
              detail::is_permutation<4>(sxpid_order<4>()));
// The authors list 3-source atoms in exactly our canonical order, 2-source ones not.
constexpr bool is_identity(const lattice_order<3>& order) {
    for (std::size_t i = 0; i < order.size(); ++i)
        if (order[i] != i) return false;
    return true;
}
static_assert(is_identity(authors_order<3>()));
static_assert(authors_order<2>()[2] == redundancy_lattice<2>::bottom && authors_order<2>()[0] == 1);
// SxPID's generator starts at the top (the empty upward-closed set) and ends at the bottom.
static_assert(sxpid_order<3>()[0] == redundancy_lattice<3>::top);
static_assert(sxpid_order<4>()[redundancy_lattice<4>::size - 1] == redundancy_lattice<4>::bottom);

// --- Policy concepts -------------------------------------------------------------------------

// Every shipped policy, in both precisions a layer computes in.
template <class Real>
constexpr bool shipped_policies_satisfy_their_concepts() {
    return activation_policy<activation::bivariate, 2, Real> && activation_policy<activation::kay_phillips, 2, Real> &&
           activation_policy<activation::trivariate, 3, Real> && activation_policy<activation::sum2, 2, Real> &&
           activation_policy<activation::sum3, 3, Real> &&
           activation_policy<activation::heaviside<activation::bivariate>, 2, Real> &&
           activation_policy<activation::heaviside<activation::trivariate>, 3, Real> &&
           activation_policy<activation::bernoulli<activation::bivariate>, 2, Real> &&
           activation_policy<activation::bernoulli<activation::trivariate>, 3, Real> &&
           binning_policy<binning::fixed_bins<20>, Real> && binning_policy<binning::adaptive_bins<20>, Real> &&
           binning_policy<binning::fixed_bins<1>, Real> && binning_policy<binning::adaptive_bins<64>, Real> &&
           optimizer_policy<optimizer::adam, Real> && optimizer_policy<optimizer::sgd, Real>;
}
static_assert(shipped_policies_satisfy_their_concepts<float>());
static_assert(shipped_policies_satisfy_their_concepts<double>());
// The defaults: float, as layers default to.
static_assert(activation_policy<activation::trivariate, 3> && binning_policy<binning::fixed_bins<20>> &&
              optimizer_policy<optimizer::adam>);

// An activation's number of classes must be the layer's.
static_assert(!activation_policy<activation::bivariate, 3> && !activation_policy<activation::trivariate, 2>);
static_assert(!activation_policy<int, 2> && !activation_policy<activation::result<2>, 2>);

// Activations that each lack one requirement (a complete one first, so that each negative
// check fails for the member it removes and not for a mistake in the stand-in).
struct complete_activation {
    static constexpr std::size_t classes = 2;
    template <class T>
    T evaluate(const std::array<T, 2>& x, std::array<T, 2>& d) const noexcept {
        d = x;
        return x[0];
    }
};
struct activation_without_classes {
    template <class T>
    T evaluate(const std::array<T, 2>& x, std::array<T, 2>&) const noexcept {
        return x[0];
    }
};
struct activation_without_evaluate {
    static constexpr std::size_t classes = 2;
};
struct activation_scalar_only {  // no SIMD batches: the layer's hot loop could not call it
    static constexpr std::size_t classes = 2;
    double evaluate(const std::array<double, 2>& x, std::array<double, 2>&) const noexcept { return x[0]; }
    float evaluate(const std::array<float, 2>& x, std::array<float, 2>&) const noexcept { return x[0]; }
};
struct activation_without_derivatives {  // evaluate(x) only: no d theta / d x
    static constexpr std::size_t classes = 2;
    template <class T>
    T evaluate(const std::array<T, 2>& x) const noexcept {
        return x[0];
    }
};
struct activation_mutating {  // evaluate is not const: the layer's options are const in a pass
    static constexpr std::size_t classes = 2;
    template <class T>
    T evaluate(const std::array<T, 2>& x, std::array<T, 2>&) noexcept {
        return x[0];
    }
};
struct activation_without_default {  // no default constructor: a layer's options hold one
    explicit activation_without_default(double) {}
    [[maybe_unused]] static constexpr std::size_t classes = 2;  // the check stops before it
    template <class T>
    T evaluate(const std::array<T, 2>& x, std::array<T, 2>&) const noexcept {
        return x[0];
    }
};
static_assert(activation_policy<complete_activation, 2> && activation_policy<complete_activation, 2, double>);
static_assert(!activation_policy<activation_without_classes, 2>);
static_assert(!activation_policy<activation_without_evaluate, 2>);
static_assert(!activation_policy<activation_scalar_only, 2> && !activation_policy<activation_scalar_only, 2, double>);
static_assert(!activation_policy<activation_without_derivatives, 2>);
static_assert(!activation_policy<activation_mutating, 2>);
static_assert(!activation_policy<activation_without_default, 2>);

struct complete_binning {
    static constexpr bool per_neuron = true;
    template <class Real>
    void operator()(const Real*, std::size_t, std::size_t, std::uint32_t*, std::size_t) const {}
};
struct binning_without_per_neuron {
    template <class Real>
    void operator()(const Real*, std::size_t, std::size_t, std::uint32_t*, std::size_t) const {}
};
struct binning_with_run_time_per_neuron {  // the layer picks its loop at compile time
    bool per_neuron = true;
    template <class Real>
    void operator()(const Real*, std::size_t, std::size_t, std::uint32_t*, std::size_t) const {}
};
struct binning_without_call {
    static constexpr bool per_neuron = false;
};
struct binning_double_only {  // a float layer bins float drives
    static constexpr bool per_neuron = false;
    void operator()(const double*, std::size_t, std::size_t, std::uint32_t*, std::size_t) const {}
};
struct binning_without_strides {  // the layer writes interleaved bins: it needs both strides
    static constexpr bool per_neuron = false;
    template <class Real>
    void operator()(const Real*, std::size_t, std::uint32_t*) const {}
};
static_assert(binning_policy<complete_binning> && binning_policy<complete_binning, double>);
static_assert(!binning_policy<int> && !binning_policy<activation::bivariate>);
static_assert(!binning_policy<binning_without_per_neuron>);
static_assert(!binning_policy<binning_with_run_time_per_neuron>);
static_assert(!binning_policy<binning_without_call>);
static_assert(!binning_policy<binning_double_only> && binning_policy<binning_double_only, double>);
static_assert(!binning_policy<binning_without_strides>);

struct complete_optimizer {
    struct state {};
    template <class Real>
    void step(Real*, const Real*, std::size_t, state&, double = 1.0, std::size_t = 1) const {}
};
struct optimizer_without_state {
    template <class Real, class State>
    void step(Real*, const Real*, std::size_t, State&, double = 1.0, std::size_t = 1) const {}
};
struct optimizer_without_scale {  // the networks ascend goals with scale = -1
    struct state {};
    template <class Real>
    void step(Real*, const Real*, std::size_t, state&) const {}
};
struct optimizer_without_step {
    struct state {};
};
struct optimizer_with_unconstructible_state {
    struct state {
        explicit state(std::size_t) {}
    };
    template <class Real>
    void step(Real*, const Real*, std::size_t, state&, double = 1.0, std::size_t = 1) const {}
};
static_assert(optimizer_policy<complete_optimizer> && optimizer_policy<complete_optimizer, double>);
static_assert(!optimizer_policy<int> && !optimizer_policy<activation::bivariate>);
static_assert(!optimizer_policy<optimizer_without_state>);
static_assert(!optimizer_policy<optimizer_without_scale>);
static_assert(!optimizer_policy<optimizer_without_step>);
static_assert(!optimizer_policy<optimizer_with_unconstructible_state>);

}  // namespace

int main() { return 0; }
