// expect-error: source_counts<Ns\.\.\.> is empty: list the numbers of sources to instantiate
#include <infomorph/lattice/dispatch.hpp>

int sources(std::size_t n) {
    return infomorph::with_sources(infomorph::source_counts<>{}, n, [](auto) { return 0; });
}
