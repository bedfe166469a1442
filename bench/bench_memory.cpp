// One training of the infomorphic memory network as in the paper: N = 100 neurons, P = 150
// patterns, 5000 full-batch epochs, one core (docs/benchmarks.md); and recall.
#include <infomorph/memory.hpp>

#include <benchmark/benchmark.h>

namespace {

void train(benchmark::State& st) {
    const auto n = static_cast<std::size_t>(st.range(0));
    const auto p = static_cast<std::size_t>(st.range(1));
    const auto epochs = static_cast<std::size_t>(st.range(2));
    const auto x = infomorph::memory::random_patterns(p, n, 1);
    for (auto _ : st) {
        infomorph::memory::memory_options o;
        o.neurons = n;
        o.seed = 2;
        infomorph::memory::memory_network net(o);
        for (std::size_t e = 0; e < epochs; ++e) net.epoch(x);
        benchmark::DoNotOptimize(net.weights().data());
    }
}
BENCHMARK(train)->Name("memory/train")->ArgNames({"N", "P", "epochs"})->Args({100, 150, 5000})->Unit(benchmark::kSecond);
BENCHMARK(train)->Name("memory/train")->ArgNames({"N", "P", "epochs"})->Args({100, 150, 100})->Unit(benchmark::kMillisecond);

void recall(benchmark::State& st) {
    const auto x = infomorph::memory::random_patterns(150, 100, 1);
    const auto w = infomorph::memory::hebb(x);
    for (auto _ : st) benchmark::DoNotOptimize(infomorph::memory::recall(w.weights, w.bias, infomorph::memory::update_rule::sign_keep, x, x, 100));
}
BENCHMARK(recall)->Name("memory/recall_hebb/N=100/P=150")->Unit(benchmark::kMicrosecond);

// Recall in an infomorphic network trained 100 epochs at N = 400, load 1.5: most cues settle
// within a few steps, a few wander up to the step limit (N), as at the early checkpoints of a
// capacity sweep at large N.
void recall_infomorphic(benchmark::State& st) {
    infomorph::memory::memory_options o;
    o.neurons = 400;
    o.seed = 2;
    const auto x = infomorph::memory::random_patterns(600, o.neurons, 1);
    infomorph::memory::memory_network net(o);
    for (int e = 0; e < 100; ++e) net.epoch(x);
    for (auto _ : st) benchmark::DoNotOptimize(net.recall(x, x));
}
BENCHMARK(recall_infomorphic)->Name("memory/recall_infomorphic/N=400/P=600/epochs=100")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
