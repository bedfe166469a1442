#pragma once
// Durable output files (POSIX): atomic replacement through a uniquely named temporary file,
// fsync'ed before the rename and the directory after it; append-only files whose every
// write is checked; an advisory directory lock (flock, so the kernel releases it when its
// holder dies: a killed run never leaves a lock behind that blocks the next one).

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include "infomorph/error.hpp"

namespace infomorph::detail {

/// "path: what (strerror(errno))", the message of a failed system call on a file.
inline error file_error(const std::filesystem::path& path, const std::string& what, int code = errno) {
    return error(path.string() + ": " + what + " (" + std::strerror(code) + ")");
}

/// Flushes a file's data to the disk (fsync(2)); a directory flushes its entries (a rename).
inline void sync_path(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw file_error(path, "cannot open to sync");
    const int synced = ::fsync(fd);
    const int code = errno;
    ::close(fd);
    // Some file systems (and character devices) cannot sync: EINVAL says so, it is no failure.
    if (synced != 0 && code != EINVAL) throw file_error(path, "fsync failed", code);
}

/// The directory a path lies in ("." for a bare name).
inline std::filesystem::path directory_of(const std::filesystem::path& path) {
    return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

/// Creates a new, empty temporary file next to `path` (O_EXCL: never someone else's file):
/// `path`.partial.<pid>.<counter>, so concurrent writers of one name never share a temporary.
inline std::filesystem::path create_temporary(const std::filesystem::path& path) {
    static std::atomic<std::uint64_t> counter{0};
    for (int attempt = 0; attempt < 1000; ++attempt) {
        auto temporary = path;
        temporary += ".partial." + std::to_string(::getpid()) + "." + std::to_string(counter++);
        const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            ::close(fd);
            return temporary;
        }
        if (errno != EEXIST) throw file_error(path, "cannot create a temporary file");
    }
    throw error(path.string() + ": cannot find a free temporary name");
}

/// Whether a file name is one of create_temporary's for `name`.
inline bool is_temporary_of(std::string_view file, std::string_view name) {
    const std::string prefix = std::string(name) + ".partial.";
    return file.substr(0, prefix.size()) == prefix;
}

/// Writes a file via a uniquely named temporary in the same directory: write(out), flush,
/// fsync, rename into place, fsync the directory. A failed or interrupted write never leaves
/// a half-written file under `path`, and a crash after the return never loses it.
template <class Writer>
void write_atomically(const std::filesystem::path& path, Writer&& write) {
    const auto temporary = create_temporary(path);
    try {
        {
            std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
            if (!out) throw error(path.string() + ": cannot create");
            write(out);
            out.close();
            if (!out) throw error(path.string() + ": write failed (disk full?)");
        }
        sync_path(temporary);
        std::error_code ec;
        std::filesystem::rename(temporary, path, ec);
        if (ec) throw error(path.string() + ": cannot rename the temporary file into place (" + ec.message() + ")");
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        throw;
    }
    sync_path(directory_of(path));
}

/// A file written by appending whole records, each with one checked write(2), kept open.
class append_file {
public:
    /// Opens `path` for appending, created if missing, cut to its first `keep` bytes (an
    /// error if it is shorter: the file is not the one the caller expects).
    append_file(std::filesystem::path path, std::uint64_t keep) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0) throw file_error(path_, "cannot open for appending");
        struct stat st {};
        if (::fstat(fd_, &st) != 0) throw file_error(path_, "cannot stat");
        const auto size = static_cast<std::uint64_t>(st.st_size);
        if (S_ISREG(st.st_mode)) {
            if (size < keep)
                throw error(path_.string() + ": holds " + std::to_string(size) + " bytes, fewer than the " +
                            std::to_string(keep) + " its checkpoint recorded");
            if (size > keep && ::ftruncate(fd_, static_cast<off_t>(keep)) != 0) throw file_error(path_, "cannot truncate");
        }
        bytes_ = keep;
    }
    append_file(const append_file&) = delete;
    append_file& operator=(const append_file&) = delete;
    ~append_file() {
        if (fd_ >= 0) ::close(fd_);
    }

    /// Appends `record` whole, in one write(2) unless the system splits it; any failure throws.
    void append(std::string_view record) {
        std::size_t done = 0;
        while (done < record.size()) {
            const ssize_t n = ::write(fd_, record.data() + done, record.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw file_error(path_, "write failed");
            done += static_cast<std::size_t>(n);
        }
        bytes_ += record.size();
    }

    /// fsync(2): what was appended survives a crash.
    void sync() {
        if (::fsync(fd_) != 0 && errno != EINVAL) throw file_error(path_, "fsync failed");
    }

    /// The file's length: what it held (up to `keep`) plus what was appended.
    std::uint64_t bytes() const { return bytes_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::uint64_t bytes_ = 0;
};

/// An exclusive advisory lock on `directory`/.lock (flock(2)), held while the object lives.
class directory_lock {
public:
    /// Locks `directory`, or throws naming the directory when another process holds the lock.
    explicit directory_lock(const std::filesystem::path& directory) {
        const auto path = directory / ".lock";
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw file_error(path, "cannot create the lock file");
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int code = errno;
            ::close(fd_);
            if (code == EWOULDBLOCK)
                throw error(directory.string() + ": another process is using this directory (" + path.string() +
                            " is locked); give each run its own --out");
            throw file_error(path, "cannot lock", code);
        }
    }
    directory_lock(const directory_lock&) = delete;
    directory_lock& operator=(const directory_lock&) = delete;
    ~directory_lock() { ::close(fd_); }  // closing releases the lock

private:
    int fd_ = -1;
};

}  // namespace infomorph::detail
