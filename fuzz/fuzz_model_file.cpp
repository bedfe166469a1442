// load_model on arbitrary bytes: a damaged model file ends in infomorph::error, never in a
// crash, an undefined operation or an allocation the file's size does not justify.
#include <infomorph/networks/model_file.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& path = fuzz::write_input("model_file", data, size);
    try {
        infomorph::load_model(path);
    } catch (const infomorph::error&) {
    }
    return 0;
}
