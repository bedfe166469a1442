// The infomorph command line. `infomorph pid` reads a distribution as CSV and prints its
// I^sx PID as one JSON object; `infomorph train` trains a network variant (train_command.hpp).
// Bad input: one line on stderr, nothing on stdout, status 2.

#include <infomorph/infomorph.hpp>
#include <infomorph/version.hpp>
#include <infomorph/detail/quote.hpp>

#include "csv_input.hpp"
#include "evaluate_command.hpp"
#include "numbers.hpp"
#include "memory_command.hpp"
#include "train_command.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using json = nlohmann::ordered_json;
using infomorph::detail::quote;
using pid_cli::csv_format;
using pid_cli::input_error;
using pid_cli::read_csv;
using pid_cli::table;

// x + 0.0 turns -0.0 into +0.0: a deterministic target gives exact zeros, printed as 0.0.
double positive_zero(double x) { return x + 0.0; }

json parts_json(const std::vector<std::string>& names, const double* inf, const double* misinf, const double* total) {
    json out = json::object();
    for (std::size_t a = 0; a < names.size(); ++a)
        out[names[a]] = {{"inf", positive_zero(inf[a])}, {"misinf", positive_zero(misinf[a])}, {"total", positive_zero(total[a])}};
    return out;
}

json null_parts(const std::vector<std::string>& names) {
    json out = json::object();
    for (const auto& n : names) out[n] = {{"inf", nullptr}, {"misinf", nullptr}, {"total", nullptr}};
    return out;
}

json pid_json(const infomorph::dynamic_pid_result& r) {
    json out;
    out["n_sources"] = r.n_sources;
    out["atoms"] = parts_json(r.names, r.atoms_inf.data(), r.atoms_misinf.data(), r.atoms_total.data());
    out["redundancies"] =
        parts_json(r.names, r.redundancies_inf.data(), r.redundancies_misinf.data(), r.redundancies_total.data());
    out["mi"] = positive_zero(r.mi);
    out["h_target"] = positive_zero(r.h_target);
    out["h_res"] = positive_zero(r.h_res);
    return out;
}

void write_out(std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) throw input_error("<stdout>: write error");
}

// The result as one JSON object on stdout. The pointwise values (one entry per input row in
// input order, null for rows of zero probability) are streamed row by row: their text is many
// times the size of the input and need not exist in memory at once.
void print_pid(const infomorph::sparse_distribution& d, const infomorph::dynamic_pid_result& r, bool pointwise) {
    std::string head = pid_json(r).dump();
    if (!pointwise) {
        write_out(head + "\n");
    } else {
        head.pop_back();  // the closing brace: the pointwise array follows
        write_out(head + ",\"pointwise\":[");
        const std::size_t L = r.names.size();
        std::size_t stored = 0;
        for (std::size_t input = 0; input < d.input_rows(); ++input) {
            json row;
            if (stored < d.rows() && d.input_row(stored) == input) {
                const std::size_t off = stored * L;
                row = {{"atoms", parts_json(r.names, r.pointwise_atoms.inf.data() + off, r.pointwise_atoms.misinf.data() + off,
                                            r.pointwise_atoms.total.data() + off)},
                       {"redundancies", parts_json(r.names, r.pointwise_redundancies.inf.data() + off,
                                                   r.pointwise_redundancies.misinf.data() + off,
                                                   r.pointwise_redundancies.total.data() + off)}};
                ++stored;
            } else {
                row = {{"atoms", null_parts(r.names)}, {"redundancies", null_parts(r.names)}};
            }
            write_out((input == 0 ? "" : ",") + row.dump());
        }
        write_out("]}\n");
    }
    if (std::fflush(stdout) != 0) throw input_error("<stdout>: write error");
}

// The pointwise values take six doubles per input row and antichain (the informative,
// misinformative and total parts of the atoms and of the redundancies): refused with that
// estimate before they are allocated.
void check_pointwise_memory(const std::string& name, std::size_t rows, std::size_t n_sources) {
    const double antichains = n_sources == 2 ? 4 : n_sources == 3 ? 18 : 166;
    infomorph::check_available(static_cast<double>(rows) * antichains * 6 * sizeof(double),
                               name + ": the pointwise values of " + std::to_string(rows) + " rows of " +
                                   std::to_string(n_sources) + " sources");
}

int run_pid(const std::string& file, std::size_t n_sources, bool pointwise, csv_format format) {
    infomorph::sparse_distribution::check_source_count(n_sources);
    const std::string name = file.empty() || file == "-" ? "<stdin>" : file;
    table t;
    if (name == "<stdin>") {
        t = read_csv(std::cin, name, n_sources, format);
    } else {
        std::ifstream in(file);
        if (!in) throw input_error(file + ": cannot open");
        t = read_csv(in, file, n_sources, format);
    }
    infomorph::sparse_distribution d;
    try {
        switch (format) {
            case csv_format::probs: d = infomorph::sparse_distribution::from_probabilities(n_sources, std::move(t.values), std::move(t.weights)); break;
            case csv_format::counts: d = infomorph::sparse_distribution::from_counts(n_sources, std::move(t.values), std::move(t.weights)); break;
            case csv_format::samples: d = infomorph::sparse_distribution::from_samples(n_sources, std::move(t.values)); break;
        }
    } catch (const infomorph::error& e) {
        throw input_error(name + ": " + e.what());  // whole-input problems (a zero total, ...)
    }
    if (pointwise) check_pointwise_memory(name, d.rows(), n_sources);
    const auto r = infomorph::isx_dynamic(d, {.pointwise = pointwise});
    print_pid(d, r, pointwise);
    return 0;
}

}  // namespace

// OpenBLAS's own threads would compete with ours (we parallelise over neurons in fixed
// blocks) and make results depend on its thread count: one BLAS thread, where the BLAS is
// OpenBLAS (a weak reference: other BLAS libraries simply lack the symbol).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

static int run_command_line(int argc, char** argv) {
    if (openblas_set_num_threads != nullptr && std::getenv("OPENBLAS_NUM_THREADS") == nullptr) openblas_set_num_threads(1);
    CLI::App app{"infomorph: partial information decomposition (I^sx) and infomorphic networks"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("infomorph ") + INFOMORPH_VERSION_STRING);
    auto* pid = app.add_subcommand("pid", "PID of a joint distribution read as CSV rows s1,...,sN,t[,p|count]");
    std::string file;
    std::size_t n_sources = 0;
    bool pointwise = false;
    csv_format format = csv_format::probs;
    pid->add_option("file", file, "CSV file (default: standard input)");
    pid->add_option("--sources,-n", n_sources, "number of sources N (2 to 4)")
        ->required()
        ->check(cli_numbers::whole_number(2, infomorph::max_sources));
    pid->add_flag("--pointwise", pointwise, "also print the pointwise values of every input row");
    pid->add_option("--format", format, "probs (default), counts or samples")
        ->transform(CLI::CheckedTransformer(
            std::map<std::string, csv_format>{{"probs", csv_format::probs}, {"counts", csv_format::counts}, {"samples", csv_format::samples}},
            CLI::ignore_case));
    auto* train = app.add_subcommand("train", "train a network variant of the paper and evaluate it");
    train_cli::settings train_settings;
    std::string train_config;
    const auto train_flags = train_cli::add_flags(*train, train_settings, train_config);
    auto* memory = app.add_subcommand("memory", "associative memory: infomorphic or classical Hopfield networks on random patterns");
    memory_cli::settings memory_settings;
    memory_cli::add_flags(*memory, memory_settings);
    auto* evaluate = app.add_subcommand("evaluate", "accuracy and confusion matrix of a saved model on the test set");
    evaluate_cli::settings evaluate_settings;
    evaluate_cli::add_common_flags(*evaluate, evaluate_settings);
    evaluate->add_flag("--json", evaluate_settings.json, "one JSON object with test_accuracy and confusion");
    auto* predict = app.add_subcommand("predict", "predicted label and class probabilities of each image of an IDX file");
    evaluate_cli::settings predict_settings;
    evaluate_cli::add_common_flags(*predict, predict_settings);
    predict->add_option("images", predict_settings.images, "IDX images file (gzip or plain), e.g. t10k-images-idx3-ubyte.gz")
        ->required();
    predict->add_flag("--json", predict_settings.json, "one JSON object with a prediction per image");
    predict->add_flag("--csv", predict_settings.csv, "CSV: image, label, p0..p9 (the default)");
    app.add_subcommand("help", "print this help");
    if (argc == 1 || (argc == 2 && std::string_view(argv[1]) == "help")) {
        std::cout << app.help();
        return 0;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "infomorph: error: " << e.what() << "\n";
        return 2;
    }
    try {
        if (pid->parsed()) return run_pid(file, n_sources, pointwise, format);
        if (train->parsed()) {
            train_cli::configure(train_settings, train_config, train_flags);
            return train_cli::run(train_settings);
        }
        if (evaluate->parsed()) return evaluate_cli::run_evaluate(evaluate_settings);
        if (predict->parsed()) return evaluate_cli::run_predict(predict_settings);
        if (memory->parsed()) return memory_cli::run(memory_settings);
    } catch (const std::bad_alloc&) {
        // What the size checks could not foresee (a huge CSV, a ulimit): say so in words.
        std::cerr << "infomorph: error: out of memory: the input or the settings need more memory than is available\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "infomorph: error: " << e.what() << "\n";
        return 2;
    }
    return 0;
}

// Standard output is flushed and checked before the exit status is settled: output lost to a
// full disk or a closed pipe is an error, not a success.
int main(int argc, char** argv) {
    const int status = run_command_line(argc, argv);
    std::cout.flush();
    errno = 0;
    if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout) {
        std::cerr << "infomorph: error: standard output: write failed (" << std::strerror(errno != 0 ? errno : EIO) << ")\n";
        return status != 0 ? status : 2;
    }
    return status;
}
