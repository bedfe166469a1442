// Data preparation: the CIFAR-10 reader on small files written here, normalisation, the seeded
// split, mini-batches, and Fashion-MNIST where Debian's package is installed.
#include <doctest/doctest.h>

#include <infomorph/data/cifar.hpp>
#include <infomorph/data/dataset.hpp>
#include <infomorph/data/fashion_mnist.hpp>
#include <infomorph/data/idx.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace infomorph;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test case: ctest runs the cases as separate processes, maybe at once.
struct temp_dir {
    fs::path path;
    explicit temp_dir(const std::string& name) : path(fs::temp_directory_path() / ("infomorph_test_" + name)) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

// Pixel value of record k at channel c, row y, column x: distinct enough to catch a misplaced plane.
std::uint8_t pixel(std::size_t k, std::size_t c, std::size_t y, std::size_t x) {
    return static_cast<std::uint8_t>((k * 31 + c * 85 + y * 3 + x) % 256);
}

// Records k0, k0+1, ... with the given labels, in the CIFAR-10 binary layout.
void write_cifar(const std::string& path, const std::vector<int>& labels, std::size_t k0 = 0) {
    std::ofstream f(path, std::ios::binary);
    for (std::size_t r = 0; r < labels.size(); ++r) {
        f.put(static_cast<char>(labels[r]));
        for (std::size_t c = 0; c < 3; ++c)
            for (std::size_t y = 0; y < 32; ++y)
                for (std::size_t x = 0; x < 32; ++x) f.put(static_cast<char>(pixel(k0 + r, c, y, x)));
    }
}

std::string cifar_error(const std::string& path) {
    try {
        data::read_cifar10_batch(path);
    } catch (const infomorph::error& e) {
        return e.what();
    }
    return "no exception";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("CIFAR-10 reader: labels, channel-major pixels, the five training batches in order") {
    const temp_dir dir("cifar_read");
    write_cifar(dir.file("test_batch.bin"), {3, 9, 0});
    const auto test = data::read_cifar10_batch(dir.file("test_batch.bin"));
    REQUIRE(test.images.shape()[0] == 3);
    REQUIRE(test.images.shape()[1] == 3072);
    CHECK(test.rows == 32);
    CHECK(test.cols == 32);
    CHECK(test.channels == 3);
    CHECK(test.labels == std::vector<std::uint8_t>{3, 9, 0});
    for (std::size_t k = 0; k < 3; ++k)
        for (std::size_t c = 0; c < 3; ++c)
            for (const auto& [y, x] : {std::pair<std::size_t, std::size_t>{0, 0}, {0, 31}, {5, 7}, {31, 0}, {31, 31}})
                CHECK(test.images(k, c * 1024 + y * 32 + x) == static_cast<float>(pixel(k, c, y, x)));
    CHECK(test.images(1, 0) == 31.0f);          // red of (0,0)
    CHECK(test.images(1, 1024) == 116.0f);      // green of (0,0): 31 + 85
    CHECK(test.images(1, 2048 + 33) == 205.0f);  // blue of (1,1): 31 + 170 + 3 + 1

    CHECK(data::read_cifar10(dir.path.string(), false).labels == test.labels);

    // Batch b holds b records whose labels are b, and whose pixels continue the record count.
    std::size_t k0 = 0;
    std::vector<std::uint8_t> expected;
    for (int b = 1; b <= 5; ++b) {
        write_cifar(dir.file("data_batch_" + std::to_string(b) + ".bin"), std::vector<int>(b, b), k0);
        k0 += static_cast<std::size_t>(b);
        expected.insert(expected.end(), static_cast<std::size_t>(b), static_cast<std::uint8_t>(b));
    }
    const auto train = data::read_cifar10(dir.path.string(), true);
    REQUIRE(train.images.shape()[0] == 15);
    CHECK(train.channels == 3);
    CHECK(train.labels == expected);
    for (std::size_t k = 0; k < 15; ++k) {
        CHECK(train.images(k, 0) == static_cast<float>(pixel(k, 0, 0, 0)));
        CHECK(train.images(k, 3071) == static_cast<float>(pixel(k, 2, 31, 31)));
    }
}

TEST_CASE("CIFAR-10 reader: malformed files named with their problem") {
    const temp_dir dir("cifar_errors");
    CHECK(contains(cifar_error(dir.file("absent.bin")), "absent.bin: cannot open"));

    { std::ofstream f(dir.file("empty.bin"), std::ios::binary); }
    CHECK(contains(cifar_error(dir.file("empty.bin")), "empty.bin: empty file"));

    write_cifar(dir.file("short.bin"), {1, 2});
    { std::ofstream(dir.file("short.bin"), std::ios::binary | std::ios::app) << "12345"; }
    CHECK(contains(cifar_error(dir.file("short.bin")),
                   "short.bin: truncated: 6151 bytes is not a whole number of 3073-byte records"));

    write_cifar(dir.file("label.bin"), {1, 10, 2});
    CHECK(contains(cifar_error(dir.file("label.bin")), "label.bin: record 1 has label 10, expected 0..9"));

    // A training directory missing one batch names that batch.
    for (int b : {1, 2, 4, 5}) write_cifar(dir.file("data_batch_" + std::to_string(b) + ".bin"), {0});
    try {
        data::read_cifar10(dir.path.string(), true);
        FAIL("no exception");
    } catch (const infomorph::error& e) {
        CHECK(contains(e.what(), "data_batch_3.bin: cannot open"));
    }
}

TEST_CASE("normalization: statistics of the pixels scaled to [0,1], then (v/255 - mean)/sd") {
    // 0, 51, 102, 255 -> 0, 0.2, 0.4, 1: mean 0.4, squared deviations .16 .04 0 .36, sd sqrt(0.14).
    xt::xtensor<float, 2> tiny = {{0.0f, 51.0f}, {102.0f, 255.0f}};
    const auto norm = data::normalization::of(tiny);
    CHECK(norm.mean == doctest::Approx(0.4).epsilon(1e-12));
    CHECK(norm.sd == doctest::Approx(std::sqrt(0.14)).epsilon(1e-12));
    norm.apply(tiny);
    CHECK(tiny(0, 0) == doctest::Approx(-0.4 / std::sqrt(0.14)).epsilon(1e-6));
    CHECK(tiny(0, 1) == doctest::Approx(-0.2 / std::sqrt(0.14)).epsilon(1e-6));
    CHECK(tiny(1, 0) == doctest::Approx(0.0).epsilon(1e-6));
    CHECK(tiny(1, 1) == doctest::Approx(0.6 / std::sqrt(0.14)).epsilon(1e-6));

    // The familiar MNIST constants, and a training set that becomes mean 0, sd 1.
    auto mnist = data::read_idx_pair(std::string(INFOMORPH_MNIST_DIR) + "/train-images-idx3-ubyte.gz",
                                     std::string(INFOMORPH_MNIST_DIR) + "/train-labels-idx1-ubyte.gz");
    const auto m = data::normalization::of(mnist.images);
    CHECK(m.mean == doctest::Approx(0.1307).epsilon(1e-3));
    CHECK(m.sd == doctest::Approx(0.3081).epsilon(1e-3));
    m.apply(mnist.images);
    const auto after = data::normalization::of(mnist.images);  // of() scales by 1/255 again
    CHECK(after.mean * 255 == doctest::Approx(0.0).epsilon(1e-5));
    CHECK(after.sd * 255 == doctest::Approx(1.0).epsilon(1e-5));

    CHECK_THROWS_AS(data::normalization::of(xt::xtensor<float, 2>::from_shape({0, 784})), infomorph::error);
    CHECK_THROWS_AS(data::normalization::of(xt::xtensor<float, 2>{{7.0f, 7.0f}, {7.0f, 7.0f}}), infomorph::error);
}

TEST_CASE("train/validation split: 80/20, disjoint, complete, reproducible from the seed") {
    const auto s = data::train_validation_split(1000, 0.8, 42);
    CHECK(s.train.size() == 800);
    CHECK(s.validation.size() == 200);
    std::set<std::size_t> all(s.train.begin(), s.train.end());
    CHECK(all.size() == 800);
    all.insert(s.validation.begin(), s.validation.end());
    CHECK(all.size() == 1000);  // disjoint, and together 0..999
    CHECK(*all.rbegin() == 999);

    const auto again = data::train_validation_split(1000, 0.8, 42);
    CHECK(again.train == s.train);
    CHECK(again.validation == s.validation);
    const auto other = data::train_validation_split(1000, 0.8, 43);
    CHECK(other.train != s.train);
    CHECK(s.train != data::all_indices(1000));  // shuffled, not the first 800

    // The same with every standard library: mt19937_64 is fully specified, the draws are ours.
    const auto pinned = data::train_validation_split(10, 0.8, 42);
    CHECK(pinned.train == std::vector<std::size_t>{3, 4, 1, 2, 9, 8, 0, 6});
    CHECK(pinned.validation == std::vector<std::size_t>{5, 7});

    CHECK(data::train_validation_split(7, 0.5, 1).train.size() == 4);  // round(3.5)
    CHECK(data::train_validation_split(10, 1.0, 1).validation.empty());
    CHECK(data::train_validation_split(0, 0.8, 1).train.empty());
    CHECK_THROWS_AS(data::train_validation_split(10, 0.0, 1), infomorph::error);
    CHECK_THROWS_AS(data::train_validation_split(10, 1.5, 1), infomorph::error);
    CHECK_THROWS_AS(data::train_validation_split(10, std::numeric_limits<double>::quiet_NaN(), 1), infomorph::error);
}

TEST_CASE("batches: the indexed rows in order, a partial last batch, bad arguments refused") {
    data::labelled_images set;
    set.images = xt::xtensor<float, 2>::from_shape({7, 3});
    for (std::size_t i = 0; i < 7; ++i) {
        for (std::size_t p = 0; p < 3; ++p) set.images(i, p) = static_cast<float>(10 * i + p);
        set.labels.push_back(static_cast<std::uint8_t>(i));
    }
    const std::vector<std::size_t> order = {6, 0, 3, 5, 1};
    const data::batches b(set, order, 2);
    CHECK(b.count() == 3);
    CHECK(b.size() == 5);
    xt::xtensor<float, 2> images;
    std::vector<std::uint8_t> labels;
    std::size_t seen = 0;
    for (std::size_t k = 0; k < b.count(); ++k) {
        b.get(k, images, labels);
        CHECK(images.shape()[0] == (k < 2 ? 2 : 1));
        CHECK(images.shape()[1] == 3);
        REQUIRE(labels.size() == images.shape()[0]);
        for (std::size_t r = 0; r < labels.size(); ++r, ++seen) {
            CHECK(labels[r] == order[seen]);
            for (std::size_t p = 0; p < 3; ++p) CHECK(images(r, p) == static_cast<float>(10 * order[seen] + p));
        }
    }
    CHECK(seen == 5);
    CHECK(data::batches(set, data::all_indices(7), 7).count() == 1);
    CHECK(data::batches(set, data::all_indices(7), 100).count() == 1);
    CHECK(data::batches(set, {}, 4).count() == 0);

    CHECK_THROWS_AS(b.get(3, images, labels), infomorph::error);
    CHECK_THROWS_AS(data::batches(set, order, 0), infomorph::error);
    CHECK_THROWS_WITH_AS(data::batches(set, {0, 7}, 2), doctest::Contains("index 7"), infomorph::error);
    set.labels.pop_back();
    CHECK_THROWS_AS(data::batches(set, order, 2), infomorph::error);
}

TEST_CASE("batches: copied on several threads, the rows of one thread's copy") {
    // 1000 rows of 5 pixels, each row's pixels naming it; batches of 300 shuffled rows (a last
    // one of 100) and of 70 (fewer rows than the copy gives one thread).
    data::labelled_images set;
    set.images = xt::xtensor<float, 2>::from_shape({1000, 5});
    for (std::size_t i = 0; i < 1000; ++i) {
        for (std::size_t p = 0; p < 5; ++p) set.images(i, p) = static_cast<float>(10 * i + p);
        set.labels.push_back(static_cast<std::uint8_t>(i % 251));
    }
    auto order = data::all_indices(1000);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(3));
    for (const std::size_t batch : {std::size_t{300}, std::size_t{70}}) {
        const data::batches b(set, order, batch);
        for (const std::size_t threads : {0, 1, 2, 3, 7, 16}) {
            CAPTURE(batch);
            CAPTURE(threads);
            xt::xtensor<float, 2> images;
            std::vector<std::uint8_t> labels;
            std::size_t seen = 0, wrong = 0;
            for (std::size_t k = 0; k < b.count(); ++k) {
                b.get(k, images, labels, threads);
                REQUIRE(images.shape()[0] == std::min(batch, 1000 - k * batch));
                REQUIRE(labels.size() == images.shape()[0]);
                for (std::size_t r = 0; r < labels.size(); ++r, ++seen) {
                    wrong += labels[r] != order[seen] % 251 ? 1 : 0;
                    for (std::size_t p = 0; p < 5; ++p) wrong += images(r, p) != static_cast<float>(10 * order[seen] + p) ? 1 : 0;
                }
            }
            CHECK(seen == 1000);
            CHECK(wrong == 0);
        }
    }
}

TEST_CASE("Fashion-MNIST from Debian's dataset-fashion-mnist") {
    const auto dir = data::find_fashion_mnist();
    if (!dir) {
        MESSAGE("skipped: " << data::fashion_mnist_debian_dir << " lacks the files (apt-get install dataset-fashion-mnist)");
        return;
    }
    const auto test = data::read_fashion_mnist(*dir, false);
    CHECK(test.images.shape()[0] == 10000);
    CHECK(test.images.shape()[1] == 784);
    CHECK(test.rows == 28);
    CHECK(test.cols == 28);
    CHECK(test.channels == 1);
    REQUIRE(test.labels.size() == 10000);
    std::vector<std::size_t> per_class(10);
    for (auto l : test.labels) {
        REQUIRE(l < 10);
        ++per_class[l];
    }
    for (auto c : per_class) CHECK(c == 1000);  // the test set is balanced
    CHECK(test.labels[0] == 9);                  // the first test image is an ankle boot
    CHECK_THROWS_WITH_AS(data::read_fashion_mnist("/nonexistent", true), doctest::Contains("cannot open"), infomorph::error);
}
