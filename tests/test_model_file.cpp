// Model files as untrusted input: format 3's CRC-32 catches every bit flip, each edited header
// field is refused by name, non-finite parameters and impossible sizes are refused before any
// allocation, and files of formats 1 and 2 (a fixture written before format 3) still load.
#include <doctest/doctest.h>

#include <infomorph/networks/model_file.hpp>

#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

using namespace infomorph;

namespace {

const std::string fixtures = INFOMORPH_TEST_DATA_DIR;

std::string temp_path(const std::string& name) {
    return std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/infomorph_model_test_" + name + ".bin";
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

// The message load_model throws for `path`, or "no exception".
std::string load_error(const std::string& path) {
    try {
        load_model(path);
    } catch (const infomorph::error& e) {
        return e.what();
    }
    return "no exception";
}

// A format 3 file with its trailer recomputed (zlib), so an edit reaches the header checks.
std::string with_crc(std::string bytes) {
    bytes.resize(bytes.size() - 15);
    char trailer[16];
    const auto crc = static_cast<unsigned>(::crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
    std::snprintf(trailer, sizeof trailer, "crc32 %08x\n", crc);
    return bytes + trailer;
}

std::string replaced(std::string bytes, const std::string& from, const std::string& to) {
    const auto at = bytes.find(from);
    REQUIRE(at != std::string::npos);
    return bytes.replace(at, from.size(), to);
}

// A small saved network: 20 inputs, 4 hidden neurons, 2 random lateral partners.
std::string small_model(const std::string& path) {
    auto net = make_network({.kind = network_kind::context_lateral, .inputs = 20, .hidden = 4, .lateral_partners = 2, .seed = 5});
    save_model(path, *net);
    return read_bytes(path);
}

}  // namespace

TEST_CASE("model files, format 3: the trailer is zlib's CRC-32 of the header and the parameters") {
    const auto path = temp_path("crc");
    const auto bytes = small_model(path);
    REQUIRE(bytes.rfind("infomorph-model 3\n", 0) == 0);
    CHECK(with_crc(bytes) == bytes);
    CHECK(load_model(path)->options().hidden == 4);
    std::remove(path.c_str());
}

TEST_CASE("model files: every single-bit flip is refused") {
    const auto path = temp_path("flip");
    const auto bytes = small_model(path);
    std::size_t loaded = 0;
    for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
        std::string damaged = bytes;
        damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
        write_bytes(path, damaged);
        if (load_error(path) == "no exception") {
            ++loaded;
            FAIL_CHECK("bit " << bit << " flipped loads");
        }
    }
    CHECK(loaded == 0);
    write_bytes(path, replaced(bytes, "seed 5", "seed 6"));
    CHECK(load_error(path).find(path + ": crc32: checksum mismatch") != std::string::npos);
    write_bytes(path, bytes.substr(0, bytes.size() - 15) + "crc32 ABCDEF01\n");
    CHECK(load_error(path).find(path + ": crc32: checksum mismatch") != std::string::npos);
    std::remove(path.c_str());
}

TEST_CASE("model files: each edited header field is refused with the file and the field") {
    const auto path = temp_path("fields");
    const auto bytes = small_model(path);
    const auto expect = [&](const std::string& from, const std::string& to, const std::string& message) {
        write_bytes(path, with_crc(replaced(bytes, from, to)));
        const auto e = load_error(path);
        INFO(from << " -> " << to << ": " << e);
        CHECK(e.find(path + ": " + message) != std::string::npos);
    };
    expect("hidden 4\n", "hidden -1\n", "hidden: '-1' is not a whole number");
    expect("hidden 4\n", "hidden +4\n", "hidden: '+4' is not a whole number");
    expect("hidden 4\n", "hidden 4 \n", "hidden: '4 ' is not a whole number");
    expect("hidden 4\n", "hidden 18446744073709551616\n", "hidden: 18446744073709551616 exceeds the limit 16777216");
    expect("hidden 4\n", "hidden 0\n", "hidden: the context_lateral network needs hidden neurons");
    expect("hidden 4\n", "hidden 5\n", "hidden.weight1: shape '2 4 20', but the header's sizes imply '2 5 20'");
    expect("inputs 20\n", "inputs 0\n", "inputs: must be at least 1");
    expect("classes 10\n", "classes 1\n", "classes: must be at least 2");
    expect("variant context_lateral", "variant context_lateraI", "variant: no network kind named 'context_lateraI'");
    expect("lateral_partners 2", "lateral_partners 4", "lateral_partners: 4 partners need more than 4 hidden neurons");
    expect("hidden_binning standard", "hidden_binning adaptive", "inconsistent header: the context_lateral network has no adaptive");
    expect("seed 5\n", "seed five\n", "seed: 'five' is not a whole number");
    expect("seed 5\n", "seed \x1b[2J\n", "seed: '\\x1b[2J' is not a whole number");
    const auto line_of = [&](const std::string& key) {
        const auto at = bytes.find("\n" + key + " ") + 1;
        return bytes.substr(at, bytes.find('\n', at) - at);
    };
    expect(line_of("hidden_goal"), "hidden_goal ", "hidden_goal: empty, but the context_lateral network needs a goal");
    expect(line_of("hidden_goal"), "hidden_goal 1 2 3 4 nan", "hidden_goal: 'nan' is not a finite number");
    expect(line_of("hidden_goal"), "hidden_goal 1 2 3 4 1e999", "hidden_goal: '1e999' is not a finite number");
    expect(line_of("hidden_goal"), "hidden_goal 1 2  3", "hidden_goal: '' is not a finite number");
    expect(line_of("hidden_goal"), "hidden_goal 1 2 3 4 5", "inconsistent header: the context_lateral network's hidden goal needs 3 sources");
    expect(line_of("output_goal"), "output_goal 1 2 3", "output_goal: a goal has 5 values");
    expect("parameters 10", "parameters 11", "parameters: 11 parameters, but the context_lateral network has 10");
    expect("output.bias2 1 10", "output.bias2 1 11", "output.bias2: shape '1 11', but the header's sizes imply '1 10'");
    expect("infomorph-model 3", "infomorph-model 4", "not an infomorph model file of format 1, 2 or 3 (found format '4')");
    write_bytes(path, bytes + "x");
    CHECK(load_error(path).find(path + ": trailing bytes") != std::string::npos);
    write_bytes(path, bytes.substr(0, bytes.size() - 1));
    CHECK(load_error(path).find(path + ": truncated") != std::string::npos);
    write_bytes(path, std::string(10000, 'x'));
    CHECK(load_error(path).find(path + ": infomorph-model: header line longer than 4096 bytes") != std::string::npos);
    std::remove(path.c_str());
}

TEST_CASE("model files: a non-finite parameter is refused by name") {
    const auto path = temp_path("nan");
    for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        auto net = make_network({.kind = network_kind::context, .inputs = 20, .hidden = 4, .seed = 5});
        net->parameters()[2].data[3] = bad;  // hidden.weight2, row 0, column 3
        save_model(path, *net);
        const auto e = load_error(path);
        CHECK(e.find(path + ": hidden.weight2: value 3 is ") != std::string::npos);
        CHECK(e.find(", not finite") != std::string::npos);
    }
    std::remove(path.c_str());
}

TEST_CASE("model files: sizes the file cannot hold are refused before anything is allocated") {
    const auto path = temp_path("huge");
    const auto bytes = small_model(path);
    REQUIRE(bytes.size() < 4096);
    // 16 million hidden neurons would be 2.5 * 10^11 floats; the file has about 500.
    std::string huge = bytes;
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"hidden 4\n", "hidden 16000000\n"},
                                   {"hidden.weight1 2 4 20", "hidden.weight1 2 16000000 20"},
                                   {"hidden.bias1 1 4", "hidden.bias1 1 16000000"},
                                   {"hidden.weight2 2 4 10", "hidden.weight2 2 16000000 10"},
                                   {"hidden.bias2 1 4", "hidden.bias2 1 16000000"},
                                   {"hidden.weight3 2 4 4", "hidden.weight3 2 16000000 16000000"},
                                   {"hidden.bias3 1 4", "hidden.bias3 1 16000000"},
                                   {"output.weight1 2 10 4", "output.weight1 2 10 16000000"}})
        huge = replaced(huge, from, to);
    write_bytes(path, with_crc(huge));
    CHECK(load_error(path).find(path + ": truncated: " + std::to_string(huge.size()) + " bytes, but the header implies") !=
          std::string::npos);
    std::remove(path.c_str());
}

TEST_CASE("model files: a network too large for the machine is refused with the estimate before loading") {
    // A header of 2^20 inputs and 2^20 hidden neurons with a payload of the exact size: a sparse
    // file of 4.4 TB that takes no disk space. The size checks pass; the memory estimate
    // (about 35 TB with gradients and Adam moments) must refuse it before the payload is read.
    const auto path = temp_path("too_large");
    auto net = make_network({.kind = network_kind::context, .inputs = 20, .hidden = 4, .seed = 5});
    save_model(path, *net);
    const std::string bytes = read_bytes(path);
    const std::string big = "1048576";
    std::string header = bytes.substr(0, bytes.find("data\n") + 5);
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"inputs 20\n", "inputs " + big + "\n"},
                                   {"hidden 4\n", "hidden " + big + "\n"},
                                   {"hidden.weight1 2 4 20", "hidden.weight1 2 " + big + " " + big},
                                   {"hidden.bias1 1 4", "hidden.bias1 1 " + big},
                                   {"hidden.weight2 2 4 10", "hidden.weight2 2 " + big + " 10"},
                                   {"hidden.bias2 1 4", "hidden.bias2 1 " + big},
                                   {"output.weight1 2 10 4", "output.weight1 2 10 " + big}})
        header = replaced(header, from, to);
    const std::uintmax_t n = std::uintmax_t{1} << 20;
    const std::uintmax_t floats = n * n + n + n * 10 + n + 10 * n + 10 + 10 * 10 + 10;
    write_bytes(path, header);
    std::error_code ec;
    std::filesystem::resize_file(path, header.size() + floats * sizeof(float) + 15, ec);
    if (ec) {
        MESSAGE("no sparse file of 4.4 TB here (" << ec.message() << "): the check is not exercised");
    } else {
        const std::string message = load_error(path);
        CHECK(message.find(path + ": its context network (hidden 1048576) would need about ") != std::string::npos);
        CHECK(message.find("to load, more than the ") != std::string::npos);
    }
    std::remove(path.c_str());
}

TEST_CASE("model files: formats 1 and 2 still load (a format 2 file written before format 3)") {
    const auto fixture = fixtures + "/model_format2/model.bin";
    const auto bytes = read_bytes(fixture);
    REQUIRE(bytes.rfind("infomorph-model 2\n", 0) == 0);
    const auto net = load_model(fixture);
    CHECK(net->options().kind == network_kind::context_lateral);
    CHECK(net->options().hidden == 8);
    CHECK(net->options().inputs == 784);
    CHECK(net->options().seed == 1);
    // The parameters are the float32 payload after the header, in header order.
    std::size_t offset = bytes.find("\ndata\n") + 6, total = 0;
    for (const auto& p : net->parameters()) {
        CHECK(std::memcmp(p.data, bytes.data() + offset, p.size() * sizeof(float)) == 0);
        offset += p.size() * sizeof(float);
        total += p.size();
    }
    CHECK(offset == bytes.size());
    CHECK(total == 8 * (784 + 10 + 8 + 3) + 10 * (8 + 10 + 2));

    // Saved again it is format 3 with the same payload.
    const auto path = temp_path("format2");
    save_model(path, *net);
    const auto again = read_bytes(path);
    CHECK(again.rfind("infomorph-model 3\n", 0) == 0);
    CHECK(again.substr(again.find("\ndata\n"), again.size() - 15 - again.find("\ndata\n")) == bytes.substr(bytes.find("\ndata\n")));

    // Format 1: no binning line (standard binning).
    std::string format1 = replaced(bytes, "infomorph-model 2", "infomorph-model 1");
    format1 = replaced(format1, "hidden_binning standard\n", "");
    write_bytes(path, format1);
    CHECK(load_model(path)->options().binning == binning::mode::standard);
    // Formats 1 and 2 have no checksum, but the other checks hold.
    write_bytes(path, replaced(bytes, "hidden 8\n", "hidden -1\n"));
    CHECK(load_error(path).find(path + ": hidden: '-1' is not a whole number") != std::string::npos);
    write_bytes(path, bytes + "crc32 00000000\n");
    CHECK(load_error(path).find(path + ": trailing bytes") != std::string::npos);
    std::remove(path.c_str());
}
