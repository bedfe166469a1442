#pragma once
/// \file
/// A goal whose number of sources is known only at run time (network options, model files,
/// the command line), for the neurons of the networks: 2 or 3 sources. Stored in the
/// canonical atom order like goal<N>; the authors' order (their configs: atoms, then H_res)
/// only at input and output.

#include <array>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "infomorph/error.hpp"
#include "infomorph/goal/goal.hpp"
#include "infomorph/lattice/dispatch.hpp"

namespace infomorph {

/// A goal<2> or goal<3> chosen at run time, or none; canonical atom order inside, the authors' order at input and output.
class dynamic_goal {
public:
    /// The numbers of sources a dynamic_goal may have: 2 and 3.
    using counts = source_counts<2, 3>;

    dynamic_goal() = default;  // empty: "the default goal" where options allow one
    /// The gamma vector as the authors' configs write it; its length gives the number of sources.
    dynamic_goal(std::initializer_list<double> authors) : dynamic_goal(from_authors_order(std::vector<double>(authors))) {}
    /// Wraps a compile-time goal; implicit, so that goals:: presets convert.
    template <std::size_t N>
    dynamic_goal(const goal<N>& g)  // NOLINT: implicit on purpose, goals:: presets read naturally
        : sources_(N), gamma_(g.gamma.begin(), g.gamma.end()), gamma_res_(g.gamma_res) {}

    /// From the authors' order (atoms, then H_res): 5 values give 2 sources, 19 give 3, none an empty goal; other lengths throw infomorph::error.
    static dynamic_goal from_authors_order(const std::vector<double>& authors) {
        if (authors.empty()) return {};
        for (std::size_t i = 0; i < authors.size(); ++i)
            if (!std::isfinite(authors[i]))
                throw error("goal value " + std::to_string(i + 1) + " of " + std::to_string(authors.size()) + " is " +
                            (std::isnan(authors[i]) ? "NaN" : "infinite") + "; every gamma must be finite");
        for (std::size_t n : {std::size_t{2}, std::size_t{3}})
            if (authors.size() == redundancy_lattice_size(n) + 1)
                return with_sources(counts{}, n, [&](auto c) { return dynamic_goal(from_authors<decltype(c)::value>(authors)); });
        throw error("a goal has 5 values (2 sources) or 19 values (3 sources): the atoms in the authors' order, then H_res; got " +
                    std::to_string(authors.size()));
    }

    /// The gamma vector in the authors' order, H_res last; empty for an empty goal.
    std::vector<double> to_authors_order() const {
        if (empty()) return {};
        return with_sources(counts{}, sources_, [&](auto c) {
            const auto a = get<decltype(c)::value>().to_authors_order();
            return std::vector<double>(a.begin(), a.end());
        });
    }

    /// Whether every weight (the atoms' and H_res's) is a finite number.
    bool finite() const noexcept {
        for (double g : gamma_)
            if (!std::isfinite(g)) return false;
        return std::isfinite(gamma_res_);
    }

    /// Whether no goal is set (then the default goal applies where options allow one).
    bool empty() const noexcept { return sources_ == 0; }
    /// The number of sources: 2, 3, or 0 when empty.
    std::size_t sources() const noexcept { return sources_; }

    /// The goal<N>; throws infomorph::error unless it has N sources.
    template <std::size_t N>
    goal<N> get() const {
        if (sources_ != N)
            throw error("a goal for " + std::to_string(N) + " sources has " + std::to_string(goal<N>::size + 1) +
                        " values (the atoms in the authors' order, then H_res); got " +
                        (empty() ? std::string("none") : std::to_string(gamma_.size() + 1)));
        goal<N> g;
        std::copy(gamma_.begin(), gamma_.end(), g.gamma.begin());
        g.gamma_res = gamma_res_;
        return g;
    }

private:
    static constexpr std::size_t redundancy_lattice_size(std::size_t n) { return n == 2 ? goal<2>::size : goal<3>::size; }

    template <std::size_t N>
    static goal<N> from_authors(const std::vector<double>& authors) {
        std::array<double, goal<N>::size + 1> a{};
        std::copy(authors.begin(), authors.end(), a.begin());
        return goal<N>::from_authors_order(a);
    }

    std::size_t sources_ = 0;
    std::vector<double> gamma_;  // canonical order
    double gamma_res_ = 0;
};

}  // namespace infomorph
