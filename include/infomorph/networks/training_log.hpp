#pragma once
/// \file
/// The training log as JSON lines, one object per epoch.
/// The training log as JSON lines, one object per epoch: epoch, seconds, train_accuracy,
/// validation_accuracy (null without a validation share), test_accuracy, train_loss, and per
/// layer its mean goal, H_res, I(T;S) and atoms. Needs nlohmann-json (header-only); the rest
/// of the library does not.

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "infomorph/error.hpp"
#include "infomorph/networks/trainer.hpp"

namespace infomorph {

/// The layers of an epoch as a JSON array: per layer its name, sources, mean goal, h_res, mi and atoms by name.
inline nlohmann::ordered_json layers_json(const std::vector<layer_result>& layers) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& l : layers) {
        nlohmann::ordered_json atoms = nlohmann::ordered_json::object();
        for (std::size_t a = 0; a < l.atoms.size(); ++a) atoms[l.atom_names[a]] = l.atoms[a];
        out.push_back({{"layer", l.layer}, {"sources", l.sources}, {"goal", l.goal}, {"h_res", l.h_res}, {"mi", l.mi},
                       {"atoms", std::move(atoms)}});
    }
    return out;
}

/// One epoch as the JSON object of a training-log line (epoch, seconds, accuracies, train_loss, layers).
inline nlohmann::ordered_json epoch_json(const epoch_report& r) {
    using json = nlohmann::ordered_json;
    return {{"epoch", r.epoch},
            {"seconds", r.seconds},
            {"train_accuracy", r.train.train_accuracy},
            {"validation_accuracy", r.validation ? json(r.validation->accuracy) : json(nullptr)},
            {"test_accuracy", r.test.accuracy},
            {"train_loss", r.train.train_loss},
            {"layers", layers_json(r.train.layers)}};
}

/// Appends one line per epoch to a file (created anew), each written whole and flushed.
class training_log {
public:
    /// Creates (truncates) the file at path; throws infomorph::error when it cannot.
    explicit training_log(const std::string& path) : path_(path), out_(path, std::ios::trunc) {
        if (!out_) throw error(path + ": cannot create");
    }
    /// Appends r's line and flushes it; throws infomorph::error when the write fails.
    void operator()(const epoch_report& r) {
        const std::string line = epoch_json(r).dump() + "\n";
        out_.write(line.data(), static_cast<std::streamsize>(line.size()));
        out_.flush();
        if (!out_) throw error(path_ + ": write failed (disk full?)");
    }

private:
    std::string path_;
    std::ofstream out_;
};

}  // namespace infomorph
