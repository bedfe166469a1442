#pragma once
/// \file
/// Model files (docs/network.md, "Model files"): a short text header (format version, variant,
/// sizes, hidden binning, seed, goals, the parameter names and shapes), the parameters as
/// little-endian float32 in header order, and (format 3) a trailer line "crc32 xxxxxxxx" with
/// zlib's CRC-32 of every byte before it. Formats 1 (no binning line; standard binning) and 2
/// (no trailer) are still read.
/// The seed is stored because it fixes the connectivity masks (random lateral partners) that
/// load_model rebuilds. Files are written to a temporary name and renamed into place (detail/files.hpp), so a
/// failed or interrupted save never leaves a half-written model.
/// A model file is untrusted input: the loader checks every header number against limits, the
/// parameter shapes against those the options imply and the payload against the file's size
/// before it allocates anything, then the checksum and the finiteness of every parameter.

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "infomorph/detail/files.hpp"
#include "infomorph/error.hpp"
#include "infomorph/networks/make_network.hpp"
#include "infomorph/networks/memory_estimate.hpp"

namespace infomorph {

namespace detail {

inline std::string join_goal(const dynamic_goal& g) {
    std::ostringstream s;
    s.precision(17);
    const auto authors = g.to_authors_order();
    for (std::size_t i = 0; i < authors.size(); ++i) s << (i ? " " : "") << authors[i];
    return s.str();
}

// zlib's CRC-32 continued over `size` bytes; zlib takes 32-bit lengths, so long runs go in chunks.
inline std::uint32_t crc32_update(std::uint32_t crc, const void* data, std::size_t size) {
    const auto* bytes = static_cast<const Bytef*>(data);
    while (size > 0) {
        const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
        crc = static_cast<std::uint32_t>(::crc32(crc, bytes, chunk));
        bytes += chunk;
        size -= chunk;
    }
    return crc;
}

inline constexpr std::string_view model_magic = "infomorph-model";
inline constexpr int model_format = 3;
// The trailer of format 3: "crc32 " and eight lowercase hexadecimal digits, then a newline.
inline constexpr std::size_t model_trailer_size = 15;
// Limits on the header's sizes: far above any network of the paper, low enough that products of
// two sizes cannot overflow and that the partner indices fit 32 bits.
inline constexpr std::size_t model_max_dimension = std::size_t{1} << 24;
// A header line longer than this is damage (a goal line has about 400 characters).
inline constexpr std::size_t model_max_line = 4096;

inline std::string crc_trailer(std::uint32_t crc) {
    char text[model_trailer_size + 1];
    std::snprintf(text, sizeof text, "crc32 %08x\n", crc);
    return std::string(text, model_trailer_size);
}

// One parameter's name and shape, as the header lists it.
struct parameter_shape {
    std::string name;
    std::vector<std::size_t> shape;
    std::size_t size() const {
        std::size_t n = 1;
        for (auto d : shape) n *= d;
        return n;
    }
};

// The parameters a network of these options has, in file order, without building it (the sizes
// are within model_max_dimension, so no product overflows). Mirrors the layers' input classes
// (infomorphic_network.hpp, backprop_network.hpp); load_model checks the built network agrees.
inline std::vector<parameter_shape> expected_parameters(const network_options& o) {
    std::vector<parameter_shape> out;
    const auto add_layer = [&](const std::string& prefix, std::size_t neurons, std::initializer_list<std::size_t> inputs) {
        std::size_t i = 0;
        for (const auto width : inputs) {
            ++i;
            out.push_back({prefix + ".weight" + std::to_string(i), {neurons, width}});
            out.push_back({prefix + ".bias" + std::to_string(i), {neurons}});
        }
    };
    switch (o.kind) {
        case network_kind::context:
        case network_kind::random_projection: add_layer("hidden", o.hidden, {o.inputs, o.classes}); break;
        case network_kind::lateral: add_layer("hidden", o.hidden, {o.inputs, o.hidden}); break;
        case network_kind::context_lateral:
        case network_kind::output_context:
        case network_kind::backprop: add_layer("hidden", o.hidden, {o.inputs, o.classes, o.hidden}); break;
        case network_kind::readout: break;
    }
    add_layer("output", o.classes, {o.kind == network_kind::readout ? o.inputs : o.hidden, o.classes});
    return out;
}

inline bool has_lateral_connection(network_kind k) {
    return k == network_kind::lateral || k == network_kind::context_lateral || k == network_kind::output_context ||
           k == network_kind::backprop;
}

// Reads a model file's header and payload and checks them; builds nothing.
class model_reader {
public:
    explicit model_reader(const std::filesystem::path& path) : name_(path.string()), in_(path, std::ios::binary) {
        if (!in_) throw error(name_ + ": cannot open");
        std::error_code ec;
        file_size_ = std::filesystem::file_size(path, ec);
        if (ec) throw error(name_ + ": cannot read its size (" + ec.message() + ")");
    }

    // The options and the parameters (file order) of a valid model file.
    std::pair<network_options, std::vector<float>> read() {
        network_options o = read_options();
        read_shapes(o);
        expect_key("data");
        check_size();
        check_memory(o);
        std::vector<float> payload(payload_floats_);
        read_exactly(payload.data(), payload_floats_ * sizeof(float), "the parameters");
        crc_ = crc32_update(crc_, payload.data(), payload_floats_ * sizeof(float));
        if (format_ >= 3) check_trailer();
        check_finite(payload);
        return {std::move(o), std::move(payload)};
    }

    /// The error "file: what".
    error fail(const std::string& what) const { return error(name_ + ": " + what); }

private:
    // One header line, without its newline, bounded in length; counted into the CRC.
    std::string line(const std::string& key) {
        std::string text;
        for (char c; in_.get(c);) {
            if (c == '\n') {
                crc_ = crc32_update(crc_, text.data(), text.size());
                crc_ = crc32_update(crc_, "\n", 1);
                header_bytes_ += text.size() + 1;
                return text;
            }
            if (text.size() == model_max_line) throw fail(key + ": header line longer than " + std::to_string(model_max_line) + " bytes");
            text += c;
        }
        // A last line without its newline still shows what the file holds instead of the key.
        if (text.empty()) throw fail("truncated header, expected '" + key + "'");
        crc_ = crc32_update(crc_, text.data(), text.size());
        header_bytes_ += text.size();
        return text;
    }

    // The value of the header line "key value".
    std::string expect_key(const std::string& key) {
        const std::string text = line(key);
        const auto space = text.find(' ');
        if (text.substr(0, space) != key)
            throw fail("expected '" + key + "' in the header, found '" + printable(text.substr(0, 40)) + "'");
        return space == std::string::npos ? std::string() : text.substr(space + 1);
    }

    // A whole number in decimal digits only: no sign, no spaces, within `limit`.
    std::uint64_t parse_number(const std::string& field, std::string_view text, std::uint64_t limit) const {
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
            throw fail(field + ": '" + printable(text.substr(0, 40)) + "' is not a whole number");
        if (ec == std::errc::result_out_of_range || n > limit)
            throw fail(field + ": " + printable(text.substr(0, 40)) + " exceeds the limit " + std::to_string(limit));
        return n;
    }

    std::size_t size_field(const std::string& key) {
        return static_cast<std::size_t>(parse_number(key, expect_key(key), model_max_dimension));
    }

    dynamic_goal goal_field(const std::string& key, bool wanted, network_kind kind) {
        const std::string text = expect_key(key);
        std::vector<double> g;
        for (std::size_t at = 0; at < text.size();) {
            const auto end = std::min(text.find(' ', at), text.size());
            const std::string_view token(text.data() + at, end - at);
            double v = 0;
            const auto [stop, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
            if (token.empty() || ec != std::errc() || stop != token.data() + token.size() || !std::isfinite(v))
                throw fail(key + ": '" + printable(token.substr(0, 40)) + "' is not a finite number");
            g.push_back(v);
            at = end + 1;
        }
        if (wanted && g.empty()) throw fail(key + ": empty, but the " + std::string(name_of(kind)) + " network needs a goal");
        if (!wanted && !g.empty() && key == "hidden_goal")
            throw fail(key + ": the " + std::string(name_of(kind)) + " network has no hidden layer goal");
        try {
            return dynamic_goal::from_authors_order(g);
        } catch (const error& e) {
            throw fail(key + ": " + e.what());
        }
    }

    network_options read_options() {
        const std::string version = expect_key(std::string(model_magic));
        if (version != "1" && version != "2" && version != "3")
            throw fail("not an infomorph model file of format 1, 2 or 3 (found format '" + printable(version.substr(0, 40)) + "')");
        format_ = version[0] - '0';
        network_options o;
        try {
            o.kind = network_kind_from_name(expect_key("variant"));
        } catch (const error& e) {
            throw fail(std::string("variant: ") + e.what());
        }
        const bool hidden_layer = o.kind != network_kind::readout;
        o.inputs = size_field("inputs");
        if (o.inputs == 0) throw fail("inputs: must be at least 1");
        o.classes = size_field("classes");
        if (o.classes < 2) throw fail("classes: must be at least 2");
        o.hidden = size_field("hidden");
        if (hidden_layer && o.hidden == 0) throw fail("hidden: the " + std::string(name_of(o.kind)) + " network needs hidden neurons");
        o.lateral_partners = size_field("lateral_partners");
        // Random partners are drawn among the other hidden neurons; kinds without lateral
        // connections ignore the value.
        if (has_lateral_connection(o.kind) && o.lateral_partners >= o.hidden)
            throw fail("lateral_partners: " + std::to_string(o.lateral_partners) + " partners need more than " +
                       std::to_string(o.hidden) + " hidden neurons");
        if (format_ >= 2) {
            try {
                o.binning = binning::mode_from_name(expect_key("hidden_binning"));
            } catch (const error& e) {
                throw fail(std::string("hidden_binning: ") + e.what());
            }
        }
        o.seed = parse_number("seed", expect_key("seed"), UINT64_MAX);
        const bool hidden_goal = hidden_layer && o.kind != network_kind::backprop;
        o.hidden_goal = goal_field("hidden_goal", hidden_goal, o.kind);
        o.output_goal = goal_field("output_goal", o.kind != network_kind::backprop, o.kind);
        try {
            validate(o);
        } catch (const error& e) {
            throw fail(std::string("inconsistent header: ") + e.what());
        }
        return o;
    }

    // The parameter lines must list exactly the shapes the options imply.
    void read_shapes(const network_options& o) {
        const auto expected = expected_parameters(o);
        const std::string count = expect_key("parameters");
        if (parse_number("parameters", count, model_max_dimension) != expected.size())
            throw fail("parameters: " + printable(count.substr(0, 40)) + " parameters, but the " + std::string(name_of(o.kind)) +
                       " network has " + std::to_string(expected.size()));
        for (const auto& p : expected) {
            std::string want = std::to_string(p.shape.size());
            for (auto d : p.shape) {
                want += ' ';
                want += std::to_string(d);
            }
            const std::string got = expect_key(p.name);
            if (got != want)
                throw fail(p.name + ": shape '" + printable(got.substr(0, 40)) + "', but the header's sizes imply '" + want + "'");
            payload_floats_ += p.size();
        }
        shapes_ = expected;
    }

    // The payload must fill the rest of the file exactly (less the trailer): checked before
    // anything is allocated for it.
    void check_size() const {
        const std::uintmax_t trailer = format_ >= 3 ? model_trailer_size : 0;
        const std::uintmax_t want = header_bytes_ + payload_floats_ * sizeof(float) + trailer;
        if (file_size_ < want)
            throw fail("truncated: " + std::to_string(file_size_) + " bytes, but the header implies " + std::to_string(want));
        if (file_size_ > want)
            throw fail("trailing bytes: " + std::to_string(file_size_) + " bytes, but the header implies " + std::to_string(want));
    }

    void read_exactly(void* data, std::size_t bytes, const std::string& what) {
        in_.read(static_cast<char*>(data), static_cast<std::streamsize>(bytes));
        if (in_.gcount() != static_cast<std::streamsize>(bytes)) throw fail("truncated while reading " + what);
    }

    void check_trailer() {
        char text[model_trailer_size];
        read_exactly(text, model_trailer_size, "the crc32 trailer");
        const std::string trailer(text, model_trailer_size);
        const std::string want = crc_trailer(crc_);
        if (trailer.compare(0, 6, "crc32 ") != 0 || trailer.back() != '\n')
            throw fail("crc32: no checksum trailer after the parameters");
        if (trailer != want)
            throw fail("crc32: checksum mismatch (stored " + printable(trailer.substr(6, 8)) + ", computed " + want.substr(6, 8) +
                       "): the file is damaged");
    }

    // Names the parameter and the index within it of the first value that is not finite.
    void check_finite(const std::vector<float>& payload) const {
        const auto bad = std::find_if(payload.begin(), payload.end(), [](float v) { return !std::isfinite(v); });
        if (bad == payload.end()) return;
        std::size_t index = static_cast<std::size_t>(bad - payload.begin());
        for (const auto& p : shapes_) {
            if (index < p.size())
                throw fail(p.name + ": value " + std::to_string(index) + " is " + std::to_string(*bad) + ", not finite");
            index -= p.size();
        }
    }

    // The payload and the network built from it (with its gradients and Adam moments) must fit
    // in the memory available: refused with the estimate before either is allocated.
    void check_memory(const network_options& o) const {
        const double payload = static_cast<double>(payload_floats_) * sizeof(float);
        check_available(payload + estimate_memory(o, 0, 0).parameters,
                        name_ + ": its " + std::string(name_of(o.kind)) + " network (hidden " + std::to_string(o.hidden) + ")",
                        0, " to load");
    }

    // Quoted header text with control and non-ASCII bytes escaped.
    static std::string printable(std::string_view text) {
        std::string out;
        for (const char c : text) {
            const auto u = static_cast<unsigned char>(c);
            if (u >= 0x20 && u < 0x7f) {
                out += c;
            } else {
                char hex[5];
                std::snprintf(hex, sizeof hex, "\\x%02x", u);
                out += hex;
            }
        }
        return out;
    }

    std::string name_;
    std::ifstream in_;
    std::uintmax_t file_size_ = 0;
    int format_ = 0;
    std::uintmax_t header_bytes_ = 0;
    std::size_t payload_floats_ = 0;
    std::vector<parameter_shape> shapes_;
    std::uint32_t crc_ = 0;
};

}  // namespace detail

/// Writes `net` to `path` (model file format 3: text header, float32 parameters, CRC-32 trailer), atomically.
inline void save_model(const std::filesystem::path& path, network& net) {
    const network_options& o = net.options();
    static_assert(std::endian::native == std::endian::little, "model files are little-endian");
    const auto params = net.parameters();
    std::ostringstream header;
    header << detail::model_magic << " " << detail::model_format << "\n"
           << "variant " << name_of(o.kind) << "\n"
           << "inputs " << o.inputs << "\nclasses " << o.classes << "\nhidden " << o.hidden << "\n"
           << "lateral_partners " << o.lateral_partners << "\nhidden_binning " << name_of(o.binning) << "\nseed "
           << o.seed << "\n"
           << "hidden_goal " << detail::join_goal(o.hidden_goal.empty() ? default_hidden_goal(o.kind) : o.hidden_goal) << "\n"
           << "output_goal " << detail::join_goal(o.output_goal) << "\n"
           << "parameters " << params.size() << "\n";
    for (const auto& p : params) {
        header << p.name << " " << p.shape.size();
        for (auto d : p.shape) header << " " << d;
        header << "\n";
    }
    header << "data\n";
    detail::write_atomically(path, [&](std::ofstream& out) {
        const std::string text = header.str();
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        std::uint32_t crc = detail::crc32_update(0, text.data(), text.size());
        for (const auto& p : params) {
            const std::size_t bytes = p.size() * sizeof(float);
            out.write(reinterpret_cast<const char*>(p.data), static_cast<std::streamsize>(bytes));
            crc = detail::crc32_update(crc, p.data, bytes);
        }
        const std::string trailer = detail::crc_trailer(crc);
        out.write(trailer.data(), static_cast<std::streamsize>(trailer.size()));
    });
}

/// The network a model file describes (format 1, 2 or 3), built by make_network and filled with the saved parameters.
///
/// Its options() are the ones it was saved with. Damaged or edited files are refused with an
/// infomorph::error naming the file and the header field; nothing is allocated for a header the
/// file's size cannot hold.
inline std::unique_ptr<network> load_model(const std::filesystem::path& path) {
    detail::model_reader reader(path);
    auto [o, payload] = reader.read();
    std::unique_ptr<network> net;
    try {
        net = make_network(o);
    } catch (const error& e) {
        throw reader.fail(std::string("inconsistent header: ") + e.what());
    }
    const auto params = net->parameters();
    const auto expected = detail::expected_parameters(o);
    std::size_t offset = 0;
    for (std::size_t i = 0; i < params.size(); ++i) {
        // expected_parameters mirrors the networks; a disagreement is a bug here, not damage.
        if (i >= expected.size() || params[i].name != expected[i].name || params[i].shape != expected[i].shape ||
            offset + params[i].size() > payload.size())
            throw reader.fail("the " + std::string(name_of(o.kind)) + " network's parameters differ from the model format's");
        std::memcpy(params[i].data, payload.data() + offset, params[i].size() * sizeof(float));
        offset += params[i].size();
    }
    if (params.size() != expected.size() || offset != payload.size())
        throw reader.fail("the " + std::string(name_of(o.kind)) + " network's parameters differ from the model format's");
    return net;
}

}  // namespace infomorph
