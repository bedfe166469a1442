// The averaged and pointwise I^sx PID of batch histograms: B samples of N sources binned into
// `bins` values each and a binary target, as one infomorphic neuron sees per batch.
// Run with OPENBLAS_NUM_THREADS=1; see docs/benchmarks.md for the numbers.
#include <benchmark/benchmark.h>

#include <infomorph/infomorph.hpp>

#include <random>
#include <vector>

namespace {

infomorph::sparse_distribution batch_histogram(std::size_t n_sources, std::size_t samples, std::uint32_t bins,
                                               std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::uint32_t> bin(0, bins - 1);
    std::bernoulli_distribution fire(0.5);
    std::vector<std::uint32_t> values;
    for (std::size_t k = 0; k < samples; ++k) {
        for (std::size_t v = 0; v < n_sources; ++v) values.push_back(bin(rng));
        values.push_back(fire(rng) ? 1u : 0u);
    }
    // Count the samples per cell so that the PID sees each occupied cell once, as a
    // histogram does.
    std::vector<std::uint32_t> cells;
    std::vector<double> counts;
    {
        std::vector<std::pair<std::vector<std::uint32_t>, double>> sorted;
        for (std::size_t k = 0; k < samples; ++k)
            sorted.push_back({{values.begin() + static_cast<std::ptrdiff_t>(k * (n_sources + 1)),
                               values.begin() + static_cast<std::ptrdiff_t>((k + 1) * (n_sources + 1))},
                              1.0});
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t k = 0; k < sorted.size(); ++k) {
            if (k > 0 && sorted[k].first == sorted[k - 1].first) {
                counts.back() += 1.0;
                continue;
            }
            cells.insert(cells.end(), sorted[k].first.begin(), sorted[k].first.end());
            counts.push_back(1.0);
        }
    }
    return infomorph::sparse_distribution::from_counts(n_sources, cells, counts);
}

template <std::size_t N>
void bm_isx(benchmark::State& state) {
    const auto d = batch_histogram(N, static_cast<std::size_t>(state.range(0)), static_cast<std::uint32_t>(state.range(1)), 42);
    const bool pointwise = state.range(2) != 0;
    infomorph::isx_solver<N> solver;
    infomorph::pid_result<N> result;
    for (auto _ : state) {
        solver.compute(d, result, {.pointwise = pointwise});
        benchmark::DoNotOptimize(result.atoms.total.data());
    }
    state.counters["cells"] = static_cast<double>(d.rows());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The acceptance case: 3 sources, 20 x 20 x 20 bins, binary target, 1024 samples.
BENCHMARK(bm_isx<3>)->Name("isx_averaged/N=3/samples=1024/bins=20")->Args({1024, 20, 0})->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_isx<3>)->Name("isx_pointwise/N=3/samples=1024/bins=20")->Args({1024, 20, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_isx<2>)->Name("isx_averaged/N=2/samples=1024/bins=20")->Args({1024, 20, 0})->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_isx<4>)->Name("isx_averaged/N=4/samples=1024/bins=20")->Args({1024, 20, 0})->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_isx<3>)->Name("isx_averaged/N=3/samples=16384/bins=20")->Args({16384, 20, 0})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
