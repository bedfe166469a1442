// The CIFAR-10 batch reader on arbitrary bytes: records or infomorph::error.
#include <infomorph/data/cifar.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& path = fuzz::write_input("cifar", data, size);
    try {
        infomorph::data::read_cifar10_batch(path);
    } catch (const infomorph::error&) {
    }
    return 0;
}
