// The IDX reader on arbitrary bytes, raw and gzip-compressed. The first byte chooses: bit 0
// gzip-compresses the rest before writing it (so that mutations reach the IDX header through a
// valid gzip stream; uncompressed inputs starting 1f 8b test damaged gzip streams), bit 1 reads
// a labels file (rank 1) instead of an images file (rank 3).
#include <infomorph/data/idx.hpp>

#include <zlib.h>

#include <vector>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    std::vector<std::uint8_t> bytes(data + 1, data + size);
    if (mode & 1) {
        uLongf packed_size = compressBound(static_cast<uLong>(bytes.size())) + 32;
        std::vector<std::uint8_t> packed(packed_size);
        // A gzip stream (windowBits 15 + 16), as gzread expects of a .gz file.
        z_stream z{};
        if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
        z.next_in = bytes.data();
        z.avail_in = static_cast<uInt>(bytes.size());
        z.next_out = packed.data();
        z.avail_out = static_cast<uInt>(packed.size());
        if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
        packed_size = z.total_out;
        deflateEnd(&z);
        packed.resize(packed_size);
        bytes = std::move(packed);
    }
    const auto& path = fuzz::write_input("idx", bytes.data(), bytes.size());
    try {
        if (mode & 2) {
            std::vector<std::size_t> dims;
            infomorph::data::detail::read_idx(path, 1, dims);
        } else {
            infomorph::data::read_idx_images(path);
        }
    } catch (const infomorph::error&) {
    }
    return 0;
}
