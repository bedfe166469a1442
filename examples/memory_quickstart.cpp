// An infomorphic Hopfield network stores 16 random patterns in 32 neurons (load 0.5), where
// the Hebb rule fails; then recall from cues with 10 % of their bits flipped.
#include <infomorph/memory.hpp>

#include <cstdio>

int main() {
    namespace mem = infomorph::memory;
    const auto patterns = mem::random_patterns(16, 32, /*seed*/ 1);

    mem::memory_options o;           // the paper's model: w_T = 2.3, lr 0.05, [2, 60] bins
    o.neurons = 32;
    o.objective = mem::goals::redundancy;
    mem::memory_network net(o);
    for (int epoch = 0; epoch < 300; ++epoch) net.epoch(patterns);

    const auto clean = net.recall(patterns, patterns);
    const auto cues = mem::flip_bits(patterns, 0.1, /*seed*/ 2);
    const auto noisy = net.recall(cues, patterns);
    const auto atoms = net.atoms(patterns);  // authors' order: unq ext, unq rec, red, syn, H_res
    std::printf("infomorphic: mean cosine %.3f (stored: %s), from 10%% noise %.3f\n", clean.mean_cosine,
                clean.stored ? "yes" : "no", noisy.mean_cosine);
    std::printf("atoms: unique ext %.3f, unique rec %.3f, redundancy %.3f, synergy %.3f, H_res %.3f\n", atoms[0],
                atoms[1], atoms[2], atoms[3], atoms[4]);

    const auto hebb = mem::hebb(patterns);
    const auto h = mem::recall(hebb.weights, hebb.bias, mem::update_rule::sign_keep, patterns, patterns, 32);
    std::printf("hebb: mean cosine %.3f (stored: %s)\n", h.mean_cosine, h.stored ? "yes" : "no");
    return clean.stored && !h.stored ? 0 : 1;
}
