#pragma once
// Work cut into a fixed number of blocks and spread over threads. How the work is cut depends
// only on the problem, never on the thread count, so results are bit-identical for any
// number of threads.
//
// The threads are kept between calls (a team per calling thread, started on first use and
// joined when that thread ends): a training step makes some twenty parallel calls, and
// starting threads for each cost several percent of an epoch. As with any thread pool, a
// process that forks after using more than one thread must not use the library in the child.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace infomorph::detail {

// Runs work(t) for t in [0, threads): t = 0 on the calling thread, the others on workers that
// wait between calls (work(t) for t > 0 must not throw; parallel_workers catches for it). A
// nested call from inside work(0) finds the team busy and runs its parts one after another on
// the calling thread (a nested call from a worker uses that
// worker's own team).
class thread_team {
public:
    thread_team() = default;
    thread_team(const thread_team&) = delete;
    thread_team& operator=(const thread_team&) = delete;
    ~thread_team() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
            ++generation_;
        }
        wake_.notify_all();
        for (auto& w : workers_) w.join();
    }

    template <class Work>
    void run(std::size_t threads, Work& work) {
        if (threads <= 1 || busy_) {
            for (std::size_t t = 0; t < threads; ++t) work(t);
            return;
        }
        busy_ = true;
        while (workers_.size() < threads - 1) {
            const std::size_t index = workers_.size() + 1;
            workers_.emplace_back([this, index] { serve(index); });
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            call_ = [](void* context, std::size_t t) { (*static_cast<Work*>(context))(t); };
            context_ = &work;
            active_ = threads - 1;
            pending_ = threads - 1;
            ++generation_;
        }
        wake_.notify_all();
        std::exception_ptr error;
        try {
            work(std::size_t{0});
        } catch (...) {
            error = std::current_exception();  // the workers still hold `work`: wait for them first
        }
        spin_while([this] { return pending_.load(std::memory_order_relaxed) != 0; });
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return pending_ == 0; });
        busy_ = false;
        if (error) std::rethrow_exception(error);
    }

private:
    // A step makes its parallel calls a few to a few hundred microseconds apart; a thread put
    // to sleep on a condition variable takes tens of microseconds to wake (more in a virtual
    // machine), which at 100 neurons was a large part of each call. So a waiting thread first
    // watches the counter it waits on for up to `spin`, then sleeps. It yields its core between
    // looks: with more threads than cores (two training processes on two cores), a watcher
    // that kept its core would delay the very thread it waits for. The counters are only read
    // here; what they guard is still handed over under the mutex.
    static constexpr std::chrono::microseconds spin{200};
    template <class Busy>
    static void spin_while(Busy busy) {
        const auto until = std::chrono::steady_clock::now() + spin;
        for (unsigned i = 1; busy(); ++i) {
#if defined(__x86_64__) || defined(__i386__)
            _mm_pause();
#endif
            if (i % 16 == 0) {
                if (std::chrono::steady_clock::now() > until) return;
                std::this_thread::yield();
            }
        }
    }

    void serve(std::size_t index) {
        std::size_t seen = 0;
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            if (generation_ == seen) {
                lock.unlock();
                spin_while([&] { return generation_.load(std::memory_order_relaxed) == seen; });
                lock.lock();
            }
            wake_.wait(lock, [&] { return generation_ != seen; });
            seen = generation_;
            if (stop_) return;
            if (index > active_) continue;
            auto* call = call_;
            void* context = context_;
            lock.unlock();
            call(context, index);  // work catches its own exceptions (see parallel_blocks)
            lock.lock();
            if (--pending_ == 0) done_.notify_one();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::vector<std::thread> workers_;
    void (*call_)(void*, std::size_t) = nullptr;
    void* context_ = nullptr;
    std::size_t active_ = 0;
    std::atomic<std::size_t> pending_{0}, generation_{0};  // written under the mutex
    bool stop_ = false;
    bool busy_ = false;  // touched by the owning thread only
};

inline thread_team& this_thread_team() {
    thread_local thread_team team;
    return team;
}

// work(t) for t in [0, threads) on the calling thread's team; the first exception thrown
// by any t is rethrown here once all have finished.
template <class Fn>
void parallel_workers(std::size_t threads, Fn&& fn) {
    if (threads <= 1) {
        fn(std::size_t{0});
        return;
    }
    std::vector<std::exception_ptr> errors(threads);
    auto work = [&](std::size_t t) {
        try {
            fn(t);
        } catch (...) {
            errors[t] = std::current_exception();
        }
    };
    this_thread_team().run(threads, work);
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

// fn(block) for every block in [0, blocks); thread t takes a contiguous range of blocks.
template <class Fn>
void parallel_blocks(std::size_t threads, std::size_t blocks, Fn&& fn) {
    if (threads > blocks) threads = blocks;
    if (threads <= 1) {
        for (std::size_t b = 0; b < blocks; ++b) fn(b);
        return;
    }
    parallel_workers(threads, [&](std::size_t t) {
        for (std::size_t b = blocks * t / threads; b < blocks * (t + 1) / threads; ++b) fn(b);
    });
}

// [begin, end) of block b when `count` items are cut into `blocks` near-equal blocks.
inline std::size_t block_begin(std::size_t count, std::size_t blocks, std::size_t b) { return count * b / blocks; }

}  // namespace infomorph::detail
