#pragma once
// The checkpoint of `infomorph train` (checkpoint.bin in the output directory), written
// atomically after every epoch and when a signal stops an epoch at a batch boundary: a text
// header (format, the run's settings as one JSON line, the epochs done, the batches done of a
// stopped epoch, the lengths of log.jsonl and timing.jsonl at that point), the trainer's
// and the network's binary training state, and a CRC-32 (zlib) of everything before it.
// Resuming from it continues the run bit for bit: weights, Adam moments and steps, the
// sampling stream (with the evaluation's draws from it) and the shuffling stream are exact.

#include <infomorph/detail/files.hpp>
#include <infomorph/networks/network.hpp>
#include <infomorph/networks/trainer.hpp>
#include <infomorph/networks/training_log.hpp>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace train_cli {

// What a checkpoint's header says; the states go straight into the trainer and network.
struct checkpoint_header {
    nlohmann::ordered_json settings;
    std::size_t epoch = 0, batch = 0;
    infomorph::log_position log;
};

inline std::string crc_line(const std::string& body) {
    const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    char text[32];
    std::snprintf(text, sizeof text, "crc32 %08lx\n", static_cast<unsigned long>(crc));
    return text;
}

inline void save_checkpoint(const std::filesystem::path& path, const nlohmann::ordered_json& settings,
                            const infomorph::log_position& log, const infomorph::trainer& trainer, infomorph::network& net) {
    std::ostringstream body;
    body << "infomorph-checkpoint 2\nsettings " << settings.dump() << "\nepoch " << trainer.epochs_done() << "\nbatch "
         << trainer.batches_done() << "\nlog_bytes "
         << log.log << "\ntiming_bytes " << log.timing << "\nstate\n";
    trainer.save_state(body);
    net.save_state(body);
    const std::string bytes = body.str();
    infomorph::detail::write_atomically(path, [&](std::ofstream& f) {
        f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        f << crc_line(bytes);
    });
}

// Checks the CRC, reads the header, then restores the trainer's and the network's state.
inline checkpoint_header load_checkpoint(const std::filesystem::path& path, infomorph::trainer& trainer,
                                         infomorph::network& net) {
    const std::string name = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw infomorph::error(name + ": cannot open");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    constexpr std::size_t trailer = 15;  // "crc32 xxxxxxxx\n"
    if (bytes.size() < trailer || bytes.substr(bytes.size() - trailer) != crc_line(bytes.substr(0, bytes.size() - trailer)))
        throw infomorph::error(name + ": damaged (its CRC-32 does not match); start again with --overwrite");
    std::istringstream body(bytes.substr(0, bytes.size() - trailer));
    checkpoint_header h;
    try {
        std::string line, key;
        auto field = [&](const std::string& expected) {
            if (!std::getline(body, line)) throw infomorph::error("truncated header");
            std::istringstream s(line);
            s >> key;
            if (key != expected) throw infomorph::error("expected '" + expected + "' in the header");
            std::string rest;
            std::getline(s >> std::ws, rest);
            return rest;
        };
        const std::string format = field("infomorph-checkpoint");
        if (format != "1" && format != "2") throw infomorph::error("not a checkpoint of format 1 or 2");
        h.settings = nlohmann::ordered_json::parse(field("settings"));
        h.epoch = std::stoull(field("epoch"));
        if (format == "2") h.batch = std::stoull(field("batch"));
        h.log.log = std::stoull(field("log_bytes"));
        h.log.timing = std::stoull(field("timing_bytes"));
        field("state");
        trainer.load_state(body);
        net.load_state(body);
        if (body.peek() != std::char_traits<char>::eof()) throw infomorph::error("trailing bytes after the state");
        if (trainer.epochs_done() != h.epoch || trainer.batches_done() != h.batch)
            throw infomorph::error("the header's epoch or batch is not the trainer's");
    } catch (const std::exception& e) {
        throw infomorph::error(name + ": " + e.what());
    }
    return h;
}

}  // namespace train_cli
