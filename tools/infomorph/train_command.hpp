#pragma once
// `infomorph train`: trains any network kind of the paper on MNIST, Fashion-MNIST or CIFAR-10 as the
// authors do (80/20 train/validation split by seed, training-set normalisation, batches of
// 1024, shuffled each epoch), with a progress bar, a JSON-lines log per epoch, the final
// model and the test confusion matrix in the output directory. Settings come from a JSON
// config file and/or flags (flags win). Included once, by main.cpp: one heavy translation unit.

#include <infomorph/data/cifar.hpp>
#include <infomorph/data/dataset.hpp>
#include <infomorph/data/fashion_mnist.hpp>
#include <infomorph/data/idx.hpp>
#include <infomorph/networks/model_file.hpp>
#include <infomorph/networks/make_network.hpp>
#include <infomorph/networks/trainer.hpp>
#include <infomorph/networks/training_log.hpp>

#include "data_location.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace train_cli {

using json = nlohmann::ordered_json;

struct settings {
    std::string kind = "context_lateral";
    std::size_t hidden = 100, partners = 0;
    std::string hidden_binning = "standard";
    std::string goal;            // preset name; empty: the kind's default
    std::vector<double> gamma;   // explicit gamma in the authors' order (wins over goal)
    std::size_t epochs = 10, batch = 1024, limit = 0;
    std::uint64_t seed = 1;
    std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
    std::string dataset = "mnist", data_dir, out = "infomorph-run";
    double train_fraction = 0.8;
    bool progress = true;
    // Adam settings; the defaults are the paper's (network_options).
    double lr_hidden = infomorph::network_options{}.hidden_optimizer.lr;
    double weight_decay_hidden = infomorph::network_options{}.hidden_optimizer.weight_decay;
    double lr_output = infomorph::network_options{}.output_optimizer.lr;
    double weight_decay_output = infomorph::network_options{}.output_optimizer.weight_decay;
    double lr_backprop = infomorph::network_options{}.backprop_optimizer.lr;
};

// Registers every setting as a flag; returns the options so that a config file can fill the
// ones not given on the command line.
inline std::vector<CLI::Option*> add_flags(CLI::App& cmd, settings& s, std::string& config) {
    std::vector<CLI::Option*> o;
    cmd.add_option("--config,-c", config, "JSON file with any of the settings below (flags override it)");
    o.push_back(cmd.add_option("--kind,--variant", s.kind,
                               "context, lateral, context_lateral (default), output_context, random_projection, readout, backprop"));
    o.push_back(cmd.add_option("--hidden", s.hidden, "hidden neurons (default 100)"));
    o.push_back(cmd.add_option("--partners", s.partners, "lateral partners per hidden neuron (0: all others)"));
    o.push_back(cmd.add_option("--hidden-binning", s.hidden_binning,
                               "standard (the authors' config: adaptive for bivariate, fixed for trivariate hidden layers), "
                               "adaptive, or fixed ([-20, 20]; the paper's bivariate figures)"));
    o.push_back(cmd.add_option("--goal", s.goal, "goal preset of the authors' configs, e.g. naive, opt_1_100_tpe"));
    o.push_back(cmd.add_option("--gamma", s.gamma, "explicit gamma vector, authors' atom order, H_res last")->delimiter(','));
    o.push_back(cmd.add_option("--epochs", s.epochs, "epochs (default 10)"));
    o.push_back(cmd.add_option("--batch", s.batch, "batch size (default 1024)"));
    o.push_back(cmd.add_option("--limit", s.limit, "use only the first N training images (0: all)"));
    o.push_back(cmd.add_option("--seed", s.seed, "seed of weights, split, shuffling and sampling"));
    o.push_back(cmd.add_option("--threads", s.threads, "threads for the goal computations"));
    o.push_back(cmd.add_option("--dataset", s.dataset, "mnist (default), fashion-mnist or cifar10"));
    o.push_back(cmd.add_option("--data-dir", s.data_dir, "dataset directory (default: $INFOMORPH_DATA_DIR/mnist, data/mnist or the installed MNIST; the Debian Fashion-MNIST)"));
    o.push_back(cmd.add_option("--out,-o", s.out, "output directory (default infomorph-run)"));
    o.push_back(cmd.add_option("--train-fraction", s.train_fraction, "training share of the training set (default 0.8)"));
    o.push_back(cmd.add_flag("!--no-progress", s.progress, "no progress bar"));
    o.push_back(cmd.add_option("--lr-hidden", s.lr_hidden, "Adam learning rate of the hidden layer (default 0.002)"));
    o.push_back(cmd.add_option("--weight-decay-hidden", s.weight_decay_hidden, "Adam weight decay of the hidden layer (default 3.5e-4)"));
    o.push_back(cmd.add_option("--lr-output", s.lr_output, "Adam learning rate of the output layer (default 0.003)"));
    o.push_back(cmd.add_option("--weight-decay-output", s.weight_decay_output, "Adam weight decay of the output layer (default 1.5e-4)"));
    o.push_back(cmd.add_option("--lr-backprop", s.lr_backprop, "Adam learning rate of the backprop baseline (default 0.001)"));
    return o;
}

// Config keys are the flag names without dashes ("data-dir" or "data_dir").
inline void apply_config(const std::string& path, settings& s, const std::vector<CLI::Option*>& flags) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception& e) {  // also out_of_range: a number beyond a double, e.g. 8e777
        throw std::runtime_error(path + ": not valid JSON (" + std::string(e.what()) + ")");
    }
    if (!j.is_object()) throw std::runtime_error(path + ": expected a JSON object of settings");
    const std::map<std::string, std::function<void(const json&)>> setters{
        {"kind", [&](const json& v) { s.kind = v.get<std::string>(); }},
        {"variant", [&](const json& v) { s.kind = v.get<std::string>(); }},  // the name before 0.2
        {"hidden", [&](const json& v) { s.hidden = v.get<std::size_t>(); }},
        {"partners", [&](const json& v) { s.partners = v.get<std::size_t>(); }},
        {"hidden-binning", [&](const json& v) { s.hidden_binning = v.get<std::string>(); }},
        {"goal", [&](const json& v) { s.goal = v.get<std::string>(); }},
        {"gamma", [&](const json& v) { s.gamma = v.get<std::vector<double>>(); }},
        {"epochs", [&](const json& v) { s.epochs = v.get<std::size_t>(); }},
        {"batch", [&](const json& v) { s.batch = v.get<std::size_t>(); }},
        {"limit", [&](const json& v) { s.limit = v.get<std::size_t>(); }},
        {"seed", [&](const json& v) { s.seed = v.get<std::uint64_t>(); }},
        {"threads", [&](const json& v) { s.threads = v.get<std::size_t>(); }},
        {"dataset", [&](const json& v) { s.dataset = v.get<std::string>(); }},
        {"data-dir", [&](const json& v) { s.data_dir = v.get<std::string>(); }},
        {"out", [&](const json& v) { s.out = v.get<std::string>(); }},
        {"train-fraction", [&](const json& v) { s.train_fraction = v.get<double>(); }},
        {"progress", [&](const json& v) { s.progress = v.get<bool>(); }},
        {"lr-hidden", [&](const json& v) { s.lr_hidden = v.get<double>(); }},
        {"weight-decay-hidden", [&](const json& v) { s.weight_decay_hidden = v.get<double>(); }},
        {"lr-output", [&](const json& v) { s.lr_output = v.get<double>(); }},
        {"weight-decay-output", [&](const json& v) { s.weight_decay_output = v.get<double>(); }},
        {"lr-backprop", [&](const json& v) { s.lr_backprop = v.get<double>(); }},
    };
    for (const auto& [key, value] : j.items()) {
        std::string flag = key;
        for (auto& c : flag)
            if (c == '_') c = '-';
        const auto setter = setters.find(flag);
        if (setter == setters.end()) throw std::runtime_error(path + ": unknown setting '" + key + "'");
        bool on_command_line = false;
        for (const auto* f : flags)
            on_command_line |= f->count() > 0 && (f->check_lname(flag) || (flag == "progress" && f->check_lname("no-progress")));
        if (on_command_line) continue;  // the command line wins
        // A fraction or a number beyond 2^64 (parsed as a double) for a whole-number setting
        // would be truncated or converted with undefined behaviour: refuse it.
        const bool whole = flag == "hidden" || flag == "partners" || flag == "epochs" || flag == "batch" || flag == "limit" ||
                           flag == "seed" || flag == "threads";
        if (whole && value.is_number_float())
            throw std::runtime_error(path + ": setting '" + key + "' must be a whole number, got " + value.dump());
        // Negative numbers would wrap around in unsigned settings: refuse them.
        if (value.is_number_integer() && value.get<long long>() < 0 && flag != "train-fraction")
            throw std::runtime_error(path + ": setting '" + key + "' must not be negative");
        try {
            setter->second(value);
        } catch (const json::exception&) {
            throw std::runtime_error(path + ": setting '" + key + "' has a value of the wrong type: " + value.dump());
        }
    }
}

inline json to_json(const settings& s) {
    return {{"kind", s.kind}, {"hidden", s.hidden},   {"partners", s.partners},     {"hidden_binning", s.hidden_binning}, {"goal", s.goal},
            {"gamma", s.gamma},     {"epochs", s.epochs},   {"batch", s.batch},           {"limit", s.limit},
            {"seed", s.seed},       {"threads", s.threads}, {"dataset", s.dataset},       {"data_dir", s.data_dir},
            {"out", s.out},         {"train_fraction", s.train_fraction},
            {"lr_hidden", s.lr_hidden}, {"weight_decay_hidden", s.weight_decay_hidden}, {"lr_output", s.lr_output},
            {"weight_decay_output", s.weight_decay_output}, {"lr_backprop", s.lr_backprop}};
}

struct datasets {
    infomorph::data::labelled_images train, test;
};

// The training and test images of a dataset by name; fills in the default directory.
inline datasets load(const std::string& dataset, std::string& data_dir) {
    namespace d = infomorph::data;
    datasets out;
    if (dataset == "mnist") {
        if (data_dir.empty()) data_dir = find_mnist_dir();
        out.train = d::read_idx_pair(data_dir + "/train-images-idx3-ubyte.gz", data_dir + "/train-labels-idx1-ubyte.gz");
        out.test = d::read_idx_pair(data_dir + "/t10k-images-idx3-ubyte.gz", data_dir + "/t10k-labels-idx1-ubyte.gz");
    } else if (dataset == "fashion-mnist") {
        if (data_dir.empty()) data_dir = d::fashion_mnist_debian_dir;
        out.train = d::read_fashion_mnist(data_dir, true);
        out.test = d::read_fashion_mnist(data_dir, false);
    } else if (dataset == "cifar10") {
        if (data_dir.empty()) throw infomorph::error("--dataset cifar10 needs --data-dir (the directory of data_batch_1.bin ...)");
        out.train = d::read_cifar10(data_dir, true);
        out.test = d::read_cifar10(data_dir, false);
    } else {
        throw infomorph::error("--dataset: unknown dataset '" + dataset + "' (mnist, fashion-mnist or cifar10)");
    }
    return out;
}

inline infomorph::training_options training_options_of(const settings& s) {
    return {.epochs = s.epochs, .batch = s.batch, .train_fraction = s.train_fraction, .limit = s.limit, .seed = s.seed};
}

inline infomorph::network_options network_options_of(const settings& s, std::size_t inputs) {
    infomorph::network_options o;
    o.kind = infomorph::network_kind_from_name(s.kind);
    o.inputs = inputs;
    o.classes = 10;
    o.hidden = s.hidden;
    o.lateral_partners = s.partners;
    o.binning = infomorph::binning::mode_from_name(s.hidden_binning);
    o.hidden_optimizer.lr = s.lr_hidden;
    o.hidden_optimizer.weight_decay = s.weight_decay_hidden;
    o.output_optimizer.lr = s.lr_output;
    o.output_optimizer.weight_decay = s.weight_decay_output;
    o.backprop_optimizer.lr = s.lr_backprop;
    o.seed = s.seed;
    o.threads = s.threads;
    if (!s.gamma.empty()) {
        try {
            o.hidden_goal = infomorph::dynamic_goal::from_authors_order(s.gamma);
        } catch (const infomorph::error& e) {
            throw infomorph::error(std::string("--gamma: ") + e.what());
        }
    }
    if (s.gamma.empty() && !s.goal.empty()) o.hidden_goal = infomorph::preset(o.kind, s.goal);
    return o;
}

class progress_bar {
public:
    explicit progress_bar(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}
    void start(std::size_t epoch, std::size_t epochs) {
        epoch_ = epoch;
        epochs_ = epochs;
        start_ = std::chrono::steady_clock::now();
    }
    void operator()(std::size_t batch, std::size_t batches, double accuracy, std::size_t images) const {
        if (!enabled_) return;
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        const std::size_t width = 30, done = batch * width / batches;
        std::fprintf(stderr, "\repoch %zu/%zu [%s%s] %zu/%zu  acc %.3f  %.0f img/s ", epoch_, epochs_,
                     std::string(done, '#').c_str(), std::string(width - done, '.').c_str(), batch, batches, accuracy,
                     seconds > 0 ? static_cast<double>(images) / seconds : 0.0);
        std::fflush(stderr);
    }
    void finish() const {
        if (enabled_) std::fprintf(stderr, "\r%80s\r", "");
    }

private:
    bool enabled_;
    std::size_t epoch_ = 0, epochs_ = 0;
    std::chrono::steady_clock::time_point start_;
};

// The confusion matrix as CSV: rows true classes, columns predicted classes.
inline void write_confusion(const std::filesystem::path& path, const infomorph::evaluation_result& e) {
    infomorph::detail::write_atomically(path, [&](std::ofstream& f) {
        f << "true\\predicted";
        for (std::size_t j = 0; j < e.classes; ++j) f << "," << j;
        f << "\n";
        for (std::size_t i = 0; i < e.classes; ++i) {
            f << i;
            for (std::size_t j = 0; j < e.classes; ++j) f << "," << e.count(i, j);
            f << "\n";
        }
    });
}

inline void print_confusion(const infomorph::evaluation_result& e) {
    std::printf("confusion matrix (rows: true class, columns: predicted):\n");
    for (std::size_t i = 0; i < e.classes; ++i) {
        for (std::size_t j = 0; j < e.classes; ++j) std::printf("%6zu", e.count(i, j));
        std::printf("\n");
    }
}

inline int run(settings s) {
    namespace fs = std::filesystem;
    const auto training = training_options_of(s);
    infomorph::validate(training);
    auto raw = load(s.dataset, s.data_dir);
    const auto data = infomorph::prepare(std::move(raw.train), std::move(raw.test), training);
    const auto options = network_options_of(s, data.train.images.shape()[1]);
    auto net = infomorph::make_network(options);

    fs::create_directories(s.out);
    const fs::path out = s.out;
    infomorph::detail::write_atomically(out / "config.json", [&](std::ofstream& f) { f << to_json(s).dump(2) << "\n"; });
    infomorph::training_log log((out / "log.jsonl").string());

    progress_bar bar(s.progress);
    const std::string hidden = options.kind == infomorph::network_kind::readout ? "no hidden layer" : std::to_string(s.hidden) + " hidden neurons";
    std::fprintf(stderr, "%s on %s: %zu training, %zu validation, %zu test images; %s\n", net->kind_name().c_str(),
                 s.dataset.c_str(), data.split.train.size(), data.split.validation.size(), data.test.labels.size(), hidden.c_str());
    infomorph::training_observer observer;
    observer.epoch_started = [&](std::size_t epoch, std::size_t epochs) { bar.start(epoch, epochs); };
    observer.batch_done = [&](std::size_t b, std::size_t n, double acc) {
        bar(b, n, acc, std::min(b * s.batch, data.split.train.size()));
    };
    observer.epoch_done = [&](const infomorph::epoch_report& r) {
        bar.finish();
        log(r);
        std::fprintf(stderr, "epoch %zu/%zu: %.2f s, train %.4f, validation %.4f, test %.4f\n", r.epoch, r.epochs, r.seconds,
                     r.train.train_accuracy, r.validation ? r.validation->accuracy : 0.0, r.test.accuracy);
    };
    const auto last = infomorph::trainer(*net, data, training, observer).run();
    infomorph::save_model(out / "model.bin", *net);
    write_confusion(out / "confusion.csv", last.test);

    std::printf("test accuracy %.4f after %zu epochs (%s, %s, seed %llu)\n", last.test.accuracy, s.epochs,
                net->kind_name().c_str(), hidden.c_str(), static_cast<unsigned long long>(s.seed));
    for (const auto& l : last.train.layers) {
        std::printf("%s layer: mean goal %.4f, I(T;S) %.4f bits, H_res %.4f bits; atoms (bits):\n", l.layer.c_str(), l.goal,
                    l.mi, l.h_res);
        for (std::size_t a = 0; a < l.atoms.size(); ++a) std::printf("  %-14s %+.5f\n", l.atom_names[a].c_str(), l.atoms[a]);
    }
    print_confusion(last.test);
    std::printf("wrote %s/{config.json, log.jsonl, model.bin, confusion.csv}\n", s.out.c_str());
    return 0;
}

}  // namespace train_cli
