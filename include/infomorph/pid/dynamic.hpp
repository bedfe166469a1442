#pragma once
/// \file
/// The PID for a number of sources known at run time only (files, the command line): one
/// dispatch to the compile-time solvers, results as name-keyed vectors.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/lattice/dispatch.hpp"
#include "infomorph/pid/distribution.hpp"
#include "infomorph/pid/isx.hpp"

namespace infomorph {

/// The I^sx PID of a run-time number of sources: vectors in canonical order, named by names; values in bits.
struct dynamic_pid_result {
    /// The number of sources, 2 to 4.
    std::size_t n_sources = 0;
    std::vector<std::string> names;  ///< canonical order
    /// Informative atoms per antichain (canonical order, bits).
    std::vector<double> atoms_inf, atoms_misinf, atoms_total;
    /// Informative redundancies per antichain (canonical order, bits).
    std::vector<double> redundancies_inf, redundancies_misinf, redundancies_total;
    /// I(T; S1..SN), in bits.
    double mi = 0, h_target = 0, h_res = 0;
    pointwise_parts pointwise_atoms, pointwise_redundancies;  ///< pointwise redundancies; empty unless asked for
};
/// \var dynamic_pid_result::pointwise_atoms
/// Pointwise atoms of every stored row; empty unless asked for (pid_options::pointwise).
/// \var dynamic_pid_result::h_target
/// H(T), in bits.
/// \var dynamic_pid_result::h_res
/// H_res = H(T) - I(T; S1..SN), in bits.
/// \var dynamic_pid_result::redundancies_misinf
/// Misinformative redundancies per antichain (canonical order, bits).
/// \var dynamic_pid_result::redundancies_total
/// Redundancies I^sx_cap per antichain, informative minus misinformative (canonical order, bits).
/// \var dynamic_pid_result::atoms_misinf
/// Misinformative atoms per antichain (canonical order, bits).
/// \var dynamic_pid_result::atoms_total
/// Atoms pi per antichain, informative minus misinformative (canonical order, bits).

namespace detail {

template <std::size_t N>
dynamic_pid_result to_dynamic(pid_result<N>&& r) {
    using lattice = redundancy_lattice<N>;
    dynamic_pid_result out;
    out.n_sources = N;
    for (std::size_t a = 0; a < lattice::size; ++a) out.names.emplace_back(lattice::name(a));
    out.atoms_inf.assign(r.atoms.inf.begin(), r.atoms.inf.end());
    out.atoms_misinf.assign(r.atoms.misinf.begin(), r.atoms.misinf.end());
    out.atoms_total.assign(r.atoms.total.begin(), r.atoms.total.end());
    out.redundancies_inf.assign(r.redundancies.inf.begin(), r.redundancies.inf.end());
    out.redundancies_misinf.assign(r.redundancies.misinf.begin(), r.redundancies.misinf.end());
    out.redundancies_total.assign(r.redundancies.total.begin(), r.redundancies.total.end());
    out.mi = r.mi;
    out.h_target = r.h_target;
    out.h_res = r.h_res;
    out.pointwise_atoms = std::move(r.pointwise_atoms);
    out.pointwise_redundancies = std::move(r.pointwise_redundancies);
    return out;
}

}  // namespace detail

/// The I^sx PID of a distribution whose number of sources is known at run time. Counts lists
/// the numbers of sources to compile solvers for: isx_dynamic<source_counts<2, 3>>(d) builds no
/// 4-source solver.
template <class Counts = source_counts<2, 3, 4>>
dynamic_pid_result isx_dynamic(const sparse_distribution& d, const pid_options& options = {}) {
    return with_sources(Counts{}, d.n_sources(), [&](auto n) { return detail::to_dynamic(isx<decltype(n)::value>(d, options)); },
                        "the PID");
}

}  // namespace infomorph
