// `infomorph pid` without the command line: the CSV reader, the distribution and the I^sx
// solver (with pointwise values) on arbitrary text. The first byte chooses the number of
// sources (2..4) and the format (probs, counts, samples). Every input ends in a result or in
// one of the errors the command reports.
#include <infomorph/pid.hpp>

#include <sstream>
#include <string>

#include "csv_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t sources = 2 + data[0] % 3;
    const auto format = static_cast<pid_cli::csv_format>((data[0] / 3) % 3);
    std::istringstream in(std::string(reinterpret_cast<const char*>(data + 1), size - 1));
    try {
        auto t = pid_cli::read_csv(in, "<fuzz>", sources, format);
        infomorph::sparse_distribution d;
        switch (format) {
            case pid_cli::csv_format::probs:
                d = infomorph::sparse_distribution::from_probabilities(sources, std::move(t.values), std::move(t.weights));
                break;
            case pid_cli::csv_format::counts:
                d = infomorph::sparse_distribution::from_counts(sources, std::move(t.values), std::move(t.weights));
                break;
            case pid_cli::csv_format::samples: d = infomorph::sparse_distribution::from_samples(sources, std::move(t.values)); break;
        }
        infomorph::isx_dynamic(d, {.pointwise = true});
    } catch (const infomorph::error&) {
    } catch (const pid_cli::input_error&) {
    }
    return 0;
}
