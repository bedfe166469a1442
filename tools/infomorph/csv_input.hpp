#pragma once
// The CSV reader of `infomorph pid`: rows "s1,..,sN,t[,w]". Its own header so that the fuzzer
// (fuzz/) can include it without main().

#include <infomorph/detail/quote.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pid_cli {

using infomorph::detail::quote;

enum class csv_format { probs, counts, samples };

struct input_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Rows "s1,..,sN,t[,w]": values are non-negative integers, w a probability or count.
struct table {
    std::vector<std::uint32_t> values;
    std::vector<double> weights;
};

inline table read_csv(std::istream& in, const std::string& name, std::size_t n_sources, csv_format format) {
    const std::size_t n_values = n_sources + 1;
    const std::size_t fields = n_values + (format == csv_format::samples ? 0 : 1);
    table t;
    std::string line;
    std::size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        const auto where = name + ":" + std::to_string(line_number) + ": ";
        const auto content = trim(line);
        if (content.empty() || content.front() == '#') continue;
        std::size_t field = 0;
        std::size_t start = 0;
        while (true) {
            const auto comma = content.find(',', start);
            const auto text = trim(content.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
            if (field >= fields)
                throw input_error(where + "more than " + std::to_string(fields) + " fields (expected " +
                                  std::to_string(fields) + " for " + std::to_string(n_sources) + " sources)");
            const char* first = text.data();
            const char* last = text.data() + text.size();
            if (field < n_values) {
                std::uint32_t v = 0;
                const auto [end, ec] = std::from_chars(first, last, v);
                if (text.empty() || ec != std::errc() || end != last)
                    throw input_error(where + "field " + std::to_string(field + 1) + " " + quote(text) +
                                      " is not a non-negative integer value");
                t.values.push_back(v);
            } else {
                double w = 0;
                const auto [end, ec] = std::from_chars(first, last, w);
                if (ec == std::errc::result_out_of_range && end == last)
                    throw input_error(where + "field " + std::to_string(field + 1) + " " + quote(text) +
                                      " lies outside the range of a double");
                if (text.empty() || ec != std::errc() || end != last)
                    throw input_error(where + "field " + std::to_string(field + 1) + " " + quote(text) +
                                      " is not a number");
                if (!(w >= 0) || std::isinf(w))
                    throw input_error(where + (format == csv_format::probs ? "probability " : "count ") +
                                      quote(text) + " must be finite and non-negative");
                t.weights.push_back(w);
            }
            ++field;
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
        if (field != fields)
            throw input_error(where + std::to_string(field) + " fields, expected " + std::to_string(fields) +
                              (format == csv_format::samples ? " (s1..sN,t)" : " (s1..sN,t,weight)"));
    }
    if (in.bad()) throw input_error(name + ": read error");
    if (t.values.empty()) throw input_error(name + ": no data rows");
    return t;
}

}  // namespace pid_cli
