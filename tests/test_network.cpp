// End to end: the paper's trivariate network learns MNIST from a few thousand images; the IDX
// reader refuses malformed files. Own translation unit: it needs zlib and the data.
#include <doctest/doctest.h>

#include <infomorph/detail/files.hpp>
#include <infomorph/data/idx.hpp>
#include <infomorph/networks/model_file.hpp>
#include <infomorph/networks/make_network.hpp>
#include <infomorph/networks/trainer.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <fstream>
#include <random>
#include <sstream>
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
    } catch (const infomorph::error& e) {
        return e.what();
    }
    return "no exception";
}

struct mnist_subset {
    xt::xtensor<float, 2> train_images, test_images;
    std::vector<std::uint8_t> train_labels, test_labels;
};

// The first n_train training and n_test test images, normalised with the training subset's
// mean and standard deviation. Read once: the files take a while to decompress.
const mnist_subset& mnist_data(std::size_t n_train = 6000, std::size_t n_test = 2000) {
    static const mnist_subset data = [&] {
        auto train = data::read_idx_pair(mnist + "/train-images-idx3-ubyte.gz", mnist + "/train-labels-idx1-ubyte.gz");
        auto test = data::read_idx_pair(mnist + "/t10k-images-idx3-ubyte.gz", mnist + "/t10k-labels-idx1-ubyte.gz");
        mnist_subset out;
        out.train_images = rows(train.images, 0, n_train);
        out.test_images = rows(test.images, 0, n_test);
        const auto norm = data::normalization::of(out.train_images);
        norm.apply(out.train_images);
        norm.apply(out.test_images);
        out.train_labels.assign(train.labels.begin(), train.labels.begin() + static_cast<std::ptrdiff_t>(n_train));
        out.test_labels.assign(test.labels.begin(), test.labels.begin() + static_cast<std::ptrdiff_t>(n_test));
        return out;
    }();
    return data;
}

// One pass over the training subset in batches, then the test accuracy.
double train_and_test(network& net, std::size_t batch) {
    const auto& d = mnist_data();
    for (std::size_t b = 0; b + batch <= d.train_labels.size(); b += batch) {
        const std::vector<std::uint8_t> labels(d.train_labels.begin() + static_cast<std::ptrdiff_t>(b),
                                               d.train_labels.begin() + static_cast<std::ptrdiff_t>(b + batch));
        net.train_batch(rows(d.train_images, b, b + batch), labels);
    }
    const auto predicted = net.predict(d.test_images);
    std::size_t right = 0;
    for (std::size_t k = 0; k < predicted.size(); ++k) right += predicted[k] == d.test_labels[k] ? 1 : 0;
    return static_cast<double>(right) / static_cast<double>(predicted.size());
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
    CHECK(error_of(mnist + "/t10k-images-idx3-ubyte.gz", short_file).find("infomorph_short.idx: header says 5 labels but the file holds 2") != std::string::npos);
    CHECK(error_of(mnist + "/t10k-labels-idx1-ubyte.gz", short_file).find("has 1 dimensions, expected 3") != std::string::npos);
    CHECK(error_of(mnist + "/t10k-images-idx3-ubyte.gz", mnist + "/train-labels-idx1-ubyte.gz")
              .find("10000 images but") != std::string::npos);
    CHECK(error_of(dir + "/absent.idx", short_file).find("cannot open") != std::string::npos);
    std::remove(bad.c_str());
    std::remove(short_file.c_str());
}

TEST_CASE("one epoch on 6000 MNIST images: every variant is clearly better than chance on held-out images") {
    // Chance is 0.1. Measured (seed 3, batch 200, 30 steps; the runs are deterministic):
    // context_lateral 0.4535, output_context 0.4045, context 0.4945, lateral 0.2305 (its hidden
    // layer learns without labels), random_projection 0.3615, readout 0.828, backprop 0.665.
    // The thresholds sit about three points below.
    const std::pair<network_kind, double> expected[] = {
        {network_kind::context_lateral, 0.42}, {network_kind::output_context, 0.37}, {network_kind::context, 0.46},
        {network_kind::lateral, 0.20},         {network_kind::random_projection, 0.33}, {network_kind::readout, 0.80},
        {network_kind::backprop, 0.63}};
    for (const auto& [kind, threshold] : expected) {
        auto net = make_network(network_options{.kind = kind, .seed = 3});
        const double accuracy = train_and_test(*net, 200);
        MESSAGE(net->kind_name() << ": test accuracy " << accuracy);
        CHECK(accuracy >= threshold);
    }
}

TEST_CASE("hidden binning: the bivariate layers bin adaptively or on [-20, 20] as asked; other requests are refused") {
    const auto& d = mnist_data();
    const std::vector<std::uint8_t> labels(d.train_labels.begin(), d.train_labels.begin() + 128);
    // Scaled up so that the initial drives reach beyond the two middle bins of [-20, 20].
    auto images = rows(d.train_images, 0, 128);
    for (auto& v : images) v *= 12.0f;
    // The authors' bucketize(clamp(x, lo + 1e-4, hi), edges) - 1 with 20 equal bins, written
    // out independently of binning.hpp.
    auto bucket = [](double x, double lo, double hi) {
        const double v = std::clamp(x, lo + 1e-4, hi);
        return static_cast<std::uint32_t>(std::clamp(std::ceil((v - lo) / ((hi - lo) / 20)) - 1, 0.0, 19.0));
    };
    for (const auto binning : {binning::mode::standard, binning::mode::adaptive, binning::mode::fixed}) {
        CAPTURE(name_of(binning));
        auto made = make_network(network_options{.kind = network_kind::context, .hidden = 16, .binning = binning, .seed = 4});
        auto* fixed = dynamic_cast<bivariate_fixed_network*>(made.get());
        auto* adaptive = dynamic_cast<bivariate_network*>(made.get());
        REQUIRE((fixed != nullptr) == (binning == binning::mode::fixed));
        REQUIRE((adaptive != nullptr) == (binning != binning::mode::fixed));
        made->train_batch(images, labels);
        auto count = [&](const auto& s) {
            std::size_t wrong = 0, off_centre = 0;
            for (std::size_t i = 0; i < 2; ++i)
                for (std::size_t j = 0; j < 16; ++j) {
                    float largest = 0;
                    for (std::size_t k = 0; k < 128; ++k) largest = std::max(largest, std::fabs(s.drive[i](k, j)));
                    for (std::size_t k = 0; k < 128; ++k) {
                        const float x = s.drive[i](k, j);
                        const auto expected = fixed ? bucket(x, -20, 20) : bucket(largest > 0 ? x / largest : 0.0f, -1, 1);
                        wrong += s.bins(k, j, i) != expected ? 1 : 0;
                        off_centre += expected != 9 && expected != 10 ? 1 : 0;
                    }
                }
            return std::pair{wrong, off_centre};
        };
        const auto [wrong, off_centre] = fixed ? count(fixed->hidden_state()) : count(adaptive->hidden_state());
        CHECK(wrong == 0);
        CHECK(off_centre > 0);  // the check saw more than the two middle bins
    }
    auto fixed = make_network(network_options{.kind = network_kind::context, .binning = binning::mode::fixed, .seed = 3});
    CHECK(train_and_test(*fixed, 200) >= 0.3);

    CHECK_THROWS_WITH_AS(make_network(network_options{.kind = network_kind::context_lateral, .binning = binning::mode::adaptive}),
                         doctest::Contains("context_lateral network has no adaptive hidden binning"), infomorph::error);
    CHECK_THROWS_WITH_AS(make_network(network_options{.kind = network_kind::readout, .binning = binning::mode::fixed}),
                         doctest::Contains("readout network has no fixed hidden binning"), infomorph::error);
    CHECK_NOTHROW(make_network(network_options{.kind = network_kind::context_lateral, .hidden = 8, .binning = binning::mode::fixed}));
    CHECK_THROWS_WITH_AS(bivariate_network(network_options{.kind = network_kind::context, .binning = binning::mode::fixed}),
                         doctest::Contains("bins adaptively, the options ask for fixed binning"), infomorph::error);
    CHECK_THROWS_WITH_AS(binning::mode_from_name("equal"), doctest::Contains("no hidden binning named 'equal'"),
                         infomorph::error);
}

TEST_CASE("optimiser settings out of range and binnings of variants without a hidden layer are refused") {
    // Not a structured binding: clang 14 cannot capture one (CAPTURE is a lambda).
    for (const auto& named : network_kind_names) {
        const auto& [name, kind] = named;
        CAPTURE(named.first);
        network_options o{.kind = kind, .hidden = 8};
        o.hidden_optimizer.lr = std::nan("");
        CHECK_THROWS_WITH_AS(make_network(o), doctest::Contains("hidden optimiser's learning rate must be positive"),
                             infomorph::error);
        o = {.kind = kind, .hidden = 8};
        o.output_optimizer.weight_decay = -1e-4;
        CHECK_THROWS_WITH_AS(make_network(o), doctest::Contains("output optimiser's weight decay must be non-negative"),
                             infomorph::error);
        o = {.kind = kind, .hidden = 8};
        o.backprop_optimizer.beta2 = 1.0;
        CHECK_THROWS_WITH_AS(make_network(o), doctest::Contains("backprop optimiser's betas"), infomorph::error);
    }
    CHECK_THROWS_WITH_AS(readout_network(network_options{.kind = network_kind::readout, .binning = binning::mode::fixed}),
                         doctest::Contains("readout network has no fixed hidden binning"), infomorph::error);
    CHECK_THROWS_WITH_AS(backprop_network(network_options{.kind = network_kind::backprop, .binning = binning::mode::fixed}),
                         doctest::Contains("backprop network has no fixed hidden binning"), infomorph::error);
}

TEST_CASE("the same seed gives a bit-identical run for any number of threads, for every variant") {
    const auto& d = mnist_data();
    // Not a structured binding: clang 14 cannot capture one (CAPTURE is a lambda).
    for (const auto& named : network_kind_names) {
        const auto& [name, kind] = named;
        CAPTURE(named.first);
        std::vector<std::vector<float>> runs;
        for (std::size_t threads : {1, 2, 3}) {
            auto net = make_network(network_options{.kind = kind, .hidden = 24, .lateral_partners = 5, .seed = 11, .threads = threads});
            for (std::size_t b = 0; b < 3; ++b) {
                const std::vector<std::uint8_t> labels(d.train_labels.begin() + static_cast<std::ptrdiff_t>(b * 128),
                                                       d.train_labels.begin() + static_cast<std::ptrdiff_t>(b * 128 + 128));
                net->train_batch(rows(d.train_images, b * 128, b * 128 + 128), labels);
            }
            std::vector<float> all;
            for (const auto& p : net->parameters()) all.insert(all.end(), p.data, p.data + p.size());
            const auto& theta = net->probabilities(rows(d.test_images, 0, 100));
            all.insert(all.end(), theta.begin(), theta.end());
            runs.push_back(std::move(all));
        }
        for (const auto& r : runs) {
            REQUIRE(r.size() == runs[0].size());
            CHECK(std::memcmp(r.data(), runs[0].data(), r.size() * sizeof(float)) == 0);
        }
        auto other = make_network(network_options{.kind = kind, .hidden = 24, .lateral_partners = 5, .seed = 12});
        std::vector<float> first;
        for (const auto& p : other->parameters()) first.insert(first.end(), p.data, p.data + p.size());
        CHECK(std::memcmp(first.data(), runs[0].data(), first.size() * sizeof(float)) != 0);
    }
}

TEST_CASE("masks stay exact through network training: no self-connections, k lateral partners, frozen projection") {
    const auto& d = mnist_data();
    const std::vector<std::uint8_t> labels(d.train_labels.begin(), d.train_labels.begin() + 256);
    const auto images = rows(d.train_images, 0, 256);

    trivariate_network sparse(network_options{.hidden = 30, .lateral_partners = 4, .seed = 5});
    const auto before = sparse.hidden().weight(2);
    for (int step = 0; step < 4; ++step) sparse.train_batch(images, labels);
    const auto& after = sparse.hidden().weight(2);
    for (std::size_t j = 0; j < 30; ++j) {
        std::size_t partners = 0;
        for (std::size_t i = 0; i < 30; ++i) {
            if (before(j, i) == 0.0f) CHECK(after(j, i) == 0.0f);
            partners += sparse.hidden().mask(2)(j, i) != 0 ? 1 : 0;
        }
        CHECK(partners == 4);
        CHECK(after(j, j) == 0.0f);
    }
    CHECK(after != before);  // the partners did learn

    bivariate_network lateral(network_options{.kind = network_kind::lateral, .hidden = 16, .seed = 5});
    for (int step = 0; step < 3; ++step) lateral.train_batch(images, labels);
    for (std::size_t j = 0; j < 16; ++j) CHECK(lateral.hidden().weight(1)(j, j) == 0.0f);

    random_projection_network projection(network_options{.kind = network_kind::random_projection, .hidden = 16, .seed = 5});
    const auto frozen = projection.hidden().weight(0);
    const auto frozen_bias = projection.hidden().bias(1);
    const auto readout = projection.output().weight(0);
    for (int step = 0; step < 3; ++step) projection.train_batch(images, labels);
    CHECK(projection.hidden().weight(0) == frozen);
    CHECK(projection.hidden().bias(1) == frozen_bias);
    CHECK(projection.output().weight(0) != readout);
    for (float h : projection.hidden_state().output) CHECK((h == 0.0f || h == 1.0f));

    CHECK_THROWS_WITH_AS(bivariate_network(network_options{.kind = network_kind::context_lateral}),
                         doctest::Contains("needs a hidden layer of 3-source neurons"), infomorph::error);
    CHECK_THROWS_WITH_AS(make_network(network_options{.hidden_goal = {1.0, 0.0}}),
                         doctest::Contains("a goal has 5 values (2 sources) or 19 values (3 sources)"), infomorph::error);
    CHECK_THROWS_WITH_AS(make_network(network_options{.hidden_goal = goals::context_naive}),
                         doctest::Contains("context_lateral network's hidden goal needs 3 sources (19 values), got a goal of 2 sources"), infomorph::error);
    CHECK_THROWS_WITH_AS(make_network(network_options{.kind = network_kind::readout, .hidden_goal = goals::context_naive}),
                         doctest::Contains("readout network has no hidden layer goal"), infomorph::error);
    CHECK_THROWS_WITH_AS(make_network(network_options{.kind = network_kind::context, .output_goal = {}}),
                         doctest::Contains("output goal needs 2 sources"), infomorph::error);
    CHECK_THROWS_WITH_AS(make_network(network_options{.kind = network_kind::context, .hidden = 0}),
                         doctest::Contains("context network needs inputs, hidden neurons and at least two classes"), infomorph::error);
    CHECK_THROWS_WITH_AS(network_kind_from_name("trivariate"), doctest::Contains("known: context, lateral"), infomorph::error);
}

TEST_CASE("the output layer's label weights stay the fixed identity through training") {
    trivariate_network net(network_options{.inputs = 20, .hidden = 12, .seed = 4});
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
                         doctest::Contains("63 labels for a batch of 64"), infomorph::error);
}

TEST_CASE("durable files: unique temporaries, atomic replacement, appends cut back to a checkpoint's length") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") / "infomorph_files_test";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path file = dir / "model.bin";
    // Two writers of one name get two temporaries, neither someone else's (O_EXCL).
    const auto a = detail::create_temporary(file), b = detail::create_temporary(file);
    CHECK(a != b);
    CHECK(detail::is_temporary_of(a.filename().string(), "model.bin"));
    CHECK_FALSE(detail::is_temporary_of("model.bin", "model.bin"));
    fs::remove(a);
    fs::remove(b);
    fs::create_directories(dir / "model.bin.partial");  // the old fixed name is in nobody's way
    detail::write_atomically(file, [](std::ofstream& f) { f << "one"; });
    detail::write_atomically(file, [](std::ofstream& f) { f << "two"; });
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
    CHECK(entries == 2);  // model.bin and the foreign directory: no temporary left
    {
        std::ifstream in(file);
        std::string text;
        in >> text;
        CHECK(text == "two");
    }
    // A writer that throws leaves the old file and no temporary.
    CHECK_THROWS(detail::write_atomically(file, [](std::ofstream&) { throw infomorph::error("stop"); }));
    entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
    CHECK(entries == 2);

    const fs::path log = dir / "log.jsonl";
    {
        detail::append_file f(log, 0);
        f.append("first\n");
        f.append("second\n");
        CHECK(f.bytes() == 13);
    }
    {
        detail::append_file f(log, 6);  // resumed after "first"
        f.append("again\n");
    }
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == "first\nagain\n");
    CHECK_THROWS_WITH_AS(detail::append_file(log, 100), doctest::Contains("fewer than the 100"), infomorph::error);
    {
        const detail::directory_lock lock(dir);
        CHECK_THROWS_WITH_AS(detail::directory_lock{dir}, doctest::Contains("another process is using this directory"),
                             infomorph::error);
    }
    const detail::directory_lock again(dir);  // released with its holder
    fs::remove_all(dir);
}

TEST_CASE("training state: a network loading another's state trains on bit for bit; weights alone do not") {
    const auto& d = mnist_data();
    const std::vector<std::uint8_t> labels(d.train_labels.begin(), d.train_labels.begin() + 128);
    const auto images = rows(d.train_images, 0, 128);
    const auto test = rows(d.test_images, 0, 64);
    auto same = [](network& a, network& b) {
        const auto p = a.parameters(), q = b.parameters();
        for (std::size_t i = 0; i < p.size(); ++i)
            if (std::memcmp(p[i].data, q[i].data, p[i].size() * sizeof(float)) != 0) return false;
        return true;
    };
    for (const auto kind : {network_kind::context_lateral, network_kind::lateral, network_kind::readout, network_kind::backprop}) {
        CAPTURE(name_of(kind));
        const network_options options{.kind = kind, .hidden = 16, .lateral_partners = 3, .seed = 5, .threads = 2};
        auto net = make_network(options);
        for (int step = 0; step < 2; ++step) net->train_batch(images, labels);
        net->probabilities(test);  // evaluation draws from the training stream too
        std::stringstream state;
        net->save_state(state);
        auto resumed = make_network(options);
        resumed->load_state(state);
        CHECK(state.peek() == std::char_traits<char>::eof());
        // The control: the same weights without the optimiser moments and streams.
        auto weights_only = make_network(options);
        const auto from = net->parameters(), to = weights_only->parameters();
        for (std::size_t i = 0; i < from.size(); ++i) std::memcpy(to[i].data, from[i].data, from[i].size() * sizeof(float));
        for (int step = 0; step < 2; ++step) {
            net->train_batch(images, labels);
            resumed->train_batch(images, labels);
            weights_only->train_batch(images, labels);
        }
        CHECK(same(*net, *resumed));
        CHECK_FALSE(same(*net, *weights_only));
        std::stringstream truncated(state.str().substr(0, state.str().size() / 2));
        CHECK_THROWS_AS(make_network(options)->load_state(truncated), infomorph::error);
    }

    // The trainer's state: epochs done and the shuffling stream.
    training_data data;
    data.train.images = rows(d.train_images, 0, 256);
    data.train.labels.assign(d.train_labels.begin(), d.train_labels.begin() + 256);
    data.test.images = test;
    data.test.labels.assign(d.test_labels.begin(), d.test_labels.begin() + 64);
    data.split = data::train_validation_split(256, 0.75, 3);
    const training_options training{.epochs = 3, .batch = 64, .train_fraction = 0.75, .seed = 3};
    const network_options options{.hidden = 16, .seed = 3};
    auto net = make_network(options);
    trainer whole(*net, data, training);
    whole.run_epoch();
    std::stringstream trainer_state, net_state;
    whole.save_state(trainer_state);
    net->save_state(net_state);
    const auto last = whole.run();
    auto net2 = make_network(options);
    net2->load_state(net_state);
    trainer resumed(*net2, data, training);
    resumed.load_state(trainer_state);
    CHECK(resumed.epochs_done() == 1);
    const auto again = resumed.run();
    CHECK(same(*net, *net2));
    CHECK(again->train.train_accuracy == last->train.train_accuracy);
    CHECK(again->test->confusion == last->test->confusion);

    // Stopped at a batch boundary inside an epoch (as SIGINT stops `infomorph train`), saved,
    // and resumed by a new trainer: the same weights and the same epoch reports, bit for bit.
    for (const std::size_t stop_at : {1, 2, 5}) {  // batches into the run; 3 per epoch
        CAPTURE(stop_at);
        std::size_t batches = 0;
        training_observer stopping;
        stopping.batch_done = [&](std::size_t, std::size_t, double) { ++batches; };
        stopping.stop_requested = [&] { return batches == stop_at; };
        auto net3 = make_network(options);
        trainer first(*net3, data, training, stopping);
        CHECK_FALSE(first.run().has_value());
        CHECK(first.epochs_done() == stop_at / 3);
        CHECK(first.batches_done() == stop_at % 3);
        std::stringstream t_state, n_state;
        first.save_state(t_state);
        net3->save_state(n_state);
        auto net4 = make_network(options);
        net4->load_state(n_state);
        std::vector<epoch_report> reports;
        training_observer logging;
        logging.epoch_done = [&](const epoch_report& r) { reports.push_back(r); };
        trainer second(*net4, data, training, logging);
        second.load_state(t_state);
        CHECK(second.batches_done() == stop_at % 3);
        const auto end = second.run();
        REQUIRE(end.has_value());
        CHECK(same(*net, *net4));
        CHECK(end->train.train_accuracy == last->train.train_accuracy);
        CHECK(end->train.train_loss == last->train.train_loss);
        CHECK(end->train.layers[0].atoms == last->train.layers[0].atoms);
        CHECK(end->validation->confusion == last->validation->confusion);
        CHECK(reports.front().epoch == stop_at / 3 + 1);
    }
    // A stopped epoch's state refuses fewer epochs than it reached.
    std::size_t seen = 0;
    training_observer stop_in_third;
    stop_in_third.batch_done = [&](std::size_t, std::size_t, double) { ++seen; };
    stop_in_third.stop_requested = [&] { return seen == 7; };
    auto net5 = make_network(options);
    trainer third(*net5, data, training, stop_in_third);
    third.run();
    std::stringstream third_state;
    third.save_state(third_state);
    auto shorter = training;
    shorter.epochs = 2;
    trainer too_short(*net5, data, shorter);
    CHECK_THROWS_WITH_AS(too_short.load_state(third_state), doctest::Contains("at epoch 3, beyond the 2 epochs"),
                         infomorph::error);
}

TEST_CASE("model files: a saved network loads back bit for bit; damaged files are refused by name") {
    const auto& d = mnist_data();
    const std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
    const std::vector<std::uint8_t> labels(d.train_labels.begin(), d.train_labels.begin() + 256);
    const auto images = rows(d.train_images, 0, 256);
    for (const auto kind : {network_kind::context_lateral, network_kind::context, network_kind::readout, network_kind::backprop}) {
        const network_options options{.kind = kind,
                                      .hidden = 20,
                                      .lateral_partners = 3,
                                      .binning = kind == network_kind::context ? binning::mode::fixed : binning::mode::standard,
                                      .seed = 9};
        auto net = make_network(options);
        for (int step = 0; step < 2; ++step) net->train_batch(images, labels);
        const std::string path = dir + "/infomorph_model_" + net->kind_name() + ".bin";
        save_model(path, *net);
        CHECK_FALSE(std::filesystem::exists(path + ".partial"));
        auto loaded = load_model(path);
        CHECK(loaded->options().kind == kind);
        CHECK(loaded->options().lateral_partners == 3);
        CHECK(loaded->options().binning == options.binning);
        const auto a = net->parameters(), b = loaded->parameters();
        REQUIRE(a.size() == b.size());
        for (std::size_t p = 0; p < a.size(); ++p) {
            CHECK(a[p].name == b[p].name);
            CHECK(std::memcmp(a[p].data, b[p].data, a[p].size() * sizeof(float)) == 0);
        }
        // Evaluation samples from a stream restarted at every call: the probabilities of a
        // batch depend on the model and the batch only, in the saving and the loading process.
        const auto x = rows(d.test_images, 0, 64);
        const xt::xtensor<float, 2> before = net->probabilities(x);
        CHECK(net->probabilities(x) == before);
        CHECK(loaded->probabilities(x) == before);
        std::remove(path.c_str());
    }

    const network_options options{.hidden = 8, .seed = 2};
    auto net = make_network(options);
    const std::string path = dir + "/infomorph_model_damaged.bin";
    save_model(path, *net);
    std::string bytes;
    {
        std::ifstream in(path, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto write = [&](const std::string& content) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << content;
    };
    auto error = [&] {
        try {
            load_model(path);
        } catch (const infomorph::error& e) {
            return std::string(e.what());
        }
        return std::string("no exception");
    };
    write(bytes.substr(0, bytes.size() - 10));
    CHECK(error().find(path + ": truncated") != std::string::npos);
    write(bytes + "x");
    CHECK(error().find("trailing bytes") != std::string::npos);
    write("infomorph-model 4\n");
    CHECK(error().find("not an infomorph model file of format 1, 2 or 3 (found format '4')") != std::string::npos);
    std::string unknown_binning = bytes;
    unknown_binning.replace(unknown_binning.find("hidden_binning standard"), 23, "hidden_binning sloppy");
    write(unknown_binning);
    CHECK(error().find("no hidden binning named 'sloppy'") != std::string::npos);
    std::string other = bytes;
    other.replace(other.find("hidden 8"), 8, "hidden 9");
    write(other);
    CHECK(error().find("hidden.weight1: shape '2 8 784', but the header's sizes imply '2 9 784'") != std::string::npos);
    write("just text");
    CHECK(error().find(path + ": expected 'infomorph-model'") != std::string::npos);
    std::remove(path.c_str());
    CHECK(error().find("cannot open") != std::string::npos);
}

TEST_CASE("evaluation: accuracy and confusion matrix count every test image once") {
    const auto& d = mnist_data();
    data::labelled_images set;
    set.images = d.test_images;
    set.labels = d.test_labels;
    auto net = make_network(network_options{.kind = network_kind::readout, .seed = 1});
    const auto e = evaluate(*net, set, data::all_indices(set.labels.size()), 1024);
    std::size_t total = 0, diagonal = 0;
    for (std::size_t i = 0; i < 10; ++i)
        for (std::size_t j = 0; j < 10; ++j) {
            total += e.count(i, j);
            diagonal += i == j ? e.count(i, j) : 0;
        }
    CHECK(total == set.labels.size());
    CHECK(e.accuracy == doctest::Approx(static_cast<double>(diagonal) / static_cast<double>(total)));
}
