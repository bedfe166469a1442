#pragma once
// Work cut into a fixed number of blocks and spread over threads. How the work is cut depends
// only on the problem, never on the thread count, so results are bit-identical for any
// number of threads.

#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace infomorph::detail {

// fn(block) for every block in [0, blocks); thread t takes a contiguous range of blocks.
template <class Fn>
void parallel_blocks(std::size_t threads, std::size_t blocks, Fn&& fn) {
    if (threads > blocks) threads = blocks;
    if (threads <= 1) {
        for (std::size_t b = 0; b < blocks; ++b) fn(b);
        return;
    }
    std::vector<std::exception_ptr> errors(threads);
    auto work = [&](std::size_t t) {
        try {
            for (std::size_t b = blocks * t / threads; b < blocks * (t + 1) / threads; ++b) fn(b);
        } catch (...) {
            errors[t] = std::current_exception();
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

// [begin, end) of block b when `count` items are cut into `blocks` near-equal blocks.
inline std::size_t block_begin(std::size_t count, std::size_t blocks, std::size_t b) { return count * b / blocks; }

}  // namespace infomorph::detail
