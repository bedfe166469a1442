#pragma once
// The training log as JSON lines, one object per epoch: epoch, seconds, train_accuracy,
// validation_accuracy (null without a validation share), test_accuracy (absent on epochs that
// training_options::test_every skips), train_loss, and per
// layer its mean goal, H_res, I(T;S) and atoms. Needs nlohmann-json (header-only); the rest
// of the library does not.

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "infomorph/error.hpp"
#include "infomorph/networks/trainer.hpp"

namespace infomorph {

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

inline nlohmann::ordered_json epoch_json(const epoch_report& r) {
    using json = nlohmann::ordered_json;
    json j = {{"epoch", r.epoch},
              {"seconds", r.seconds},
              {"train_accuracy", r.train.train_accuracy},
              {"validation_accuracy", r.validation ? json(r.validation->accuracy) : json(nullptr)}};
    if (r.test) j["test_accuracy"] = r.test->accuracy;
    j["train_loss"] = r.train.train_loss;
    j["layers"] = layers_json(r.train.layers);
    return j;
}

// Appends one line per epoch to a file (created anew), each written whole and flushed.
class training_log {
public:
    explicit training_log(const std::string& path) : path_(path), out_(path, std::ios::trunc) {
        if (!out_) throw error(path + ": cannot create");
    }
    // `extra`: fields appended to the epoch's object (e.g. the train command's "diversity").
    void operator()(const epoch_report& r, const nlohmann::ordered_json& extra = nlohmann::ordered_json::object()) {
        auto j = epoch_json(r);
        for (const auto& [key, value] : extra.items()) j[key] = value;
        const std::string line = j.dump() + "\n";
        out_.write(line.data(), static_cast<std::streamsize>(line.size()));
        out_.flush();
        if (!out_) throw error(path_ + ": write failed (disk full?)");
    }

private:
    std::string path_;
    std::ofstream out_;
};

}  // namespace infomorph
