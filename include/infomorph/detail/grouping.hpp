#pragma once
// Dense ids for the distinct values (or value pairs) that occur in a column of rows. This is
// how the PID touches occupied cells only: every marginal is a table over such ids, never a
// dense grid over the alphabets.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "infomorph/detail/grid.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace infomorph::detail {

// When the key space is no larger than the number of rows and at least half occupied, every
// key is a group (ids are the keys themselves) and unoccupied keys are groups with no rows:
// their `first` points at some other group's row and their mass is 0. Callers weight groups
// by their mass, so such groups add nothing, and the compaction pass this saves is the single
// largest cost of small alphabets. Sparser small key spaces are renumbered in key order.
struct grouping {
    std::vector<std::uint32_t> id;     // per row: its group (first-appearance order, or the key)
    std::vector<std::uint32_t> first;  // per group: a row that has it (see above when empty)
    std::vector<double> mass;          // per group: the summed weights of its rows
    std::vector<double> mass2;         // the same for a second weight, when one is given
    bool identity = false;             // ids are the keys themselves, empty keys included (see above)
    bool has_first = true;             // false: `first` was not asked for (see group_builder::combine)
    std::size_t count() const noexcept { return first.size(); }
};

// out[v][k] += the sum of weight[v][r] over the rows r with id[r] = k, for W weights at once
// (the masses of a grouping; the goal kernel's gradient tables). Rows that share a key form a
// chain of dependent additions through memory; with few keys those chains are the whole cost,
// so four partial tables (rows r mod 4) run side by side and are summed at the end. With many
// keys the chains are short and the partial tables' clearing and summing would cost more than
// they save: one pass straight into out. The order of additions is fixed for a given number of
// keys: results are reproducible. `partial` is scratch. With Assign, out[v][k] = the sum, as
// adding to zeroed tables would give (no partial sum is -0), without the caller's zeroing.
#if defined(__GNUC__) || defined(__clang__)
// add_histogram for at most K keys (a binary source): the four partial sums of a key are the
// lanes of one register, and each row adds its weight in its key's register and +0 in the
// others. Adding +0 changes no partial sum (none is -0: they start at +0), so every sum, and
// the order of its additions, is that of the partial tables, without their chains through memory.
template <std::size_t K, std::size_t W, class T, bool Assign>
void add_histogram_few(const std::uint32_t* id, const std::array<const T*, W>& weight, std::size_t rows,
                       const std::array<double*, W>& out) {
    // Two 16-byte halves (partial sums 0, 1 and 2, 3): registers of every x86-64 build.
    using lanes = double __attribute__((vector_size(16)));
    using mask = std::int64_t __attribute__((vector_size(16)));
    lanes acc[W][K][2] = {};
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const mask key[2] = {{id[r], id[r + 1]}, {id[r + 2], id[r + 3]}};
        for (std::size_t v = 0; v < W; ++v) {
            const T* x = weight[v] + r;
            const lanes value[2] = {{static_cast<double>(x[0]), static_cast<double>(x[1])},
                                    {static_cast<double>(x[2]), static_cast<double>(x[3])}};
            for (std::size_t h = 0; h < 2; ++h) {
                const mask bits = (mask)value[h];
                for (std::size_t k = 0; k < K; ++k) {
                    const auto c = static_cast<std::int64_t>(k);
                    acc[v][k][h] += (lanes)(bits & (key[h] == mask{c, c}));
                }
            }
        }
    }
    for (; r < rows; ++r)
        for (std::size_t v = 0; v < W; ++v) acc[v][id[r]][0][0] += static_cast<double>(weight[v][r]);
    for (std::size_t v = 0; v < W; ++v)
        for (std::size_t k = 0; k < K; ++k) {
            const lanes a = acc[v][k][0], b = acc[v][k][1];
            const double sum = (a[0] + a[1]) + (b[0] + b[1]);
            if constexpr (Assign) out[v][k] = sum;
            else out[v][k] += sum;
        }
}
#endif

template <std::size_t W, class T, bool Assign = false>
void add_histogram(const std::uint32_t* id, const std::array<const T*, W>& weight, std::size_t rows, std::size_t keys,
                   std::vector<double>& partial, const std::array<double*, W>& out) {
#if defined(__GNUC__) || defined(__clang__)
    if (keys == 2) return add_histogram_few<2, W, T, Assign>(id, weight, rows, out);
#endif
    if (keys > 64) {
        if constexpr (Assign)
            for (std::size_t v = 0; v < W; ++v) std::fill(out[v], out[v] + keys, 0.0);
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t v = 0; v < W; ++v) out[v][id[r]] += weight[v][r];
        return;
    }
    constexpr std::size_t ways = 4;
    partial.assign(W * ways * keys, 0.0);
    double* part = partial.data();
    std::size_t r = 0;
    for (; r + ways <= rows; r += ways)
        for (std::size_t w = 0; w < ways; ++w)
            for (std::size_t v = 0; v < W; ++v) part[(v * ways + w) * keys + id[r + w]] += weight[v][r + w];
    for (; r < rows; ++r)
        for (std::size_t v = 0; v < W; ++v) part[v * ways * keys + id[r]] += weight[v][r];
    for (std::size_t v = 0; v < W; ++v) {
        const double* __restrict p = part + v * ways * keys;
        double* __restrict o = out[v];
        for (std::size_t k = 0; k < keys; ++k) {
            const double sum = (p[k] + p[keys + k]) + (p[2 * keys + k] + p[3 * keys + k]);
            if constexpr (Assign) o[k] = sum;
            else o[k] += sum;
        }
    }
}

class group_builder {
public:
    // Groups the rows by the pair (outer[r], inner[r]) with outer[r] < outer_size and
    // inner[r] < inner_size; outer == nullptr means a single outer value. Each group's mass
    // sums weight[r] over its rows (accumulated in row order, so results are reproducible).
    // need_first = false allows leaving `first` empty for key-identity groupings (callers
    // that never look up a group's row save a pass).
    void combine(const std::uint32_t* outer, std::size_t outer_size, const std::uint32_t* inner,
                 std::size_t inner_size, const double* weight, std::size_t rows, grouping& out,
                 bool need_first = true, const double* weight2 = nullptr) {
        weight2_ = weight2;
        out.id.resize(rows);
        out.first.clear();
        out.identity = false;
        out.has_first = true;
        const std::size_t keys = outer_size * inner_size;
        if (keys <= rows && keys / inner_size == outer_size) {
            combine_identity(outer, inner, inner_size, weight, keys, rows, out, need_first);
            return;
        }
        if (combine_runs(outer, outer_size, inner, inner_size, weight, rows, out)) return;
        combine_ids(outer, outer_size, inner, inner_size, rows, out);
        add_masses(out, rows, weight);
    }

    // The groupings of every non-empty set m of the columns (bit v of m: column v) into
    // groups[m]: single columns by their values, then each larger set extends the set without
    // its highest column by that column, so that every set costs O(rows). need_first(m) says
    // whether set m's groups need their `first` rows (see combine).
    template <std::size_t V, std::size_t G, class NeedFirst>
    void combine_subsets(const std::array<const std::uint32_t*, V>& columns, const double* weight, std::size_t rows,
                         std::array<grouping, G>& groups, NeedFirst&& need_first, const double* weight2 = nullptr) {
        static_assert(G >= (std::size_t{1} << V), "one grouping per set of columns");
        // A set s without the highest column and s plus that column are often both key-identity
        // groupings (the PID's sources without and with its target). Then one pass over the rows
        // counts the finer table of s and that column; s's masses are its sums over the column's
        // values, and s plus the column takes the table as it is: one pass instead of two.
        constexpr std::uint32_t top = 1u << (V - 1);
        fine_.resize(std::size_t{1} << V);
        fine_ready_.assign(std::size_t{1} << V, 0);
        for (std::size_t i = 0; i < V; ++i) {
            const std::size_t v = (V - 1 + i) % V;  // the highest column first: the others split by it
            const std::uint32_t bit = 1u << v;
            std::uint32_t largest = 0;
            for (std::size_t r = 0; r < rows; ++r) largest = std::max(largest, columns[v][r]);
            combine_split(nullptr, 1, columns[v], std::size_t{largest} + 1, weight, rows, groups, bit, top,
                          need_first(bit), weight2);
        }
        for (std::uint32_t m = 1; m < (1u << V); ++m) {
            if ((m & (m - 1)) == 0) continue;
            const std::uint32_t high = 1u << (31 - std::countl_zero(m));
            const auto& rest = groups[m & ~high];
            const auto& last = groups[high];
            if (high == top && fine_ready_[m & ~high]) known_mass_ = &fine_[m & ~high];
            combine_split(rest.id.data(), rest.count(), last.id.data(), last.count(), weight, rows, groups, m, top,
                          need_first(m), weight2);
            known_mass_ = nullptr;
        }
    }

    // `first` of a grouping built without it (has_first false): a row of each group.
    static void record_first(grouping& g) noexcept {
        record_rows(g.id.data(), g.id.size(), g.first.data());
        g.has_first = true;
    }

private:
    // combine() into groups[m], asking for the finer table by the column `top` when m lacks it
    // and that column's grouping is a small key-identity one (see combine_subsets).
    template <std::size_t G>
    void combine_split(const std::uint32_t* outer, std::size_t outer_size, const std::uint32_t* inner,
                       std::size_t inner_size, const double* weight, std::size_t rows, std::array<grouping, G>& groups,
                       std::uint32_t m, std::uint32_t top, bool need_first, const double* weight2) {
        const grouping& split = groups[top];
        const bool wanted = (m & top) == 0 && weight2 == nullptr && split.identity;
        split_ = wanted ? &split : nullptr;
        fine_out_ = wanted ? &fine_[m] : nullptr;
        fine_made_ = false;
        combine(outer, outer_size, inner, inner_size, weight, rows, groups[m], need_first, weight2);
        fine_ready_[m] = wanted && fine_made_ && groups[m].identity;
        split_ = nullptr;
        fine_out_ = nullptr;
    }

    // Rows whose keys never decrease (a histogram counted by sorting, from_dense's cells in
    // row-major order, and then every set that extends such a set by its next column): the groups
    // are runs of rows, numbered in order. That is the first-appearance numbering of
    // combine_dense, and the masses are summed in row order from +0 as there, so the result is
    // the same bit for bit, without the key table and its clearing. Returns false when a key
    // decreases (see number_runs).
    bool combine_runs(const std::uint32_t* outer, std::size_t outer_size, const std::uint32_t* inner,
                      std::size_t inner_size, const double* weight, std::size_t rows, grouping& out) {
        if (rows == 0 || outer_size * inner_size > 0xffffffffu || outer_size * inner_size / inner_size != outer_size) return false;
        const auto stride = static_cast<std::uint32_t>(inner_size);
        const bool runs = outer == nullptr ? number_runs<false>(out, rows, outer, stride, inner)
                                           : number_runs<true>(out, rows, outer, stride, inner);
        if (runs) add_masses(out, rows, weight);
        return runs;
    }

    // id and first of the runs of equal keys (outer[r] * stride + inner[r], or inner[r] without
    // Outer), or false at a falling key. Unsorted rows (a goal's batch in sample order) almost
    // always fall within the first 16 rows, checked before anything is resized or written; a
    // later fall leaves id and first as scratch that combine_ids overwrites.
    template <bool Outer>
    static bool number_runs(grouping& out, std::size_t rows, const std::uint32_t* outer, std::uint32_t stride,
                            const std::uint32_t* inner) {
        const auto key = [=](std::size_t r) { return Outer ? outer[r] * stride + inner[r] : inner[r]; };
        for (std::size_t r = 1; r < std::min<std::size_t>(rows, 17); ++r)
            if (key(r) < key(r - 1)) return false;
        out.first.resize(rows + 16);  // slack for 16-lane stores
        std::uint32_t* first = out.first.data();
        std::uint32_t* id = out.id.data();
        first[0] = 0;
        id[0] = 0;
        std::uint32_t count = 1;
        std::size_t r = 1;
#if defined(__AVX512F__)
        // 16 rows at a time: a row opens a group when its key differs from the row before;
        // the openers' row numbers are compressed into `first` (in a register, then one store:
        // a compressing store to memory is slow on some cores), and a row's id counts the
        // openers up to it (a prefix sum in four shifted additions).
        const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const __m512i zero = _mm512_setzero_si512();
        for (; r + 16 <= rows; r += 16) {
            const __m512i k = vector_key<Outer>(outer, stride, inner, r);
            const __m512i before = vector_key<Outer>(outer, stride, inner, r - 1);
            if (_mm512_cmplt_epu32_mask(k, before) != 0) return false;
            const __mmask16 opens = _mm512_cmpneq_epi32_mask(k, before);
            const __m512i row = _mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(r)));
            _mm512_storeu_si512(first + count, _mm512_maskz_compress_epi32(opens, row));
            __m512i sum = _mm512_maskz_set1_epi32(opens, 1);
            sum = _mm512_add_epi32(sum, _mm512_alignr_epi32(sum, zero, 15));
            sum = _mm512_add_epi32(sum, _mm512_alignr_epi32(sum, zero, 14));
            sum = _mm512_add_epi32(sum, _mm512_alignr_epi32(sum, zero, 12));
            sum = _mm512_add_epi32(sum, _mm512_alignr_epi32(sum, zero, 8));
            _mm512_storeu_si512(id + r, _mm512_add_epi32(sum, _mm512_set1_epi32(static_cast<int>(count - 1))));
            count += static_cast<std::uint32_t>(std::popcount(static_cast<unsigned>(opens)));
        }
#endif
        for (; r < rows; ++r) {
            const std::uint32_t k = key(r), before = key(r - 1);
            if (k < before) return false;
            first[count] = static_cast<std::uint32_t>(r);  // overwritten unless the row opens a group
            count += k != before ? 1u : 0u;
            id[r] = count - 1;
        }
        out.first.resize(count);
        return true;
    }

#if defined(__AVX512F__)
    // The keys of rows r .. r + 15, as number_runs defines them.
    template <bool Outer>
    static __m512i vector_key(const std::uint32_t* outer, std::uint32_t stride, const std::uint32_t* inner,
                              std::size_t r) noexcept {
        const __m512i low = _mm512_loadu_si512(inner + r);
        if constexpr (!Outer) return low;
        else return _mm512_add_epi32(_mm512_mullo_epi32(_mm512_loadu_si512(outer + r), _mm512_set1_epi32(static_cast<int>(stride))), low);
    }
#endif

    // The groups' masses (and second masses), summed in row order from +0; rows that are
    // groups of their own (the joint of distinct cells) copy their weights.
    void add_masses(grouping& out, std::size_t rows, const double* weight) const {
        const bool own = out.count() == rows;
        out.mass.assign(out.count(), 0.0);
        if (own) std::copy(weight, weight + rows, out.mass.begin());
        else
            for (std::size_t r = 0; r < rows; ++r) out.mass[out.id[r]] += weight[r];
        if (weight2_ == nullptr) return;
        out.mass2.assign(out.count(), 0.0);
        if (own) std::copy(weight2_, weight2_ + rows, out.mass2.begin());
        else
            for (std::size_t r = 0; r < rows; ++r) out.mass2[out.id[r]] += weight2_[r];
    }

    void combine_ids(const std::uint32_t* outer, std::size_t outer_size, const std::uint32_t* inner,
                     std::size_t inner_size, std::size_t rows, grouping& out) {
        const std::size_t keys = outer_size * inner_size;
        if (keys <= dense_limit(rows) && keys / inner_size == outer_size)
            combine_dense(outer, inner, inner_size, keys, rows, out);
        else
            combine_sorted(outer, inner, inner_size, rows, out);
    }

    static std::size_t dense_limit(std::size_t rows) noexcept { return std::max<std::size_t>(1u << 16, 16 * rows); }

    static std::uint64_t key(const std::uint32_t* outer, const std::uint32_t* inner, std::size_t inner_size,
                             std::size_t r) noexcept {
        return (outer ? std::uint64_t{outer[r]} * inner_size : 0) + inner[r];
    }

    void combine_identity(const std::uint32_t* outer, const std::uint32_t* inner, std::size_t inner_size,
                          const double* weight, std::size_t keys, std::size_t rows, grouping& out, bool need_first) {
        out.mass.resize(keys);
        std::uint32_t* id = out.id.data();
        double* mass = out.mass.data();
        if (outer == nullptr) {
            for (std::size_t r = 0; r < rows; ++r) id[r] = inner[r];
        } else {
            const auto stride = static_cast<std::uint32_t>(inner_size);
            for (std::size_t r = 0; r < rows; ++r) id[r] = outer[r] * stride + inner[r];
        }
        std::size_t occupied = 0;
        fine_made_ = false;
        if (weight2_ == nullptr) {
            if (known_mass_ != nullptr && known_mass_->size() == keys) std::copy(known_mass_->begin(), known_mass_->end(), mass);
            else if (split_ != nullptr && keys * split_->count() <= rows) fine_masses(id, weight, keys, rows, mass);
            else add_histogram<1, double, true>(id, {weight}, rows, keys, partial_, {mass});
            for (std::size_t k = 0; k < keys; ++k) occupied += mass[k] > 0 ? 1 : 0;
        } else {
            out.mass2.resize(keys);
            double* mass2 = out.mass2.data();
            add_histogram<2, double, true>(id, {weight, weight2_}, rows, keys, partial_, {mass, mass2});
            for (std::size_t k = 0; k < keys; ++k) occupied += mass[k] + mass2[k] > 0 ? 1 : 0;
        }
        if (2 * occupied < keys) {
            compact_occupied(keys, rows, out, need_first);
            return;
        }
        out.first.assign(keys, 0);  // count() is the number of keys, with or without rows
        out.identity = true;
        out.has_first = need_first;
        if (need_first) record_rows(id, rows, out.first.data());
    }

    // The finer table of (key, split column's value) by one pass over the rows into *fine_out_,
    // and each key's mass as its sum over the split values, in their order.
    void fine_masses(const std::uint32_t* id, const double* weight, std::size_t keys, std::size_t rows, double* mass) {
        const auto width = static_cast<std::uint32_t>(split_->count());
        const std::uint32_t* value = split_->id.data();
        fine_id_.resize(rows);
        std::uint32_t* fine_id = fine_id_.data();
        for (std::size_t r = 0; r < rows; ++r) fine_id[r] = id[r] * width + value[r];
        fine_out_->resize(keys * width);
        const double* fine = fine_out_->data();
        add_histogram<1, double, true>(fine_id, {weight}, rows, keys * width, partial_, {fine_out_->data()});
        if (width == 2)  // a binary split column (the PID's usual target): a loop that vectorises
            for (std::size_t k = 0; k < keys; ++k) mass[k] = fine[2 * k] + fine[2 * k + 1];
        else
            for (std::size_t k = 0; k < keys; ++k, fine += width) {
                double sum = fine[0];
                for (std::uint32_t t = 1; t < width; ++t) sum += fine[t];
                mass[k] = sum;
            }
        fine_made_ = true;
    }

    // Mostly empty key space: renumber the occupied keys in key order, so that callers do not
    // iterate over empty cells. A key is occupied when its summed weights are positive
    // (weights must be non-negative, and positive for every row, summed over both weights).
    void compact_occupied(std::size_t keys, std::size_t rows, grouping& out, bool need_first) {
        renumber_.resize(keys);
        const bool two = weight2_ != nullptr;
        const std::size_t next =
            compact_cells(out.mass.data(), two ? out.mass2.data() : nullptr, keys, renumber_.data(), nullptr);
        out.mass.resize(next);
        if (two) out.mass2.resize(next);
        renumber_keys(out.id.data(), rows, renumber_.data());
        out.first.assign(next, 0);
        out.has_first = need_first;
        if (need_first) record_rows(out.id.data(), rows, out.first.data());
    }

    // first[id[r]] = r for every row, the last row of each group winning: `first` only has to
    // name some row of its group. With AVX-512 a scatter of 16 rows at once (a scatter writes
    // its lanes in order, so that the last row wins there too); the scalar loop's stores to
    // unpredictable addresses cost about twice as much.
    static void record_rows(const std::uint32_t* id, std::size_t rows, std::uint32_t* first) noexcept {
        std::size_t r = 0;
#if defined(__AVX512F__)
        const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (; r + 16 <= rows; r += 16)
            _mm512_i32scatter_epi32(first, _mm512_loadu_si512(id + r),
                                    _mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(r))), 4);
#endif
        for (; r < rows; ++r) first[id[r]] = static_cast<std::uint32_t>(r);
    }

    // Branch-free: whether a row opens a new group is data-dependent and unpredictable for
    // mid-sized sets, so the bookkeeping is done with selects instead of a branch.
    void combine_dense(const std::uint32_t* outer, const std::uint32_t* inner, std::size_t inner_size,
                       std::size_t keys, std::size_t rows, grouping& out) {
        if (slot_.size() < keys) slot_.resize(keys, unused);
        out.first.resize(rows);
        std::uint32_t count = 0;
        std::uint32_t* first = out.first.data();
        std::uint32_t* id = out.id.data();
        std::uint32_t* slot = slot_.data();
        for (std::size_t r = 0; r < rows; ++r) {
            const auto k = key(outer, inner, inner_size, r);
            const std::uint32_t seen = slot[k];
            const std::uint32_t fresh = seen == unused ? 1u : 0u;
            const std::uint32_t mask = 0u - fresh;  // all ones for a fresh row: a select, not a branch
            const std::uint32_t g = (count & mask) | (seen & ~mask);
            slot[k] = g;
            id[r] = g;
            first[count] = static_cast<std::uint32_t>(r);  // overwritten unless the row is fresh
            count += fresh;
        }
        out.first.resize(count);
        // The table is all-unused between calls. Resetting only what was touched costs a
        // dependent chain of look-ups per group; a table of at most 16 keys per group is
        // cheaper to refill whole (one streaming fill of at most 64 bytes per group).
        if (keys <= 16 * std::size_t{count}) std::fill(slot, slot + keys, unused);
        else
            for (const auto r : out.first) slot[key(outer, inner, inner_size, r)] = unused;
    }

    void combine_sorted(const std::uint32_t* outer, const std::uint32_t* inner, std::size_t inner_size,
                        std::size_t rows, grouping& out) {
        sorted_.resize(rows);
        for (std::size_t r = 0; r < rows; ++r)
            sorted_[r] = {key(outer, inner, inner_size, r), static_cast<std::uint32_t>(r)};
        std::sort(sorted_.begin(), sorted_.end());
        // Number groups by first appearance, as the dense path does, so both agree exactly.
        std::vector<std::uint32_t>& leader = leader_;
        leader.resize(rows);
        for (std::size_t i = 0; i < rows; ++i)
            leader[sorted_[i].second] =
                (i > 0 && sorted_[i].first == sorted_[i - 1].first) ? leader[sorted_[i - 1].second] : sorted_[i].second;
        for (std::size_t r = 0; r < rows; ++r) {
            if (leader[r] == r) {
                out.id[r] = static_cast<std::uint32_t>(out.first.size());
                out.first.push_back(static_cast<std::uint32_t>(r));
            } else {
                out.id[r] = out.id[leader[r]];
            }
        }
    }

    static constexpr std::uint32_t unused = 0xffffffffu;
    std::vector<std::uint32_t> slot_;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> sorted_;
    std::vector<std::uint32_t> leader_;
    std::vector<std::uint32_t> renumber_;
    std::vector<double> partial_;
    std::vector<std::uint32_t> fine_id_;
    std::vector<std::vector<double>> fine_;  // per set: its finer table by the highest column, see combine_subsets
    std::vector<char> fine_ready_;
    const double* weight2_ = nullptr;
    const grouping* split_ = nullptr;              // the column to count finer tables by, or none
    std::vector<double>* fine_out_ = nullptr;      // where, during combine()
    const std::vector<double>* known_mass_ = nullptr;  // masses already summed (a finer table), or none
    bool fine_made_ = false;
};

}  // namespace infomorph::detail
