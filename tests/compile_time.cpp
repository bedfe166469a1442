// Facts about the lattices that must hold at compile time: this file passes by compiling.
#include <infomorph/lattice/lattice.hpp>
#include <infomorph/lattice/orders.hpp>

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

}  // namespace

int main() { return 0; }
