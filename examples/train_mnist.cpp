// One epoch of the paper's trivariate infomorphic network (100 hidden neurons, optimised goal)
// on the shipped MNIST, then test accuracy. Usage: infomorph_example_train_mnist [MNIST_DIR] [EPOCHS]
#include <infomorph/data/idx.hpp>
#include <infomorph/learning/network.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    using namespace infomorph;
    const std::string dir = argc > 1 ? argv[1] : "data/mnist";
    const int epochs = argc > 2 ? std::stoi(argv[2]) : 1;
    auto train = data::read_idx_pair(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
    auto test = data::read_idx_pair(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
    // Normalise with the training set's mean and standard deviation.
    double sum = 0, sq = 0;
    for (float v : train.images) {
        sum += v / 255.0;
        sq += (v / 255.0) * (v / 255.0);
    }
    const double n = static_cast<double>(train.images.size());
    const double mean = sum / n, sd = std::sqrt(sq / n - mean * mean);
    for (auto* set : {&train.images, &test.images})
        for (auto& v : *set) v = static_cast<float>((v / 255.0 - mean) / sd);

    context_lateral_network net(network_options{.seed = 1});
    const std::size_t batch = 1024, pixels = train.images.shape()[1];
    auto rows = [&](const xt::xtensor<float, 2>& x, std::size_t b, std::size_t e) {
        xt::xtensor<float, 2> out = xt::xtensor<float, 2>::from_shape({e - b, pixels});
        std::copy(x.data() + b * pixels, x.data() + e * pixels, out.data());
        return out;
    };
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        double accuracy = 0;
        std::size_t batches = 0;
        for (std::size_t b = 0; b < train.labels.size(); b += batch, ++batches) {
            const std::size_t e = std::min(b + batch, train.labels.size());
            const std::vector<std::uint8_t> labels(train.labels.begin() + static_cast<std::ptrdiff_t>(b),
                                                   train.labels.begin() + static_cast<std::ptrdiff_t>(e));
            accuracy += net.train_batch(rows(train.images, b, e), labels).accuracy;
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::size_t right = 0;
        for (std::size_t b = 0; b < test.labels.size(); b += batch) {
            const std::size_t e = std::min(b + batch, test.labels.size());
            const auto predicted = net.predict(rows(test.images, b, e));
            for (std::size_t k = b; k < e; ++k) right += predicted[k - b] == test.labels[k] ? 1 : 0;
        }
        std::printf("epoch %d: %.2f s, train accuracy (label input on) %.4f, test accuracy %.4f\n", epoch, seconds,
                    accuracy / static_cast<double>(batches), static_cast<double>(right) / test.labels.size());
    }
}
