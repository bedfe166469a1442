#pragma once
// The readers under test take file names: each fuzzer writes its input to a file of its own
// (one per process, so parallel fuzzing jobs do not share it) and hands over the name.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace fuzz {

/// The file one fuzzer process writes its inputs to.
inline const std::string& scratch_path(const char* name) {
    static const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/infomorph_fuzz_" +
                                    name + "_" + std::to_string(::getpid());
    return path;
}

/// Writes `size` bytes to the fuzzer's file; returns its name.
inline const std::string& write_input(const char* name, const std::uint8_t* data, std::size_t size) {
    const auto& path = scratch_path(name);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) std::abort();
    if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    return path;
}

}  // namespace fuzz
