#pragma once
// `infomorph evaluate MODEL` and `infomorph predict MODEL IMAGES`: a saved model on a test set
// or on the images of an IDX file. Images are normalised as in training, by the mean and sd of
// the training images of the model's dataset; the dataset, its directory, the batch size (the
// inversion rule reads each batch's mean) and the training limit default to the config.json
// that `infomorph train` wrote beside the model, so a model just trained evaluates to the test
// accuracy its log ends with.

#include <infomorph/data/idx.hpp>
#include <infomorph/networks/memory_estimate.hpp>
#include <infomorph/networks/model_file.hpp>
#include <infomorph/networks/trainer.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "train_command.hpp"

namespace evaluate_cli {

using json = nlohmann::ordered_json;

struct settings {
    std::string model, images;
    std::string dataset, data_dir;
    std::size_t batch = 0, limit = 0;
    bool json = false, csv = false;
};

inline void add_common_flags(CLI::App& cmd, settings& s) {
    cmd.add_option("model", s.model, "model file written by infomorph train (model.bin)")->required();
    cmd.add_option("--dataset", s.dataset, "mnist, fashion-mnist or cifar10 (default: the run's config.json, else mnist)");
    cmd.add_option("--data-dir", s.data_dir, "dataset directory (default: the run's config.json, else the dataset's default)");
    cmd.add_option("--batch", s.batch, "batch size of the evaluation (default: the run's config.json, else 1024)")
        ->check(cli_numbers::whole_number(1, cli_numbers::max_size));
    cmd.add_option("--limit", s.limit, "training images the normalisation used (default: the run's config.json, else all)")
        ->check(cli_numbers::whole_number(0, cli_numbers::max_size));
}

// Fills the settings not given on the command line from the run's config.json, if any.
inline void complete(settings& s) {
    const auto config = std::filesystem::path(s.model).parent_path() / "config.json";
    json c = json::object();
    if (std::filesystem::exists(config)) {
        std::ifstream in(config);
        try {
            c = json::parse(in);
        } catch (const json::exception& e) {
            throw infomorph::error(config.string() + ": not valid JSON (" + e.what() + ")");
        }
    }
    const auto text = [&](const char* key) { return c.contains(key) && c[key].is_string() ? c[key].get<std::string>() : ""; };
    const auto number = [&](const char* key) { return c.contains(key) && c[key].is_number_unsigned() ? c[key].get<std::size_t>() : 0; };
    const bool same_dataset = s.dataset.empty() || s.dataset == text("dataset");
    if (s.dataset.empty()) s.dataset = text("dataset").empty() ? "mnist" : text("dataset");
    if (s.data_dir.empty() && same_dataset) s.data_dir = text("data_dir");
    if (s.batch == 0) s.batch = number("batch") > 0 ? number("batch") : 1024;
    if (s.limit == 0 && same_dataset) s.limit = number("limit");
}

struct prepared {
    std::unique_ptr<infomorph::network> net;
    infomorph::training_data data;
};

// The model and the dataset normalised as in training; `images` replaces the test images.
inline prepared prepare(settings& s) {
    complete(s);
    prepared p;
    p.net = infomorph::load_model(s.model);
    auto raw = train_cli::load(s.dataset, s.data_dir);
    if (!s.images.empty()) {
        raw.test = infomorph::data::read_idx_images(s.images);
        raw.test.labels.assign(raw.test.images.shape()[0], 0);  // unknown; batches want some
    }
    const std::size_t inputs = p.net->options().inputs, pixels = raw.train.images.shape()[1];
    if (pixels != inputs)
        throw infomorph::error(s.model + ": the model takes " + std::to_string(inputs) + " inputs, the " + s.dataset +
                               " images have " + std::to_string(pixels) + " pixels");
    p.data = infomorph::prepare(std::move(raw.train), std::move(raw.test), {.limit = s.limit});
    // A batch larger than the set is one batch of the set.
    const std::size_t batch = std::min(s.batch, p.data.test.labels.size());
    infomorph::check_available(infomorph::estimate_memory(p.net->options(), batch, 0).batch,
                               "--batch " + std::to_string(s.batch) + ": its buffers");
    return p;
}

inline int run_evaluate(settings s) {
    auto p = prepare(s);
    const auto e = infomorph::evaluate(*p.net, p.data.test, infomorph::data::all_indices(p.data.test.labels.size()), s.batch);
    if (s.json) {
        json confusion = json::array();
        for (std::size_t i = 0; i < e.classes; ++i) {
            json row = json::array();
            for (std::size_t j = 0; j < e.classes; ++j) row.push_back(e.count(i, j));
            confusion.push_back(std::move(row));
        }
        const json out = {{"model", s.model},       {"kind", p.net->kind_name()}, {"dataset", s.dataset},
                          {"test_images", p.data.test.labels.size()}, {"test_accuracy", e.accuracy},
                          {"confusion", std::move(confusion)}};
        std::printf("%s\n", out.dump().c_str());
    } else {
        std::printf("test accuracy %.4f on %zu %s test images (%s)\n", e.accuracy, p.data.test.labels.size(), s.dataset.c_str(),
                    p.net->kind_name().c_str());
        train_cli::print_confusion(e);
    }
    return 0;
}

// Writes text to standard output, checked: a lost prediction is an error.
inline void write_out(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) throw infomorph::error("standard output: write failed");
}

// The predictions stream out batch by batch (CSV rows, or the elements of the JSON object's
// "predictions" array), so their size is not held in memory.
inline int run_predict(settings s) {
    if (s.json && s.csv) throw infomorph::error("--json and --csv exclude each other");
    auto p = prepare(s);
    const std::size_t n = p.data.test.images.shape()[0], classes = p.net->classes();
    const infomorph::data::batches batches(p.data.test, infomorph::data::all_indices(n), s.batch);
    if (s.json) {
        std::string head = json{{"model", s.model}, {"images", s.images}, {"predictions", json::array()}}.dump();
        head.resize(head.size() - 2);  // "]}": the array's elements follow its "["
        write_out(head);
    } else {
        std::string head = "image,label";
        for (std::size_t j = 0; j < classes; ++j) head += ",p" + std::to_string(j);
        write_out(head + "\n");
    }
    xt::xtensor<float, 2> images;
    std::vector<std::uint8_t> unused;
    std::size_t index = 0;
    for (std::size_t b = 0; b < batches.count(); ++b) {
        batches.get(b, images, unused, p.net->options().threads);
        const auto scores = infomorph::network::scores(p.net->probabilities(images));
        std::string text;
        for (std::size_t k = 0; k < scores.shape()[0]; ++k, ++index) {
            std::size_t label = 0;
            for (std::size_t j = 1; j < classes; ++j)
                if (scores(k, j) > scores(k, label)) label = j;
            if (s.json) {
                json probabilities = json::array();
                for (std::size_t j = 0; j < classes; ++j) probabilities.push_back(scores(k, j));
                // Two appends, not `separator + dump()`: GCC 12 warns (-Wrestrict) on that form.
                if (index != 0) text += ',';
                text += json{{"image", index}, {"label", label}, {"probabilities", std::move(probabilities)}}.dump();
            } else {
                text += std::to_string(index) + "," + std::to_string(label);
                char buffer[32];
                for (std::size_t j = 0; j < classes; ++j) {
                    std::snprintf(buffer, sizeof buffer, ",%.6g", scores(k, j));
                    text += buffer;
                }
                text += "\n";
            }
        }
        write_out(text);
    }
    if (s.json) write_out("]}\n");
    return 0;
}

}  // namespace evaluate_cli
