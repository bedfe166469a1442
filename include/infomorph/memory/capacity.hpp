#pragma once
/// \file
/// Experiments on the memory: one network trained at a load, the capacity sweep, the recall
/// curve over cue noise and the online (streaming) task. Protocol of the authors'
/// paper_hopfield/src/training.py (commit ecc3d7e): threshold_learning tests recall at 15
/// log-spaced checkpoint epochs and stops once the mean cosine reaches 0.95; capacity_learning
/// sweeps the load alpha = P/N from `from` in steps of `step` (P = ceil(alpha N)), with fresh
/// patterns and a fresh network at every load, and stops at the first load not stored
/// (conf/mods/capacity/exact.yaml: interrupt, threshold = epsilon = 0.95).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "infomorph/detail/quote.hpp"
#include "infomorph/error.hpp"
#include "infomorph/memory/memory_network.hpp"
#include "infomorph/memory/rules.hpp"

namespace infomorph::memory {

/// The learning rule of a memory experiment: the infomorphic network or a classical rule (Hebb, MPF, Descent-L2).
enum class rule { infomorphic, hebb, mpf, descent_l2 };

/// The rule of a name: infomorphic, hebb, mpf or descent_l2; throws infomorph::error for any other.
inline rule rule_from_name(std::string_view name) {
    if (name == "infomorphic") return rule::infomorphic;
    if (name == "hebb") return rule::hebb;
    if (name == "mpf") return rule::mpf;
    if (name == "descent_l2") return rule::descent_l2;
    throw error("no memory rule named " + detail::quote(name) +
                                " (infomorphic, hebb, mpf, descent_l2)");
}

/// The name of a rule, as rule_from_name reads it.
inline const char* rule_name(rule r) {
    switch (r) {
        case rule::infomorphic: return "infomorphic";
        case rule::hebb: return "hebb";
        case rule::mpf: return "mpf";
        case rule::descent_l2: return "descent_l2";
    }
    return "?";
}

/// One memory experiment's settings: rule, size, training and test noise; the defaults are the authors'.
struct experiment {
    /// The learning rule.
    rule kind = rule::infomorphic;
    /// N, the number of neurons (at least 2).
    std::size_t neurons = 100;
    std::size_t epochs = 5000;         ///< training epochs (infomorphic and MPF)
    /// The goal of the infomorphic neurons.
    goal<2> objective = goals::redundancy;
    double lr = 0.05;                  ///< learning rate of the infomorphic network (Adam)
    double external_weight = 2.3;      ///< the infomorphic neurons' frozen weight |w_T| of their own pattern bit
    /// The infomorphic neurons' estimator of the joint distribution.
    estimator binning = estimator::fixed_bins;
    mpf_options mpf{};                 ///< settings of MPF; its epochs are `epochs`
    /// Settings of Descent-L2.
    descent_l2_options l2{};
    bool early_stop = true;            ///< stop training once stored at a checkpoint (the authors')
    /// How many log-spaced epochs (checkpoint_epochs) training tests recall at.
    std::size_t checkpoints = 15;
    double noise = 0.0;                ///< flip fraction of the cues at the final test
    std::size_t threads = 1;           ///< threads inside one network (the layer's neuron blocks)
};

/// What one experiment at one load produced.
struct outcome {
    /// P, the number of patterns.
    std::size_t patterns = 0;
    recall_result recall;              ///< from cues with `noise` flipped bits
    bool stored = false;               ///< the authors' criterion on clean cues (training stop rule)
    /// The mean cosine of recall from clean cues.
    double clean_mean_cosine = 0;
    /// Training epochs done (infomorphic and MPF; 0 for Hebb and Descent-L2).
    std::size_t epochs_run = 0;
    /// Whether atoms holds the infomorphic neurons' atoms.
    bool has_atoms = false;
    atom_summary atoms{};              ///< infomorphic: the neurons' mean atoms after training
    std::vector<recall_result> swept;  ///< from cues with each of `sweep`'s flip fractions
};

/// numpy.logspace(0, log10(epochs), n, dtype=int): the epochs at which training is tested.
inline std::vector<std::size_t> checkpoint_epochs(std::size_t epochs, std::size_t n) {
    std::vector<std::size_t> c;
    if (epochs == 0 || n == 0) return c;
    const double top = std::log10(static_cast<double>(epochs));
    for (std::size_t k = 0; k < n; ++k) {
        const double y = n == 1 ? top : (k + 1 == n ? top : static_cast<double>(k) * (top / static_cast<double>(n - 1)));
        c.push_back(static_cast<std::size_t>(std::pow(10.0, y)));
    }
    return c;
}

/// The streams of one seed: patterns, network initialisation, cue noise, keyed by the load.
inline std::uint64_t stream(std::uint64_t seed, std::uint64_t what, std::uint64_t patterns) {
    return detail::stream_seed(detail::stream_seed(seed, what), patterns);
}

/// Trains one network on `patterns` fresh random patterns of `seed` and tests it (and, if
/// `sweep` is given, the same network from cues with each of those flip fractions).
inline outcome run_experiment(const experiment& e, std::size_t patterns, std::uint64_t seed,
                              const std::vector<double>& sweep = {}) {
    if (e.neurons < 2) throw error("the memory needs at least 2 neurons (got " + std::to_string(e.neurons) + ")");
    if (patterns == 0) throw error("the memory needs at least one pattern");
    const matrix x = random_patterns(patterns, e.neurons, stream(seed, 1, patterns));
    const matrix cues = flip_bits(x, e.noise, stream(seed, 3, patterns));
    outcome out;
    out.patterns = patterns;
    if (e.kind == rule::infomorphic) {
        memory_options o;
        o.neurons = e.neurons;
        o.objective = e.objective;
        o.lr = e.lr;
        o.binning = e.binning;
        o.external_weight = e.external_weight;
        o.seed = stream(seed, 2, patterns);
        o.threads = e.threads;
        memory_network net(o);
        const auto checks = checkpoint_epochs(e.epochs, e.checkpoints);
        for (std::size_t epoch = 1; epoch <= e.epochs; ++epoch) {
            net.epoch(x);
            out.epochs_run = epoch;
            if (e.early_stop && std::find(checks.begin(), checks.end(), epoch) != checks.end() && net.recall(x, x).stored) break;
        }
        const auto clean = net.recall(x, x);
        out.stored = clean.stored;
        out.clean_mean_cosine = clean.mean_cosine;
        out.recall = e.noise > 0 ? net.recall(cues, x) : clean;
        for (double f : sweep) out.swept.push_back(net.recall(flip_bits(x, f, stream(seed, 3, patterns)), x));
        out.atoms = net.atoms(x);
        out.has_atoms = true;
        return out;
    }
    hopfield_weights w;
    if (e.kind == rule::hebb) {
        w = hebb(x);
    } else if (e.kind == rule::mpf) {
        mpf_options m = e.mpf;
        m.epochs = e.epochs;
        w = mpf(x, m);
        out.epochs_run = e.epochs;
    } else {
        w = descent_l2(x, e.l2);
    }
    const auto clean = recall(w.weights, w.bias, update_rule::sign_keep, x, x, e.neurons);
    out.stored = clean.stored;
    out.clean_mean_cosine = clean.mean_cosine;
    out.recall = e.noise > 0 ? recall(w.weights, w.bias, update_rule::sign_keep, cues, x, e.neurons) : clean;
    for (double f : sweep)
        out.swept.push_back(recall(w.weights, w.bias, update_rule::sign_keep, flip_bits(x, f, stream(seed, 3, patterns)), x, e.neurons));
    return out;
}

/// The loads alpha = P/N a capacity sweep tries: from, then in steps of step, up to to.
struct capacity_options {
    /// The first load, as P/N.
    double from = 0.2, to = 2.0, step = 0.02;
};
/// \var capacity_options::to
/// The last load, as P/N.
/// \var capacity_options::step
/// The step between loads, as P/N (rounded up to whole patterns).

/// A capacity sweep's result.
struct capacity_result {
    double capacity = 0;                  ///< largest stored load P/N (0 if the first fails)
    std::vector<outcome> loads;           ///< every load tried, in order
};

/// The authors' capacity_learning: P from ceil(from N) in steps of ceil(step N) up to to N;
/// stops at the first load not stored.
inline capacity_result capacity(const experiment& e, const capacity_options& c, std::uint64_t seed) {
    if (!(c.from > 0) || !(c.step > 0) || !(c.to >= c.from))
        throw error("the capacity sweep needs 0 < from <= to and step > 0");
    const double n = static_cast<double>(e.neurons);
    const auto first = static_cast<std::size_t>(std::ceil(c.from * n - 1e-9));
    const auto stride = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(c.step * n - 1e-9)));
    const auto last = static_cast<std::size_t>(std::floor(c.to * n + 1e-9));
    capacity_result r;
    for (std::size_t p = std::max<std::size_t>(1, first); p <= last; p += stride) {
        r.loads.push_back(run_experiment(e, p, seed));
        if (!r.loads.back().stored) break;
        r.capacity = static_cast<double>(p) / n;
    }
    return r;
}

/// Mean cosine after recall from cues with each flip fraction, one trained network.
struct noise_point {
    /// The flip fraction of the cues.
    double fraction = 0, mean_cosine = 0, recalled_fraction = 0;
};
/// \var noise_point::mean_cosine
/// The mean cosine after recall from those cues.
/// \var noise_point::recalled_fraction
/// The fraction of cues recalled (cosine >= stored_threshold).

/// Recall of one network trained on `patterns` patterns (run_experiment) from cues with each flip fraction of `fractions`.
inline std::vector<noise_point> noise_sweep(const experiment& e, std::size_t patterns, std::uint64_t seed,
                                            const std::vector<double>& fractions) {
    // One network, trained once, recalled from cues with every flip fraction.
    const auto o = run_experiment(e, patterns, seed, fractions);
    std::vector<noise_point> out;
    for (std::size_t k = 0; k < fractions.size(); ++k)
        out.push_back({fractions[k], o.swept[k].mean_cosine, o.swept[k].recalled_fraction});
    return out;
}

// The online task: patterns arrive `chunk` at a time; after each arrival the infomorphic
// network trains `epochs` full-batch epochs on the last `window` patterns seen (0: all) and
// every pattern seen so far is recalled from its clean cue.
/// One arrival of the online task: the patterns seen so far and how they are recalled.
struct online_point {
    /// The number of patterns seen so far.
    std::size_t seen = 0, recalled = 0;
    /// Their mean cosine after recall from clean cues.
    double mean_cosine = 0;
};
/// \var online_point::recalled
/// How many of the patterns seen are recalled (cosine >= stored_threshold).

/// The online task: `total` patterns arrive `chunk` at a time; after each arrival the infomorphic network trains
/// e.epochs full-batch epochs on the last `window` patterns seen (0: all), then recalls every pattern seen from its clean cue.
inline std::vector<online_point> online(const experiment& e, std::size_t total, std::size_t chunk, std::size_t window,
                                        std::uint64_t seed) {
    if (chunk == 0) throw error("the online task needs a chunk of at least one pattern");
    const matrix x = random_patterns(total, e.neurons, stream(seed, 4, total));
    memory_options o;
    o.neurons = e.neurons;
    o.objective = e.objective;
    o.lr = e.lr;
    o.binning = e.binning;
    o.external_weight = e.external_weight;
    o.seed = stream(seed, 5, total);
    o.threads = e.threads;
    memory_network net(o);
    std::vector<online_point> out;
    for (std::size_t seen = std::min(chunk, total); ; seen = std::min(seen + chunk, total)) {
        const std::size_t begin = window == 0 || window >= seen ? 0 : seen - window;
        matrix batch = matrix::from_shape({seen - begin, e.neurons});
        std::copy(x.data() + begin * e.neurons, x.data() + seen * e.neurons, batch.data());
        for (std::size_t k = 0; k < e.epochs; ++k) net.epoch(batch);
        matrix all = matrix::from_shape({seen, e.neurons});
        std::copy(x.data(), x.data() + seen * e.neurons, all.data());
        const auto r = net.recall(all, all);
        std::size_t hits = 0;
        for (double c : r.cosine) hits += c >= stored_threshold ? 1 : 0;
        out.push_back({seen, hits, r.mean_cosine});
        if (seen == total) break;
    }
    return out;
}

}  // namespace infomorph::memory
