#pragma once
// Compile-time tables derived from the redundancy lattice that the I^sx solver and the goal
// kernel share: the inclusion-exclusion terms of each antichain's union, the antichains of each
// support, and the sparse Moebius matrix.

#include <array>
#include <cstddef>
#include <cstdint>

#include "infomorph/lattice/lattice.hpp"

namespace infomorph::detail {

// The non-zero inclusion-exclusion terms of each antichain, as (source-set mask, coefficient).
template <std::size_t N>
struct union_terms {
    using lattice = redundancy_lattice<N>;
    struct term {
        std::uint32_t set;
        std::int32_t coefficient;
    };
    struct list {
        std::array<term, lattice::n_source_sets> terms{};
        std::size_t count = 0;
    };
    static constexpr std::array<list, lattice::size> table = [] {
        std::array<list, lattice::size> t{};
        for (std::size_t a = 0; a < lattice::size; ++a)
            for (std::uint32_t u = 1; u <= lattice::full_set; ++u)
                if (lattice::union_coefficients[a][u] != 0)
                    t[a].terms[t[a].count++] = {u, lattice::union_coefficients[a][u]};
        return t;
    }();
};

// The antichains whose support (union of their sets) is a given source set.
template <std::size_t N>
struct antichains_by_support {
    using lattice = redundancy_lattice<N>;
    struct list {
        std::array<std::uint16_t, lattice::size> index{};
        std::size_t count = 0;
    };
    static constexpr std::array<list, lattice::n_source_sets + 1> table = [] {
        std::array<list, lattice::n_source_sets + 1> t{};
        for (std::size_t a = 0; a < lattice::size; ++a) {
            auto& l = t[lattice::support[a]];
            l.index[l.count++] = static_cast<std::uint16_t>(a);
        }
        return t;
    }();
};

// The non-zero entries of the Moebius matrix, row by row, for the pointwise atoms.
template <std::size_t N>
struct sparse_moebius {
    using lattice = redundancy_lattice<N>;
    static constexpr std::size_t nonzeros = [] {
        std::size_t n = 0;
        for (const auto& row : lattice::moebius)
            for (auto v : row) n += v != 0 ? 1 : 0;
        return n;
    }();
    struct entry {
        std::uint16_t column;
        std::int16_t value;
    };
    struct table_t {
        std::array<std::uint32_t, lattice::size + 1> row_start{};
        std::array<entry, nonzeros> entries{};
    };
    static constexpr table_t table = [] {
        table_t t{};
        std::size_t n = 0;
        for (std::size_t a = 0; a < lattice::size; ++a) {
            t.row_start[a] = static_cast<std::uint32_t>(n);
            for (std::size_t b = 0; b < lattice::size; ++b)
                if (lattice::moebius[a][b] != 0)
                    t.entries[n++] = {static_cast<std::uint16_t>(b), static_cast<std::int16_t>(lattice::moebius[a][b])};
        }
        t.row_start[lattice::size] = static_cast<std::uint32_t>(n);
        return t;
    }();

    // out[a] = sum_b moebius[a][b] in[b]
    static void apply(const double* in, double* out) noexcept {
        for (std::size_t a = 0; a < lattice::size; ++a) {
            double s = 0;
            for (auto k = table.row_start[a]; k < table.row_start[a + 1]; ++k)
                s += table.entries[k].value * in[table.entries[k].column];
            out[a] = s;
        }
    }
};

}  // namespace infomorph::detail
