// One training epoch (47 batches of 1024 MNIST images) of the paper's networks: the trivariate
// network with 100 hidden neurons, and with 2000 hidden neurons of 100 lateral partners each.
// Run with OPENBLAS_NUM_THREADS=1: our own threads parallelise over neurons.
#include <infomorph/data/dataset.hpp>
#include <infomorph/data/idx.hpp>
#include <infomorph/detail/partners.hpp>
#include <infomorph/detail/sparse_rows.hpp>
#include <infomorph/networks/diversity.hpp>
#include <infomorph/networks/make_network.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {

const infomorph::data::labelled_images& training_set() {
    static const auto set = [] {
        const std::string dir = INFOMORPH_MNIST_DIR;
        auto s = infomorph::data::read_idx_pair(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
        infomorph::data::normalization::of(s.images).apply(s.images);
        return s;
    }();
    return set;
}

// args: variant, hidden neurons, lateral partners, threads
void bm_epoch(benchmark::State& state) {
    const auto& set = training_set();
    const infomorph::data::batches batches(set, infomorph::data::all_indices(47 * 1024), 1024);
    auto net = infomorph::make_network({.kind = static_cast<infomorph::network_kind>(state.range(0)),
                                        .hidden = static_cast<std::size_t>(state.range(1)),
                                        .lateral_partners = static_cast<std::size_t>(state.range(2)),
                                        .threads = static_cast<std::size_t>(state.range(3))});
    xt::xtensor<float, 2> images;
    std::vector<std::uint8_t> labels;
    for (auto _ : state) {
        for (std::size_t b = 0; b < batches.count(); ++b) {
            // Copying the batch out is not training: untimed, but on the network's threads as
            // the trainer copies, so that its workers are as warm at the step's start.
            state.PauseTiming();
            batches.get(b, images, labels, static_cast<std::size_t>(state.range(3)));
            state.ResumeTiming();
            benchmark::DoNotOptimize(net->train_batch(images, labels).accuracy);
        }
    }
}

// Copying one epoch's batches out of the training set, as `infomorph train` does before each
// training step (bm_epoch pauses its timing around it): 47 batches of 1024 shuffled rows, on
// `threads` threads. args: threads.
void bm_batches(benchmark::State& state) {
    const auto& set = training_set();
    auto order = infomorph::data::all_indices(47 * 1024);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
    const infomorph::data::batches batches(set, order, 1024);
    const auto threads = static_cast<std::size_t>(state.range(0));
    xt::xtensor<float, 2> images;
    std::vector<std::uint8_t> labels;
    for (auto _ : state) {
        for (std::size_t b = 0; b < batches.count(); ++b) {
            batches.get(b, images, labels, threads);
            benchmark::DoNotOptimize(images.data());
        }
    }
}

// The hidden layer of the N = 2000 network on its own, after 3 training batches: a forward
// pass that computes every drive (the sparse feedforward product, the context, the partners),
// theta, the samples and the bins; and the backward pass from the goal's gradient (zeroed
// gradients, the deltas, the sparse feedforward and the partner weight gradients). Shorter
// than an epoch, so that many repetitions fit. args: hidden neurons, lateral partners, threads.
struct hidden_layer_case {
    infomorph::trivariate_network net;
    xt::xtensor<float, 2> images, label, lateral, upstream;
    std::array<const xt::xtensor<float, 2>*, 3> x{};

    hidden_layer_case(std::size_t hidden, std::size_t partners, std::size_t threads)
        : net(infomorph::network_options{.hidden = hidden, .lateral_partners = partners, .seed = 1, .threads = threads}) {
        const infomorph::data::batches batches(training_set(), infomorph::data::all_indices(4 * 1024), 1024);
        std::vector<std::uint8_t> labels;
        for (std::size_t b = 0; b < 4; ++b) {
            batches.get(b, images, labels);
            if (b < 3) net.train_batch(images, labels);
        }
        label = xt::zeros<float>({std::size_t{1024}, std::size_t{10}});
        for (std::size_t k = 0; k < 1024; ++k) label(k, labels[k]) = 1.0f;
        lateral = net.hidden_state().output;  // outputs of the right shape and values as the lateral input
        x = {&images, &label, &lateral};
        std::vector<infomorph::goal_result<3>> values;
        infomorph::layer_goal<3>(threads).compute(infomorph::goals::context_lateral_opt_1_100_tpe,
                                                  net.hidden_state().bins, net.hidden_state().theta, values, upstream);
    }
};

void bm_hidden_forward(benchmark::State& state) {
    hidden_layer_case c(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)),
                        static_cast<std::size_t>(state.range(2)));
    auto& hidden = c.net.hidden();
    decltype(c.net)::hidden_layer::state s;
    std::mt19937_64 rng(2);
    for (auto _ : state) {
        hidden.forward(c.x, s, &rng);
        benchmark::DoNotOptimize(s.bins.data());
    }
}

void bm_hidden_backward(benchmark::State& state) {
    hidden_layer_case c(static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)),
                        static_cast<std::size_t>(state.range(2)));
    auto& hidden = c.net.hidden();
    std::array<xt::xtensor<float, 2>, 3> dw;
    std::array<xt::xtensor<float, 1>, 3> db;
    for (auto _ : state) {  // the sparse lateral gradient in the form the network trains with
        hidden.zero_gradients(dw, db, infomorph::gradient_form::live);
        hidden.backward(c.x, c.net.hidden_state(), c.upstream, dw, db, {}, infomorph::gradient_form::live);
        benchmark::DoNotOptimize(dw[0].data());
    }
}

// The neuron diversity `infomorph train` logs after every epoch (self and pairwise cosine
// distances of the hidden feedforward weights, networks/diversity.hpp) for N neurons of 784
// inputs; arg: N.
void bm_diversity(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    constexpr std::size_t inputs = 784;
    std::mt19937_64 rng(1);
    std::normal_distribution<double> normal;
    infomorph::weight_rows now{n, inputs, {}}, initial{n, inputs, {}};
    for (std::size_t k = 0; k < n * inputs; ++k) {
        initial.values.push_back(normal(rng));
        now.values.push_back(initial.values.back() + normal(rng));
    }
    for (auto _ : state) benchmark::DoNotOptimize(infomorph::diversity(now, initial).pairwise);
}

// The first layer's input of one MNIST batch (1024 normalised images) scanned into sparse rows
// (detail/sparse_rows.hpp), as the feedforward products of layers of at least
// layer::sparse_neurons neurons do every batch: by rows for the drive, by input features
// (transposed) for the weight gradient. args: transposed, threads.
void bm_sparse_scan(benchmark::State& state) {
    const infomorph::data::batches batches(training_set(), infomorph::data::all_indices(1024), 1024);
    xt::xtensor<float, 2> images;
    std::vector<std::uint8_t> labels;
    batches.get(0, images, labels);
    infomorph::detail::sparse_rows<float> rows;
    const bool transposed = state.range(0) != 0;
    const auto threads = static_cast<std::size_t>(state.range(1));
    for (auto _ : state) {
        const bool sparse = infomorph::detail::make_sparse_rows(images.data(), images.shape()[0], images.shape()[1],
                                                                transposed, 1.0 / 3.0, rows, threads);
        if (!sparse) state.SkipWithError("an MNIST batch should be sparse");
        benchmark::DoNotOptimize(rows.chunk_start.data());
    }
}

// The sparse lateral products of the N = 2000 network's hidden layer on one thread, over one
// batch of 1024 samples of ±1 inputs (as its sampled outputs): 2000 neurons with 100 random
// partners each (detail/partners.hpp), the input as float tiles or as sign bits. The drive
// includes tiling or packing the input; the gradient takes the tiles or bits the drive made
// (as a learning pass does) and delta already in tiles. args: gradient, signs.
void bm_partners(benchmark::State& state) {
    namespace d = infomorph::detail;
    constexpr std::size_t n = 2000, k = 100, batch = 1024;
    const bool gradient = state.range(0) != 0, signs = state.range(1) != 0;
    if constexpr (!d::has_sign_bits<float>)
        if (signs) return state.SkipWithError("sign bits need AVX-512");
    std::mt19937_64 rng(1);
    std::vector<std::uint32_t> partners, all(n);
    std::iota(all.begin(), all.end(), 0u);
    for (std::size_t j = 0; j < n; ++j) {
        std::shuffle(all.begin(), all.end(), rng);
        std::sort(all.begin(), all.begin() + k);
        partners.insert(partners.end(), all.begin(), all.begin() + k);
    }
    d::partner_kernels<float> kernel{1, n, n, k, partners.data()};
    constexpr std::size_t tile = d::partner_kernels<float>::tile, tiles = (batch + tile - 1) / tile;
    std::normal_distribution<float> normal;
    std::vector<float> x(batch * n), w(n * n), dw(n * n, 0.0f);
    for (auto& v : x) v = (rng() & 1) != 0 ? 1.0f : -1.0f;
    for (auto& v : w) v = normal(rng);
    d::aligned_vector<float> x_tiles(tiles * n * tile), delta_tiles(tiles * n * tile), out(tiles * n * tile),
        compact(n * (k + 1));
    for (auto& v : delta_tiles) v = normal(rng);
    std::vector<std::uint16_t> words(tiles * n * d::sign_masks);
    kernel.to_tiles(x.data(), batch, n, x_tiles.data());
    if (signs && !d::to_sign_bits(1, x.data(), batch, n, words.data())) return state.SkipWithError("not ±1");
    // A template (generic lambda), so that builds without sign bits discard the calls.
    auto sign_pass = [&](auto& kernels) {
        if constexpr (d::has_sign_bits<float>) {
            if (gradient) kernels.weight_gradient_signs(words.data(), delta_tiles.data(), tiles, compact.data(), dw.data());
            else {
                d::to_sign_bits(1, x.data(), batch, n, words.data());
                kernels.drive_signs(w.data(), words.data(), tiles, compact.data(), out.data());
            }
        }
    };
    for (auto _ : state) {
        if (signs) sign_pass(kernel);
        if (!signs && gradient) kernel.weight_gradient(x_tiles.data(), delta_tiles.data(), tiles, compact.data(), dw.data());
        if (!signs && !gradient) {
            kernel.to_tiles(x.data(), batch, n, x_tiles.data());
            kernel.drive(w.data(), x_tiles.data(), tiles, compact.data(), out.data());
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::DoNotOptimize(dw.data());
    }
}

constexpr auto trivariate = static_cast<long>(infomorph::network_kind::context_lateral);
constexpr auto backprop = static_cast<long>(infomorph::network_kind::backprop);
BENCHMARK(bm_epoch)->Name("epoch/context_lateral/N=100/threads=1")->Args({trivariate, 100, 0, 1})->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(bm_epoch)->Name("epoch/context_lateral/N=100/threads=2")->Args({trivariate, 100, 0, 2})->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(bm_epoch)->Name("epoch/backprop/N=100/threads=1")->Args({backprop, 100, 0, 1})->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(bm_epoch)->Name("epoch/context_lateral/N=2000/partners=100/threads=2")->Args({trivariate, 2000, 100, 2})->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK(bm_epoch)->Name("epoch/context_lateral/N=2000/partners=100/threads=1")->Args({trivariate, 2000, 100, 1})->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK(bm_hidden_forward)->Name("hidden_forward/context_lateral/N=2000/partners=100/threads=2")->Args({2000, 100, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_hidden_backward)->Name("hidden_backward/context_lateral/N=2000/partners=100/threads=2")->Args({2000, 100, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_hidden_forward)->Name("hidden_forward/context_lateral/N=100/threads=2")->Args({100, 0, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_hidden_backward)->Name("hidden_backward/context_lateral/N=100/threads=2")->Args({100, 0, 2})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_sparse_scan)->Name("sparse_scan/mnist/rows/threads=1")->Args({0, 1})->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(bm_sparse_scan)->Name("sparse_scan/mnist/columns/threads=1")->Args({1, 1})->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(bm_sparse_scan)->Name("sparse_scan/mnist/rows/threads=2")->Args({0, 2})->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(bm_sparse_scan)->Name("sparse_scan/mnist/columns/threads=2")->Args({1, 2})->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(bm_partners)->Name("partners/drive/N=2000/partners=100/floats")->Args({0, 0})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_partners)->Name("partners/drive/N=2000/partners=100/signs")->Args({0, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_partners)->Name("partners/gradient/N=2000/partners=100/floats")->Args({1, 0})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_partners)->Name("partners/gradient/N=2000/partners=100/signs")->Args({1, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_batches)->Name("batches/shuffled/B=1024/threads=1")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_batches)->Name("batches/shuffled/B=1024/threads=2")->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_diversity)->Name("diversity/N=100/inputs=784")->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_diversity)->Name("diversity/N=2000/inputs=784")->Arg(2000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
