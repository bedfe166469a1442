// Epochs of the paper's trivariate infomorphic network (100 hidden neurons, optimised goal) on
// the shipped MNIST, each followed by the test accuracy. `infomorph train` does the same with
// a validation split, logs and a model file (docs/training.md).
// Usage: infomorph_example_train_mnist [MNIST_DIR] [EPOCHS]
#include <infomorph/data/dataset.hpp>
#include <infomorph/data/idx.hpp>
#include <infomorph/networks/make_network.hpp>
#include <infomorph/networks/trainer.hpp>

#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    using namespace infomorph;
    const std::string dir = argc > 1 ? argv[1] : "data/mnist";
    const int epochs = argc > 2 ? std::stoi(argv[2]) : 1;
    auto train = data::read_idx_pair(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
    auto test = data::read_idx_pair(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
    const auto norm = data::normalization::of(train.images);
    norm.apply(train.images);
    norm.apply(test.images);

    context_lateral_network net(network_options{.seed = 1});
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        const auto trained =
            train_epoch(net, train, data::all_indices(train.labels.size()), 1024, [](std::size_t, std::size_t, double) {});
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const auto tested = evaluate(net, test, data::all_indices(test.labels.size()), 1024, 10);
        std::printf("epoch %d: %.2f s, train accuracy (label input on) %.4f, test accuracy %.4f\n", epoch, seconds,
                    trained.train_accuracy, tested.accuracy);
    }
}
