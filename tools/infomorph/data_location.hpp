#pragma once
// Where `infomorph train` finds MNIST when no --data-dir is given: $INFOMORPH_DATA_DIR/mnist,
// then ./data/mnist (the source tree), then the copy installed next to the program
// (<prefix>/bin/infomorph -> <prefix>/share/infomorph/data/mnist). The error names every
// place it looked and how to point the program at the files.

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace train_cli {

inline std::string find_mnist_dir() {
    namespace fs = std::filesystem;
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("INFOMORPH_DATA_DIR"); env != nullptr && *env != '\0')
        candidates.push_back(fs::path(env) / "mnist");
    candidates.emplace_back("data/mnist");
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);  // Linux; elsewhere this place is skipped
    if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share/infomorph/data/mnist");
    std::string looked;
    for (const auto& dir : candidates) {
        if (fs::is_regular_file(dir / "train-images-idx3-ubyte.gz", ec)) return dir.string();
        looked += (looked.empty() ? "" : ", ") + dir.string();
    }
    throw std::runtime_error("MNIST not found (looked in " + looked +
                             "); pass --data-dir DIR, the directory of train-images-idx3-ubyte.gz, or set "
                             "INFOMORPH_DATA_DIR to the directory holding mnist/");
}

}  // namespace train_cli
