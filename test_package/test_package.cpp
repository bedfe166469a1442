// Conan's test_package: a consumer of the packaged infomorph. Computes a PID (the XOR gate:
// I(T;S1,S2) = 1 bit, H(T) = 1 bit; the atoms sum to the mutual information) and trains a
// small context network for a few batches (its forward and gradient GEMMs go through BLAS:
// this links only when the package passes BLAS on to consumers).
#include <infomorph/infomorph.hpp>
#include <infomorph/version.hpp>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

int main() {
    using namespace infomorph;
    std::printf("infomorph %s\n", INFOMORPH_VERSION_STRING);

    const auto d = sparse_distribution::from_probabilities(2, {0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0},
                                                           {0.25, 0.25, 0.25, 0.25});
    const auto pid = isx<2>(d, {});
    double sum = 0;
    for (std::size_t a = 0; a < redundancy_lattice<2>::size; ++a) sum += pid.atoms.total[a];
    std::printf("XOR: I(T;S1,S2) = %.6f bits, sum of atoms %.6f\n", pid.mi, sum);
    if (std::abs(pid.mi - 1) > 1e-12 || std::abs(pid.h_target - 1) > 1e-12 || std::abs(sum - pid.mi) > 1e-9) return 1;

    const std::size_t batch = 64, inputs = 16;
    auto net = make_network({.kind = network_kind::context, .inputs = inputs, .classes = 10, .hidden = 8, .seed = 3});
    network::matrix images({batch, inputs});
    std::vector<std::uint8_t> labels(batch);
    std::mt19937 rng(5);
    std::normal_distribution<float> pixel;
    for (auto& x : images) x = pixel(rng);
    for (std::size_t k = 0; k < batch; ++k) labels[k] = static_cast<std::uint8_t>(k % 10);
    const network::matrix before = net->probabilities(images);
    for (int step = 0; step < 3; ++step) net->train_batch(images, labels);
    const network::matrix& after = net->probabilities(images);
    double change = 0;
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (!std::isfinite(after.data()[i])) return 1;
        change += std::abs(after.data()[i] - before.data()[i]);
    }
    std::printf("%s network, 3 training steps: output probabilities moved by %.4f in total\n",
                net->kind_name().c_str(), change);
    return change > 0 ? 0 : 1;
}
