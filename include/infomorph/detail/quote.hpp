#pragma once
// Quoting untrusted input in error messages: a message must stay one short line whatever the
// input holds, so at most `limit` bytes are shown, control bytes and bytes >= 0x7f are escaped
// (\n, \t, \x1b, ...) and a cut is marked.

#include <cstddef>
#include <string>
#include <string_view>

namespace infomorph::detail {

/// The input between single quotes, at most `limit` bytes of it, control characters escaped, "...(N bytes)" when cut.
inline std::string quote(std::string_view text, std::size_t limit = 100) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "'";
    const std::size_t shown = text.size() < limit ? text.size() : limit;
    for (std::size_t i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\\': out += "\\\\"; break;
            default:
                if (c < 0x20 || c >= 0x7f) {
                    out += "\\x";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '\'';
    if (shown < text.size()) out += "...(cut, " + std::to_string(text.size()) + " bytes)";
    return out;
}

}  // namespace infomorph::detail
