#pragma once
/// \file
/// The training log as JSON lines, one object per epoch: epoch, train_accuracy,
/// validation_accuracy (null without a validation share), test_accuracy (absent on epochs that
/// training_options::test_every skips), train_loss, and per layer its mean goal, H_res, I(T;S)
/// and atoms: a function of the settings alone. The wall-clock seconds go to a timing log of
/// their own. Needs nlohmann-json (header-only); the rest of the library does not.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "infomorph/detail/files.hpp"
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

/// One epoch as the JSON object of a training-log line (epoch, accuracies, train_loss, layers).
inline nlohmann::ordered_json epoch_json(const epoch_report& r) {
    using json = nlohmann::ordered_json;
    json j = {{"epoch", r.epoch},
              {"train_accuracy", r.train.train_accuracy},
              {"validation_accuracy", r.validation ? json(r.validation->accuracy) : json(nullptr)}};
    if (r.test) j["test_accuracy"] = r.test->accuracy;
    j["train_loss"] = r.train.train_loss;
    j["layers"] = layers_json(r.train.layers);
    return j;
}

/// The wall-clock part of an epoch, kept out of epoch_json so that the log is reproducible.
inline nlohmann::ordered_json timing_json(const epoch_report& r) { return {{"epoch", r.epoch}, {"seconds", r.seconds}}; }

/// Where a run's log files end (bytes): what a checkpoint records, so that a resumed run cuts
/// the lines of epochs after its checkpoint and appends from there.
struct log_position {
    std::uint64_t log = 0;     ///< bytes of log.jsonl
    std::uint64_t timing = 0;  ///< bytes of timing.jsonl
};

/// Appends one line per epoch to the log (epoch_json) and, if given a path, to the timing log
/// (timing_json): each line written whole by one write(2), checked, and fsync'ed.
class training_log {
public:
    /// Creates the files anew, or with `keep`, keeps their first bytes (a resumed run).
    explicit training_log(const std::string& path, const std::string& timing_path = {}, log_position keep = {})
        : log_(path, keep.log) {
        if (!timing_path.empty()) timing_.emplace(timing_path, keep.timing);
    }
    /// Appends r's line (with the fields of `extra` added, e.g. the train command's "diversity")
    /// and syncs it; throws infomorph::error when the write fails.
    void operator()(const epoch_report& r, const nlohmann::ordered_json& extra = nlohmann::ordered_json::object()) {
        auto j = epoch_json(r);
        for (const auto& [key, value] : extra.items()) j[key] = value;
        log_.append(j.dump() + "\n");
        log_.sync();
        if (timing_) {
            timing_->append(timing_json(r).dump() + "\n");
            timing_->sync();
        }
    }
    /// The files' lengths now.
    log_position position() const { return {log_.bytes(), timing_ ? timing_->bytes() : 0}; }

private:
    detail::append_file log_;
    std::optional<detail::append_file> timing_;
};

}  // namespace infomorph
