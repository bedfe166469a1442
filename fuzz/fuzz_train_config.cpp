// The JSON config reader of `infomorph train` (train_cli::apply_config) on arbitrary bytes:
// settings or a std::runtime_error naming the file, as the command reports it.
#include "train_command.hpp"

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& path = fuzz::write_input("train_config", data, size);
    // One command line, never parsed (no flag given), built once: building it dominated the
    // time of an input.
    static CLI::App app;
    static train_cli::settings settings;
    static std::string config;
    static const auto flags = train_cli::add_flags(app, settings, config);
    settings = {};
    try {
        train_cli::apply_config(path, settings, flags);
    } catch (const std::runtime_error&) {
    }
    return 0;
}
