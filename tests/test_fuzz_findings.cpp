// Inputs the fuzzers (fuzz/) found, kept as regression tests beside the corpus copies in
// fuzz/corpus/<name>/regression_*.
#include <doctest/doctest.h>

#include <infomorph/data/idx.hpp>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

std::string write_temp(const std::string& name, const std::string& bytes) {
    const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/infomorph_fuzz_finding_" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    return path;
}

}  // namespace

TEST_CASE("fuzz finding: IDX dimensions whose product wraps around 2^64 are refused, not overflowed") {
    // 2^26 images of 0xff000000 x 0x08030000 pixels: the product is 0 modulo 2^64, so the data
    // looked empty while rows * cols overflowed building the image tensor.
    const std::string header("\x00\x00\x08\x03\x04\x00\x00\x00\xff\x00\x00\x00\x08\x03\x00\x00", 16);
    const auto path = write_temp("idx_overflow", header);
    CHECK_THROWS_WITH_AS(infomorph::data::read_idx_images(path), doctest::Contains("IDX dimensions are implausibly large"),
                         infomorph::error);
    // An empty set of huge images: rows * cols alone must not overflow either.
    const std::string empty("\x00\x00\x08\x03\x00\x00\x00\x00\xff\x00\x00\x00\xff\x00\x00\x00", 16);
    CHECK_THROWS_WITH_AS(infomorph::data::read_idx_images(write_temp("idx_empty", empty)),
                         doctest::Contains("IDX dimensions are implausibly large"), infomorph::error);
    std::remove(path.c_str());
}
