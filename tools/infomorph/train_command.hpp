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
#include <infomorph/goal/goal_file.hpp>
#include <infomorph/networks/diversity.hpp>
#include <infomorph/networks/model_file.hpp>
#include <infomorph/networks/make_network.hpp>
#include <infomorph/networks/memory_estimate.hpp>
#include <infomorph/networks/trainer.hpp>
#include <infomorph/networks/training_log.hpp>

#include "checkpoint.hpp"
#include "data_location.hpp"
#include "numbers.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <csignal>
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
    std::string goal_file;       // a goal file (goal/goal_file.hpp); excludes goal and gamma
    std::size_t epochs = 10, batch = 1024, limit = 0, test_every = 1;
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
    // What to do with an --out that holds a run (not settings of the run: not in config.json).
    bool overwrite = false;  // remove it and start again
    std::string resume;      // the directory of a run to continue
};

// Registers every setting as a flag; returns the options so that a config file can fill the
// ones not given on the command line.
inline std::vector<CLI::Option*> add_flags(CLI::App& cmd, settings& s, std::string& config) {
    std::vector<CLI::Option*> o;
    cmd.add_option("--config,-c", config, "JSON file with any of the settings below (flags override it)");
    o.push_back(cmd.add_option("--kind,--variant", s.kind,
                               "context, lateral, context_lateral (default), output_context, random_projection, readout, backprop"));
    o.push_back(cmd.add_option("--hidden", s.hidden, "hidden neurons (default 100)")->check(cli_numbers::whole_number(0, cli_numbers::max_size)));
    o.push_back(cmd.add_option("--partners", s.partners, "lateral partners per hidden neuron (0: all others)")->check(cli_numbers::whole_number(0, cli_numbers::max_size)));
    o.push_back(cmd.add_option("--hidden-binning", s.hidden_binning,
                               "standard (the authors' config: adaptive for bivariate, fixed for trivariate hidden layers), "
                               "adaptive, or fixed ([-20, 20]; the paper's bivariate figures)"));
    o.push_back(cmd.add_option("--goal", s.goal, "goal preset of the authors' configs, e.g. naive, opt_1_100_tpe"));
    o.push_back(cmd.add_option("--gamma", s.gamma, "explicit gamma vector, authors' atom order, H_res last")->delimiter(',')->check(cli_numbers::finite_number()));
    o.push_back(cmd.add_option("--goal-file", s.goal_file, "goal file (JSON, e.g. from infomorph-search best); not with --goal or --gamma"));
    o.push_back(cmd.add_option("--epochs", s.epochs, "epochs (default 10)")->check(cli_numbers::whole_number(1, cli_numbers::max_epochs)));
    o.push_back(cmd.add_option("--batch", s.batch, "batch size (default 1024)")->check(cli_numbers::whole_number(1, cli_numbers::max_size)));
    o.push_back(cmd.add_option("--test-every", s.test_every, "evaluate the test set every K epochs and after the last (default 1)")->check(cli_numbers::whole_number(1, cli_numbers::max_epochs)));
    o.push_back(cmd.add_option("--limit", s.limit, "use only the first N training images (0: all)")->check(cli_numbers::whole_number(0, cli_numbers::max_size)));
    o.push_back(cmd.add_option("--seed", s.seed, "seed of weights, split, shuffling and sampling")->check(cli_numbers::whole_number(0, cli_numbers::max_seed)));
    o.push_back(cmd.add_option("--threads", s.threads, "threads for the goal computations")->check(cli_numbers::whole_number(1, cli_numbers::max_threads)));
    o.push_back(cmd.add_option("--dataset", s.dataset, "mnist (default), fashion-mnist or cifar10"));
    o.push_back(cmd.add_option("--data-dir", s.data_dir, "dataset directory (default: $INFOMORPH_DATA_DIR/mnist, data/mnist or the installed MNIST; the Debian Fashion-MNIST)"));
    o.push_back(cmd.add_option("--out,-o", s.out, "output directory (default infomorph-run)"));
    o.push_back(cmd.add_option("--train-fraction", s.train_fraction, "training share of the training set (default 0.8)")->check(cli_numbers::finite_number()));
    o.push_back(cmd.add_flag("!--no-progress", s.progress, "no progress bar"));
    o.push_back(cmd.add_option("--lr-hidden", s.lr_hidden, "Adam learning rate of the hidden layer (default 0.002)")->check(cli_numbers::finite_number()));
    o.push_back(cmd.add_option("--weight-decay-hidden", s.weight_decay_hidden, "Adam weight decay of the hidden layer (default 3.5e-4)")->check(cli_numbers::finite_number()));
    o.push_back(cmd.add_option("--lr-output", s.lr_output, "Adam learning rate of the output layer (default 0.003)")->check(cli_numbers::finite_number()));
    o.push_back(cmd.add_option("--weight-decay-output", s.weight_decay_output, "Adam weight decay of the output layer (default 1.5e-4)")->check(cli_numbers::finite_number()));
    o.push_back(cmd.add_option("--lr-backprop", s.lr_backprop, "Adam learning rate of the backprop baseline (default 0.001)")->check(cli_numbers::finite_number()));
    cmd.add_flag("--overwrite", s.overwrite, "start again in an --out that holds a run (removes its files)");
    cmd.add_option("--resume", s.resume, "continue the run in this directory from its last checkpoint, with its settings "
                                         "(only --epochs, raised, and --threads may change)");
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
        throw std::runtime_error(path + ": not valid JSON (" + infomorph::detail::quote(e.what()) + ")");
    }
    if (!j.is_object()) throw std::runtime_error(path + ": expected a JSON object of settings");
    const std::map<std::string, std::function<void(const json&)>> setters{
        {"kind", [&](const json& v) { s.kind = v.get<std::string>(); }},
        {"variant", [&](const json& v) { s.kind = v.get<std::string>(); }},  // the name before 0.2
        {"hidden", [&](const json& v) { s.hidden = cli_numbers::whole_number(v, 0, cli_numbers::max_size); }},
        {"partners", [&](const json& v) { s.partners = cli_numbers::whole_number(v, 0, cli_numbers::max_size); }},
        {"hidden-binning", [&](const json& v) { s.hidden_binning = v.get<std::string>(); }},
        {"goal", [&](const json& v) { s.goal = v.get<std::string>(); }},
        {"gamma", [&](const json& v) { s.gamma = v.get<std::vector<double>>(); }},
        {"goal-file", [&](const json& v) { s.goal_file = v.get<std::string>(); }},
        {"epochs", [&](const json& v) { s.epochs = cli_numbers::whole_number(v, 1, cli_numbers::max_epochs); }},
        {"batch", [&](const json& v) { s.batch = cli_numbers::whole_number(v, 1, cli_numbers::max_size); }},
        {"limit", [&](const json& v) { s.limit = cli_numbers::whole_number(v, 0, cli_numbers::max_size); }},
        {"test-every", [&](const json& v) { s.test_every = cli_numbers::whole_number(v, 1, cli_numbers::max_epochs); }},
        {"seed", [&](const json& v) { s.seed = cli_numbers::whole_number(v, 0, cli_numbers::max_seed); }},
        {"threads", [&](const json& v) { s.threads = cli_numbers::whole_number(v, 1, cli_numbers::max_threads); }},
        {"dataset", [&](const json& v) { s.dataset = v.get<std::string>(); }},
        {"data-dir", [&](const json& v) { s.data_dir = v.get<std::string>(); }},
        {"out", [&](const json& v) { s.out = v.get<std::string>(); }},
        {"train-fraction", [&](const json& v) { s.train_fraction = cli_numbers::finite_number(v); }},
        {"progress", [&](const json& v) { s.progress = v.get<bool>(); }},
        {"lr-hidden", [&](const json& v) { s.lr_hidden = cli_numbers::finite_number(v); }},
        {"weight-decay-hidden", [&](const json& v) { s.weight_decay_hidden = cli_numbers::finite_number(v); }},
        {"lr-output", [&](const json& v) { s.lr_output = cli_numbers::finite_number(v); }},
        {"weight-decay-output", [&](const json& v) { s.weight_decay_output = cli_numbers::finite_number(v); }},
        {"lr-backprop", [&](const json& v) { s.lr_backprop = cli_numbers::finite_number(v); }},
    };
    for (const auto& [key, value] : j.items()) {
        std::string flag = key;
        for (auto& c : flag)
            if (c == '_') c = '-';
        const auto setter = setters.find(flag);
        if (setter == setters.end()) throw std::runtime_error(path + ": unknown setting " + infomorph::detail::quote(key));
        bool on_command_line = false;
        for (const auto* f : flags)
            on_command_line |= f->count() > 0 && (f->check_lname(flag) || (flag == "progress" && f->check_lname("no-progress")));
        if (on_command_line) continue;  // the command line wins
        try {
            setter->second(value);
        } catch (const json::exception&) {
            throw std::runtime_error(path + ": setting " + infomorph::detail::quote(key) + " has a value of the wrong type: " +
                                     infomorph::detail::quote(value.dump()));
        } catch (const infomorph::error& e) {
            throw std::runtime_error(path + ": setting " + infomorph::detail::quote(key) + " " + e.what());
        }
    }
}

// The settings a run may change when it is resumed: none of its results depend on them.
inline bool resumable_flag(const CLI::Option& f) {
    for (const char* name : {"epochs", "threads", "data-dir", "no-progress", "out"})
        if (f.check_lname(name)) return true;
    return false;
}

// Fills the settings from --config, or for --resume DIR from DIR/config.json, refusing flags
// that would change the run being resumed.
inline void configure(settings& s, const std::string& config, const std::vector<CLI::Option*>& flags) {
    if (s.resume.empty()) {
        if (!config.empty()) apply_config(config, s, flags);
        return;
    }
    if (s.overwrite) throw infomorph::error("--resume and --overwrite exclude each other");
    if (!config.empty()) throw infomorph::error("--config: --resume continues the run with its own settings");
    for (const auto* f : flags)
        if (f->count() > 0 && !resumable_flag(*f))
            throw infomorph::error(f->get_name() + ": --resume continues the run in " + s.resume +
                                   " with its own settings (only --epochs and --threads may change)");
    for (const auto* f : flags)
        if (f->count() > 0 && f->check_lname("out") && s.out != s.resume)
            throw infomorph::error("--out: --resume continues the run in its own directory, " + s.resume);
    const auto file = std::filesystem::path(s.resume) / "config.json";
    if (!std::filesystem::exists(file)) throw infomorph::error(s.resume + ": no run to resume (no config.json)");
    apply_config(file.string(), s, flags);  // the flags given win, as with --config
    s.out = s.resume;
}

inline json to_json(const settings& s) {
    return {{"kind", s.kind}, {"hidden", s.hidden},   {"partners", s.partners},     {"hidden_binning", s.hidden_binning}, {"goal", s.goal},
            {"gamma", s.gamma},     {"goal_file", s.goal_file},     {"epochs", s.epochs},   {"batch", s.batch},           {"limit", s.limit},
            {"test_every", s.test_every},
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
        throw infomorph::error("--dataset: unknown dataset " + infomorph::detail::quote(dataset) + " (mnist, fashion-mnist or cifar10)");
    }
    return out;
}

inline infomorph::training_options training_options_of(const settings& s) {
    return {.epochs = s.epochs, .batch = s.batch, .train_fraction = s.train_fraction, .limit = s.limit, .seed = s.seed,
            .test_every = s.test_every};
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
    if (!s.goal_file.empty()) {
        // One source of the goal only: a file next to a flag would silently lose one of them.
        if (!s.gamma.empty() || !s.goal.empty()) throw infomorph::error("--goal-file: not together with --goal or --gamma");
        o.hidden_goal = infomorph::read_goal_file(s.goal_file);
    }
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

// The files of a run in its output directory (the lock file .lock aside).
inline const std::vector<std::string>& run_files() {
    static const std::vector<std::string> files{"config.json", "log.jsonl", "timing.jsonl", "checkpoint.bin", "goal.json", "model.bin", "confusion.csv"};
    return files;
}

// Refuses an output directory that holds a run: a new run must not mix its files with it.
inline void refuse_existing_run(const std::string& out) {
    for (const auto& f : run_files())
        if (std::filesystem::exists(std::filesystem::path(out) / f))
            throw infomorph::error(out + ": holds a run (" + f + "); give --overwrite to start again or --resume " + out +
                                   " to continue it");
}

// Removes the temporary files of killed runs and, with `files` (--overwrite), the old run's
// files: only ours, other files stay. Called under the directory's lock, so no live run
// owns any of them.
inline void remove_run(const std::filesystem::path& out, bool files) {
    namespace fs = std::filesystem;
    for (const auto& entry : fs::directory_iterator(out)) {
        const std::string name = entry.path().filename().string();
        for (const auto& f : run_files())
            if ((files && name == f) || (entry.is_regular_file() && infomorph::detail::is_temporary_of(name, f)))
                fs::remove(entry.path());
    }
}

// SIGINT and SIGTERM ask the run to stop at the next batch boundary (see run()).
inline volatile std::sig_atomic_t stop_signal = 0;
inline void on_stop_signal(int signal) { stop_signal = signal; }

// Where a trainer stands, for messages: "after epoch 3" or "at batch 12 of epoch 4".
inline std::string position(const infomorph::trainer& t) {
    if (t.batches_done() > 0)
        return "at batch " + std::to_string(t.batches_done()) + " of epoch " + std::to_string(t.epochs_done() + 1);
    return "after epoch " + std::to_string(t.epochs_done());
}

inline std::string resumed_at(const infomorph::trainer& t) {
    return t.epochs_done() + t.batches_done() > 0 ? ", resumed " + position(t) : "";
}

inline void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

// The settings a checkpoint must share with the run resuming it (all but those a resumed
// run may change).
inline json run_defining(json settings) {
    for (const char* key : {"epochs", "threads", "data_dir", "out"}) settings.erase(key);
    return settings;
}

// Where a run starts: at epoch 0 with empty logs, or at its checkpoint.
struct starting_point {
    std::size_t epochs = 0;
    infomorph::log_position log;
};

// Claims the (locked) output directory once everything is checked: removes killed runs'
// temporaries, then refuses what is there, clears it (--overwrite) or restores the trainer and
// the network from its checkpoint (--resume).
inline starting_point claim_directory(const settings& s, infomorph::trainer& trainer, infomorph::network& net) {
    const std::filesystem::path out = s.out, file = out / "checkpoint.bin";
    remove_run(out, false);
    starting_point start;
    if (!s.resume.empty()) {
        if (!std::filesystem::exists(file)) return start;  // killed before its first checkpoint
        const auto c = load_checkpoint(file, trainer, net);
        if (run_defining(c.settings) != run_defining(to_json(s)))
            throw infomorph::error(file.string() + ": its settings differ from " + (out / "config.json").string());
        return {c.epoch, c.log};
    }
    if (s.overwrite) remove_run(out, true);
    else refuse_existing_run(s.out);  // again under the lock: a run may have started meanwhile
    return start;
}

// Refuses sizes whose network and training would not fit in the machine's available memory
// (plus `held`, the bytes of data already loaded, which the estimate counts again).
inline void check_memory(const settings& s, const infomorph::network_options& o, std::size_t images, double held) {
    const auto need = infomorph::estimate_memory(o, s.batch, images);
    infomorph::check_available(need.total(),
                               "--hidden " + std::to_string(s.hidden) + ", --batch " + std::to_string(s.batch) +
                                   ": the network and its training",
                               held,
                               " (parameters " + infomorph::format_bytes(need.parameters) + ", batch buffers " +
                                   infomorph::format_bytes(need.batch) + ", images " + infomorph::format_bytes(need.data) + ")");
}

inline int run(settings s) {
    namespace fs = std::filesystem;
    const auto training = training_options_of(s);
    infomorph::validate(training);
    // Everything is checked and loaded before the output directory is touched.
    if (s.resume.empty() && !s.overwrite) refuse_existing_run(s.out);
    check_memory(s, network_options_of(s, 784), 0, 0);  // before reading the data: sizes that cannot fit at all
    auto raw = load(s.dataset, s.data_dir);
    const auto data = infomorph::prepare(std::move(raw.train), std::move(raw.test), training);
    const auto options = network_options_of(s, data.train.images.shape()[1]);
    const std::size_t images = data.train.images.shape()[0] + data.test.images.shape()[0];
    check_memory(s, options, images, static_cast<double>(images * data.train.images.shape()[1] * sizeof(float)));
    auto net = infomorph::make_network(options);

    // The goal the hidden layer trains with, written as goal.json (none for kinds without one).
    const auto trained_goal = options.hidden_goal.empty() ? infomorph::default_hidden_goal(options.kind) : options.hidden_goal;
    // Neuron diversity per epoch, against the weights the hidden layer starts from: taken before
    // a resumed run loads its checkpoint (the network is built from the same seed).
    const auto initial_weights = infomorph::hidden_feedforward_weights(*net);
    const auto diversity_json = [&] {
        json extra = json::object();
        if (initial_weights) {
            const auto d = infomorph::diversity(*infomorph::hidden_feedforward_weights(*net), *initial_weights);
            extra["diversity"] = {{"hidden", {{"self", d.self}, {"pairwise", d.pairwise}}}};
        }
        return extra;
    };

    progress_bar bar(s.progress);
    infomorph::training_observer observer;
    observer.epoch_started = [&](std::size_t epoch, std::size_t epochs) { bar.start(epoch, epochs); };
    observer.batch_done = [&](std::size_t b, std::size_t n, double acc) {
        bar(b, n, acc, std::min(b * s.batch, data.split.train.size()));
    };
    observer.stop_requested = [] { return stop_signal != 0; };
    observer.epoch_done = [&](const infomorph::epoch_report& r) {
        bar.finish();
        char test[32] = "test skipped";
        if (r.test) std::snprintf(test, sizeof test, "test %.4f", r.test->accuracy);
        std::fprintf(stderr, "epoch %zu/%zu: %.2f s, train %.4f, validation %.4f, %s; evaluation %.2f s\n", r.epoch, r.epochs,
                     r.seconds, r.train.train_accuracy, r.validation ? r.validation->accuracy : 0.0, test, r.evaluation_seconds);
    };
    infomorph::trainer trainer(*net, data, training, observer);

    const fs::path out = s.out;
    fs::create_directories(s.out);
    const infomorph::detail::directory_lock lock(out);  // held until the run ends
    const auto start = claim_directory(s, trainer, *net);
    std::size_t saved = start.epochs;  // epochs in the checkpoint on disk
    if (trainer.finished()) {  // the model is written before the last checkpoint
        if (!fs::exists(out / "model.bin"))
            throw infomorph::error(s.out + ": the checkpoint is of the finished run, but model.bin is missing");
        std::fprintf(stderr, "%s: the run is complete after %zu epochs (raise --epochs to train on)\n", s.out.c_str(), saved);
        return 0;
    }
    infomorph::detail::write_atomically(out / "config.json", [&](std::ofstream& f) { f << to_json(s).dump(2) << "\n"; });
    infomorph::training_log log((out / "log.jsonl").string(), (out / "timing.jsonl").string(), start.log);
    if (!trained_goal.empty())
        infomorph::write_goal_file(out / "goal.json", trained_goal, net->kind_name(), {{"command", "infomorph train"}, {"config", "config.json"}});

    const std::string hidden = options.kind == infomorph::network_kind::readout ? "no hidden layer" : std::to_string(s.hidden) + " hidden neurons";
    std::fprintf(stderr, "%s on %s: %zu training, %zu validation, %zu test images; %s%s\n", net->kind_name().c_str(),
                 s.dataset.c_str(), data.split.train.size(), data.split.validation.size(), data.test.labels.size(), hidden.c_str(),
                 resumed_at(trainer).c_str());
    // Each epoch: its log lines, on the last the model, then the checkpoint. A run killed at
    // any point resumes from the last checkpoint and cuts the logs back to its lengths.
    install_stop_handlers();
    std::optional<infomorph::epoch_report> last;
    while (!trainer.finished()) {
        last = trainer.run_epoch();
        if (last) {
            log(*last, diversity_json());
            if (trainer.finished()) {
                infomorph::save_model(out / "model.bin", *net);
                write_confusion(out / "confusion.csv", *last->test);
            }
        }
        save_checkpoint(out / "checkpoint.bin", to_json(s), log.position(), trainer, *net);
        if (stop_signal != 0 && !trainer.finished()) {
            bar.finish();
            std::fprintf(stderr, "%s: stopped %s and wrote its checkpoint; continue with: infomorph train --resume %s\n",
                         stop_signal == SIGTERM ? "SIGTERM" : "SIGINT", position(trainer).c_str(), s.out.c_str());
            return 130;
        }
    }

    std::printf("test accuracy %.4f after %zu epochs (%s, %s, seed %llu)\n", last->test->accuracy, s.epochs,
                net->kind_name().c_str(), hidden.c_str(), static_cast<unsigned long long>(s.seed));
    for (const auto& l : last->train.layers) {
        std::printf("%s layer: mean goal %.4f, I(T;S) %.4f bits, H_res %.4f bits; atoms (bits):\n", l.layer.c_str(), l.goal,
                    l.mi, l.h_res);
        for (std::size_t a = 0; a < l.atoms.size(); ++a) std::printf("  %-14s %+.5f\n", l.atom_names[a].c_str(), l.atoms[a] + 0.0);  // + 0.0: no -0
    }
    print_confusion(*last->test);
    std::printf("wrote %s/{config.json, %slog.jsonl, timing.jsonl, checkpoint.bin, model.bin, confusion.csv}\n", s.out.c_str(),
                trained_goal.empty() ? "" : "goal.json, ");
    return 0;
}

}  // namespace train_cli
