// Value and exact gradient of the goal for a whole layer: N = 3 sources (F, C, L), a batch of
// 1024 samples, 20 bins per class, 100 neurons. Run with OPENBLAS_NUM_THREADS=1; see
// docs/benchmarks.md for the numbers.
#include <benchmark/benchmark.h>

#include <infomorph/data/idx.hpp>
#include <infomorph/infomorph.hpp>

#include <algorithm>
#include <random>

namespace {

template <std::size_t N, class Real>
void bm_layer_goal(benchmark::State& state) {
    const std::size_t batch = 1024, neurons = static_cast<std::size_t>(state.range(0));
    const std::uint32_t bins = 20;
    std::mt19937 rng(7);
    std::normal_distribution<double> input(0.0, 6.0);
    std::uniform_real_distribution<double> fire(0.02, 0.98);
    xt::xtensor<std::uint32_t, 3> bin_index = xt::xtensor<std::uint32_t, 3>::from_shape({batch, neurons, N});
    xt::xtensor<Real, 2> theta = xt::xtensor<Real, 2>::from_shape({batch, neurons});
    // Bins of roughly Gaussian class inputs on [-20, 20], as the paper's fixed binning sees them.
    for (auto& b : bin_index) {
        const double x = std::clamp(input(rng), -19.999, 19.999);
        b = static_cast<std::uint32_t>((x + 20.0) / 40.0 * bins);
    }
    for (auto& t : theta) t = static_cast<Real>(fire(rng));
    infomorph::layer_goal<N> driver(static_cast<std::size_t>(state.range(1)));
    std::vector<infomorph::goal_result<N>> values;
    xt::xtensor<Real, 2> gradient;
    const auto g = infomorph::goals::context_lateral_opt_1_100_tpe;
    for (auto _ : state) {
        driver.compute(g, bin_index, theta, values, gradient);
        benchmark::DoNotOptimize(gradient.data());
    }
    state.counters["neurons"] = static_cast<double>(neurons);
}

BENCHMARK(bm_layer_goal<3, double>)->Name("layer_goal/N=3/B=1024/bins=20/double")->Args({100, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(bm_layer_goal<3, float>)->Name("layer_goal/N=3/B=1024/bins=20/float")->Args({100, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(bm_layer_goal<3, float>)->Name("layer_goal/N=3/B=1024/bins=20/float/threads=2")->Args({100, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

// The workload of the paper's network: bins and firing probabilities of the hidden layer's
// second pass on the 11th training batch of MNIST, after ten learning steps, for Hidden
// neurons of Partners lateral partners each (0: all others).
template <std::size_t Hidden, std::size_t Partners>
void bm_layer_goal_mnist(benchmark::State& state) {
    const std::string dir = INFOMORPH_MNIST_DIR;
    auto train = infomorph::data::read_idx_pair(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
    const std::size_t batch = 1024, pixels = 784;
    for (auto& v : train.images) v = static_cast<float>((v / 255.0 - 0.1307) / 0.3081);
    infomorph::trivariate_network net(infomorph::network_options{.hidden = Hidden, .lateral_partners = Partners, .seed = 1});
    for (std::size_t b = 0; b < 11; ++b) {
        xt::xtensor<float, 2> x = xt::xtensor<float, 2>::from_shape({batch, pixels});
        std::copy(train.images.data() + b * batch * pixels, train.images.data() + (b + 1) * batch * pixels, x.data());
        const std::vector<std::uint8_t> labels(train.labels.begin() + static_cast<std::ptrdiff_t>(b * batch),
                                               train.labels.begin() + static_cast<std::ptrdiff_t>((b + 1) * batch));
        net.train_batch(x, labels);
    }
    const auto& s = net.hidden_state();
    infomorph::layer_goal<3> driver(1);
    std::vector<infomorph::goal_result<3>> values;
    xt::xtensor<float, 2> gradient;
    for (auto _ : state) {
        driver.compute(infomorph::goals::context_lateral_opt_1_100_tpe, s.bins, s.theta, values, gradient);
        benchmark::DoNotOptimize(gradient.data());
    }
}
BENCHMARK(bm_layer_goal_mnist<100, 0>)->Name("layer_goal/N=3/B=1024/bins=20/float/mnist_network")->Unit(benchmark::kMillisecond);
BENCHMARK(bm_layer_goal_mnist<2000, 100>)->Name("layer_goal/N=3/B=1024/bins=20/float/mnist_network/hidden=2000/partners=100")
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
