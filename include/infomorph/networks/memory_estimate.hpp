#pragma once
// How much memory a network and its training will take, from the sizes alone, so that a
// program can refuse settings that cannot fit (`--hidden 10000000`) before allocating
// anything, and the machine's available memory to compare it with.

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

#include "infomorph/error.hpp"
#include "infomorph/networks/options.hpp"

namespace infomorph {

/// Bytes a network and its training need, by part; doubles, so that absurd sizes cannot overflow.
struct memory_estimate {
    double parameters = 0;  ///< weights, masks, gradients and the two Adam moments of every weight and bias
    double batch = 0;       ///< per-batch buffers: drives, probabilities, samples, bins, goal values, gradients
    double data = 0;        ///< the images as floats (training and test together)
    /// The sum of the three parts.
    double total() const { return parameters + batch + data; }
};

/// The estimate for a network of these options trained in batches of `batch` on `images` images of o.inputs values.
inline memory_estimate estimate_memory(const network_options& o, std::size_t batch, std::size_t images) {
    const double inputs = static_cast<double>(o.inputs), classes = static_cast<double>(o.classes);
    const double sources = static_cast<double>(hidden_sources(o.kind));
    const double hidden = sources > 0 ? static_cast<double>(o.hidden) : 0.0;
    // Each layer stores a dense weight matrix per source class (lateral ones hidden x hidden,
    // also with few partners), its mask, its gradient (floats) and Adam's m and v (doubles).
    double weights = 0;
    if (sources > 0) {
        weights += hidden * (inputs + classes + (sources > 2 || o.kind == network_kind::lateral ? hidden : 0.0) + sources);
        weights += classes * (hidden + classes + 2);
    } else {
        weights += classes * (inputs + classes + 2);
    }
    constexpr double bytes_per_weight = 4 + 4 + 4 + 8 + 8;
    memory_estimate e;
    e.parameters = weights * bytes_per_weight;
    // Per image of a batch and neuron: drives and probabilities of each source class and
    // pass, samples, bins and the goal's derivatives (about 32 values of 4 bytes), and the
    // batch of images itself, copied in and out.
    const double neurons = hidden + classes;
    e.batch = static_cast<double>(batch) * (neurons * 32 * 4 + 2 * inputs * 4);
    e.data = static_cast<double>(images) * inputs * 4;
    return e;
}

/// A size in bytes as people read it ("3.2 GiB").
inline std::string format_bytes(double bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    std::size_t u = 0;
    while (bytes >= 1024 && u + 1 < std::size(units)) {
        bytes /= 1024;
        ++u;
    }
    char text[48];
    std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return text;
}

namespace detail {

// A "Key:   value kB" line of a /proc file, in bytes; negative where absent.
inline double proc_kib_field(const char* path, const char* key) {
    std::ifstream file(path);
    std::string line;
    const std::string prefix = std::string(key) + ":";
    while (std::getline(file, line))
        if (line.compare(0, prefix.size(), prefix) == 0) return std::strtod(line.c_str() + prefix.size(), nullptr) * 1024;
    return -1;
}

}  // namespace detail

/// Bytes of memory available to a new allocation: MemAvailable of /proc/meminfo (else free
/// physical pages), and no more than the address space the process may still map under its
/// RLIMIT_AS (`ulimit -v`).
inline double available_memory() {
    double have = detail::proc_kib_field("/proc/meminfo", "MemAvailable");
    if (have < 0) {
        const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        have = pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
    }
    rlimit limit{};
    if (getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        const double mapped = detail::proc_kib_field("/proc/self/status", "VmSize");
        const double left = static_cast<double>(limit.rlim_cur) - (mapped > 0 ? mapped : 0.0);
        have = std::min(have, std::max(left, 0.0));
    }
    return have;
}

/// Throws infomorph::error "<what> would need about X<detail>, more than the Y available on
/// this machine" when `bytes` exceed available_memory() plus `held` (bytes already allocated
/// that the estimate counts again).
inline void check_available(double bytes, const std::string& what, double held = 0, const std::string& detail = "") {
    const double have = available_memory() + held;
    if (bytes > have)
        throw error(what + " would need about " + format_bytes(bytes) + detail + ", more than the " + format_bytes(have) +
                    " available on this machine");
}

}  // namespace infomorph
