// End to end: the paper's trivariate network learns MNIST from a few thousand images; the IDX
// reader refuses malformed files. Own translation unit: it needs zlib and the data.
#include <doctest/doctest.h>

#include <infomorph/data/idx.hpp>
#include <infomorph/learning/network.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>

using namespace infomorph;

namespace {

const std::string mnist = INFOMORPH_MNIST_DIR;

xt::xtensor<float, 2> rows(const xt::xtensor<float, 2>& x, std::size_t begin, std::size_t end) {
    xt::xtensor<float, 2> out = xt::xtensor<float, 2>::from_shape({end - begin, x.shape()[1]});
    std::copy(x.data() + begin * x.shape()[1], x.data() + end * x.shape()[1], out.data());
    return out;
}

std::string error_of(const std::string& images, const std::string& labels) {
    try {
        data::read_idx_pair(images, labels);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "no exception";
}

}  // namespace

TEST_CASE("IDX reader: MNIST shapes, and malformed files named with their problem") {
    const auto test = data::read_idx_pair(mnist + "/t10k-images-idx3-ubyte.gz", mnist + "/t10k-labels-idx1-ubyte.gz");
    CHECK(test.images.shape()[0] == 10000);
    CHECK(test.images.shape()[1] == 784);
    CHECK(test.rows == 28);
    CHECK(test.labels.size() == 10000);
    CHECK(test.labels[0] == 7);  // the first test digit is a 7
    const std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
    const std::string bad = dir + "/infomorph_bad.idx", short_file = dir + "/infomorph_short.idx";
    {
        std::ofstream f(bad, std::ios::binary);
        f << "not an idx file";
        std::ofstream g(short_file, std::ios::binary);
        const unsigned char header[] = {0, 0, 8, 1, 0, 0, 0, 5, 1, 2};  // 5 labels announced, 2 given
        g.write(reinterpret_cast<const char*>(header), sizeof header);
    }
    CHECK(error_of(bad, short_file).find("infomorph_bad.idx: not an IDX file") != std::string::npos);
    CHECK(error_of(mnist + "/t10k-images-idx3-ubyte.gz", short_file).find("infomorph_short.idx: truncated") != std::string::npos);
    CHECK(error_of(mnist + "/t10k-labels-idx1-ubyte.gz", short_file).find("has 1 dimensions, expected 3") != std::string::npos);
    CHECK(error_of(mnist + "/t10k-images-idx3-ubyte.gz", mnist + "/train-labels-idx1-ubyte.gz")
              .find("10000 images but") != std::string::npos);
    CHECK(error_of(dir + "/absent.idx", short_file).find("cannot open") != std::string::npos);
    std::remove(bad.c_str());
    std::remove(short_file.c_str());
}

TEST_CASE("one epoch on 6000 MNIST images: clearly better than chance on held-out test images") {
    auto train = data::read_idx_pair(mnist + "/train-images-idx3-ubyte.gz", mnist + "/train-labels-idx1-ubyte.gz");
    auto test = data::read_idx_pair(mnist + "/t10k-images-idx3-ubyte.gz", mnist + "/t10k-labels-idx1-ubyte.gz");
    const std::size_t n_train = 6000, n_test = 2000, batch = 200;
    // Normalise with the training images' mean and standard deviation.
    double sum = 0, sq = 0;
    for (std::size_t i = 0; i < n_train * 784; ++i) {
        const double v = train.images.data()[i] / 255.0;
        sum += v;
        sq += v * v;
    }
    const double mean = sum / (n_train * 784.0), sd = std::sqrt(sq / (n_train * 784.0) - mean * mean);
    for (auto* set : {&train.images, &test.images})
        for (auto& v : *set) v = static_cast<float>((v / 255.0 - mean) / sd);

    context_lateral_network net(context_lateral_options{.seed = 3});
    double last = 0;
    for (std::size_t b = 0; b + batch <= n_train; b += batch) {
        const std::vector<std::uint8_t> labels(train.labels.begin() + static_cast<std::ptrdiff_t>(b),
                                               train.labels.begin() + static_cast<std::ptrdiff_t>(b + batch));
        last = net.train_batch(rows(train.images, b, b + batch), labels).accuracy;
    }
    std::size_t right = 0;
    for (std::size_t b = 0; b < n_test; b += 1000) {
        const auto predicted = net.predict(rows(test.images, b, b + 1000));
        for (std::size_t k = 0; k < 1000; ++k) right += predicted[k] == test.labels[b + k] ? 1 : 0;
    }
    const double accuracy = static_cast<double>(right) / n_test;
    MESSAGE("last training batch accuracy " << last << ", test accuracy " << accuracy);
    CHECK(accuracy >= 0.3);  // chance: 0.1; measured 0.42 here (a full epoch of 60000 reaches 0.79)
}

TEST_CASE("the output layer's label weights stay the fixed identity through training") {
    context_lateral_network net(context_lateral_options{.inputs = 20, .hidden = 12, .seed = 4});
    std::mt19937 rng(2);
    std::normal_distribution<float> x(0.0f, 1.0f);
    xt::xtensor<float, 2> images = xt::xtensor<float, 2>::from_shape({64, 20});
    for (auto& v : images) v = x(rng);
    std::vector<std::uint8_t> labels(64);
    for (std::size_t k = 0; k < 64; ++k) labels[k] = static_cast<std::uint8_t>(k % 10);
    for (int step = 0; step < 3; ++step) net.train_batch(images, labels);
    const auto& w = net.output().weight(1);
    for (std::size_t i = 0; i < 10; ++i)
        for (std::size_t j = 0; j < 10; ++j) CHECK(w(i, j) == (i == j ? 1.0f : 0.0f));
    CHECK_THROWS_WITH_AS(net.train_batch(images, std::vector<std::uint8_t>(63)),
                         doctest::Contains("63 labels for a batch of 64"), std::invalid_argument);
}
