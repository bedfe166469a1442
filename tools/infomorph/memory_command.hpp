#pragma once
// `infomorph memory`: trains infomorphic (or classical) Hopfield networks on random +-1
// patterns and reports recall, the capacity sweep, the recall curve over cue noise or the
// online task (include/infomorph/memory/). Seeds run in parallel, one per thread; every
// seed's numbers depend on the seed only. Included once, by main.cpp.

#include <infomorph/memory.hpp>
#include <infomorph/networks/memory_estimate.hpp>

#include "numbers.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace memory_cli {

using json = nlohmann::ordered_json;

struct settings {
    std::size_t neurons = 100, patterns = 0, epochs = 5000, seeds = 1, threads = 1, online = 0, window = 0;
    double load = 0, noise = 0, from = 0.2, to = 2.0, step = 0.02, mpf_lr = 0.01, external_weight = 2.3;
    std::uint64_t seed = 1;
    std::string rule = "infomorphic", goal = "redundancy", binning = "fixed";
    std::vector<double> gamma;
    bool json_out = false, capacity = false, noise_sweep = false, full_training = false;
    CLI::Option *load_opt = nullptr, *patterns_opt = nullptr, *gamma_opt = nullptr;
};

inline void add_flags(CLI::App& app, settings& s) {
    app.add_option("--neurons,-N", s.neurons, "number of neurons N (default 100)")->check(cli_numbers::whole_number(0, cli_numbers::max_memory_neurons));
    s.load_opt = app.add_option("--load,-a", s.load, "memory load alpha = P/N (P = ceil(alpha N))")->check(cli_numbers::finite_number());
    s.patterns_opt = app.add_option("--patterns,-P", s.patterns, "number of patterns P")->check(cli_numbers::whole_number(0, cli_numbers::max_memory_patterns));
    s.load_opt->excludes(s.patterns_opt);
    app.add_option("--rule", s.rule, "infomorphic (default), hebb, mpf, descent_l2");
    app.add_option("--goal", s.goal, "redundancy (default), joint_mi, optimized_1, optimized_2");
    s.gamma_opt = app.add_option("--gamma", s.gamma, "goal weights in the authors' order: unique external, unique recurrent, "
                                                     "redundancy, synergy, H_res (5 values)")
                      ->expected(1, 16)
                      ->check(cli_numbers::finite_number());
    app.add_option("--binning", s.binning, "PID estimator of the infomorphic neurons: fixed (default; [2, 60] bins on [-20, 20]) or soft "
                                           "(the authors' marginal.yaml: [10, 10] sigmoid-edged bins on the batch's range)");
    app.add_option("--epochs", s.epochs, "training epochs (infomorphic, MPF; default 5000; per chunk with --online)")->check(cli_numbers::whole_number(0, cli_numbers::max_epochs));
    app.add_option("--seeds", s.seeds, "number of seeds (networks on fresh patterns; default 1)")->check(cli_numbers::whole_number(0, cli_numbers::max_size));
    app.add_option("--seed", s.seed, "first seed (default 1)")->check(cli_numbers::whole_number(0, cli_numbers::max_seed));
    app.add_option("--noise", s.noise, "fraction of cue bits flipped at the test (default 0)")->check(cli_numbers::finite_number());
    app.add_option("--threads", s.threads, "seeds run in parallel (default 1)")->check(cli_numbers::whole_number(1, cli_numbers::max_threads));
    app.add_flag("--json", s.json_out, "print one JSON object");
    app.add_flag("--capacity", s.capacity, "sweep the load and report each seed's capacity and the median");
    app.add_option("--from", s.from, "first load of the capacity sweep (default 0.2)")->check(cli_numbers::finite_number());
    app.add_option("--to", s.to, "last load of the capacity sweep (default 2.0)")->check(cli_numbers::finite_number());
    app.add_option("--step", s.step, "load step of the capacity sweep (default 0.02)")->check(cli_numbers::finite_number());
    app.add_flag("--noise-sweep", s.noise_sweep, "recall over the flip fraction 0, 0.05, ..., 0.5");
    app.add_option("--online", s.online, "online task: patterns arrive this many at a time")->check(cli_numbers::whole_number(0, cli_numbers::max_memory_patterns));
    app.add_option("--window", s.window, "online task: train on the last W patterns seen (default 0: all)")->check(cli_numbers::whole_number(0, cli_numbers::max_memory_patterns));
    app.add_flag("--full-training", s.full_training, "train all epochs (default: stop once stored at a checkpoint, as the authors)");
    app.add_option("--mpf-lr", s.mpf_lr, "MPF learning rate (default 0.01)")->check(cli_numbers::finite_number());
    app.add_option("--external-weight", s.external_weight,
                   "infomorphic rule: the frozen weight |w_T| of a neuron's own pattern bit (default 2.3; the authors' "
                   "model.init.external_scale)")
        ->check(cli_numbers::finite_number());
}

inline json atoms_json(const infomorph::memory::atom_summary& a) {
    return {{"unique_external", a[0]}, {"unique_recurrent", a[1]}, {"redundancy", a[2]}, {"synergy", a[3]}, {"h_res", a[4]}};
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// fn(i) for every seed index, `threads` at a time; results land in order.
template <class Fn>
void for_seeds(std::size_t seeds, std::size_t threads, Fn&& fn) {
    threads = std::max<std::size_t>(1, std::min(threads, seeds));
    std::vector<std::thread> pool;
    std::vector<std::exception_ptr> errors(threads);
    for (std::size_t t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            try {
                for (std::size_t i = t; i < seeds; i += threads) fn(i);
            } catch (...) {
                errors[t] = std::current_exception();
            }
        });
    for (auto& th : pool) th.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

// Refuses sizes whose networks cannot fit, before any is built: per network the N x N weights
// with their mask, gradient and Adam moments (4 + 4 + 4 + 8 + 8 bytes), and per pattern and
// neuron the patterns, drives, probabilities, bins and goal derivatives (about 40 floats);
// `--threads` networks train at once.
inline void check_memory(const settings& s, std::size_t patterns) {
    const double n = static_cast<double>(s.neurons), p = static_cast<double>(patterns);
    const double at_once = static_cast<double>(std::max<std::size_t>(1, std::min(s.threads, s.seeds)));
    const double need = at_once * (n * n * 28 + p * n * 40 * 4);
    infomorph::check_available(need, "--neurons " + std::to_string(s.neurons) + " with " + std::to_string(patterns) +
                                         " patterns (" + std::to_string(static_cast<std::size_t>(at_once)) + " at once)");
}

inline int run(const settings& s) {
    namespace mem = infomorph::memory;
    if (s.neurons < 2) throw infomorph::error("--neurons must be at least 2 (got " + std::to_string(s.neurons) + ")");
    if (s.load_opt->count() && !(s.load > 0)) throw infomorph::error("--load must be > 0 (got " + std::to_string(s.load) + ")");
    if (s.patterns_opt->count() && s.patterns == 0) throw infomorph::error("--patterns must be at least 1");
    if (!s.capacity && !s.load_opt->count() && !s.patterns_opt->count())
        throw infomorph::error("give --load or --patterns (or --capacity)");
    if (s.gamma_opt->count() && s.gamma.size() != 5)
        throw infomorph::error("--gamma needs 5 values (unique external, unique recurrent, redundancy, synergy, H_res), got " +
                                    std::to_string(s.gamma.size()));
    if (s.seeds == 0) throw infomorph::error("--seeds must be at least 1");
    if (!(s.noise >= 0 && s.noise <= 1)) throw infomorph::error("--noise must be in [0, 1]");
    if (s.capacity && (!(s.from > 0) || !(s.step > 0) || !(s.to >= s.from)))
        throw infomorph::error("--from, --to, --step: the sweep needs 0 < from <= to and step > 0");
    if (!(s.mpf_lr > 0)) throw infomorph::error("--mpf-lr must be > 0");
    if (!(s.external_weight > 0)) throw infomorph::error("--external-weight must be > 0");
    // P = ceil(load N) and the sweep's number of loads must stay countable.
    if (s.load_opt->count() && s.load * static_cast<double>(s.neurons) > static_cast<double>(cli_numbers::max_memory_patterns))
        throw infomorph::error("--load: " + std::to_string(s.load) + " x " + std::to_string(s.neurons) + " neurons exceeds " +
                               std::to_string(cli_numbers::max_memory_patterns) + " patterns");
    if (s.capacity && (s.to - s.from) / s.step > cli_numbers::max_sweep_points)
        throw infomorph::error("--from, --to, --step: the sweep would visit more than " +
                               std::to_string(static_cast<long long>(cli_numbers::max_sweep_points)) + " loads");
    mem::experiment e;
    try {
        e.kind = mem::rule_from_name(s.rule);
    } catch (const infomorph::error&) {
        throw infomorph::error("--rule " + infomorph::detail::quote(s.rule) + " is not one of infomorphic, hebb, mpf, descent_l2");
    }
    if (s.gamma_opt->count()) {
        std::array<double, 5> g{};
        std::copy(s.gamma.begin(), s.gamma.end(), g.begin());
        e.objective = infomorph::goal<2>::from_authors_order(g);
    } else {
        try {
            e.objective = mem::memory_goal(s.goal);
        } catch (const infomorph::error&) {
            throw infomorph::error("--goal " + infomorph::detail::quote(s.goal) + " is not one of redundancy, joint_mi, optimized_1, optimized_2");
        }
    }
    try {
        e.binning = mem::estimator_from_name(s.binning);
    } catch (const infomorph::error&) {
        throw infomorph::error("--binning " + infomorph::detail::quote(s.binning) + " is not one of fixed, soft");
    }
    if (s.online > 0 && e.kind != mem::rule::infomorphic) throw infomorph::error("--online needs --rule infomorphic");
    e.neurons = s.neurons;
    e.epochs = s.epochs;
    e.noise = s.noise;
    e.mpf.lr = s.mpf_lr;
    e.external_weight = s.external_weight;
    e.early_stop = !s.full_training;
    const std::size_t patterns =
        s.patterns_opt->count() ? s.patterns : static_cast<std::size_t>(std::ceil(s.load * static_cast<double>(s.neurons) - 1e-9));

    check_memory(s, s.capacity ? static_cast<std::size_t>(std::ceil(s.to * static_cast<double>(s.neurons))) : patterns);

    json out;
    out["neurons"] = s.neurons;
    if (!s.capacity) out["patterns"] = patterns;
    out["rule"] = s.rule;
    if (e.kind == mem::rule::infomorphic) {
        const auto g = e.objective.to_authors_order();
        out["gamma"] = std::vector<double>(g.begin(), g.end());
        out["binning"] = mem::estimator_name(e.binning);
        out["external_weight"] = e.external_weight;
    }
    if (e.kind == mem::rule::infomorphic || e.kind == mem::rule::mpf) out["epochs"] = s.epochs;
    std::vector<json> per_seed(s.seeds);
    std::vector<double> capacities(s.seeds);

    if (s.capacity) {
        out["from"] = s.from, out["to"] = s.to, out["step"] = s.step;
        for_seeds(s.seeds, s.threads, [&](std::size_t i) {
            const auto seed = s.seed + i;
            const auto r = mem::capacity(e, {s.from, s.to, s.step}, seed);
            json loads = json::array();
            for (const auto& o : r.loads) {
                json l = {{"load", static_cast<double>(o.patterns) / static_cast<double>(s.neurons)},
                          {"patterns", o.patterns},
                          {"mean_cosine", o.clean_mean_cosine},
                          {"recalled_fraction", o.recall.recalled_fraction},
                          {"stored", o.stored},
                          {"epochs_run", o.epochs_run}};
                if (o.has_atoms) l["atoms"] = atoms_json(o.atoms);
                loads.push_back(l);
            }
            capacities[i] = r.capacity;
            per_seed[i] = {{"seed", seed}, {"capacity", r.capacity}, {"loads", loads}};
        });
        out["seeds"] = per_seed;
        out["median_capacity"] = median(capacities);
        if (s.json_out) {
            std::cout << out.dump(2) << "\n";
        } else {
            for (const auto& j : per_seed)
                std::printf("seed %llu: capacity %.2f\n", static_cast<unsigned long long>(j["seed"].get<std::uint64_t>()),
                            j["capacity"].get<double>());
            std::printf("median capacity %.2f (%zu seeds, %s)\n", median(capacities), s.seeds, s.rule.c_str());
        }
        return 0;
    }

    if (s.noise_sweep) {
        std::vector<double> fractions;
        for (int k = 0; k <= 10; ++k) fractions.push_back(0.05 * k);
        for_seeds(s.seeds, s.threads, [&](std::size_t i) {
            const auto curve = mem::noise_sweep(e, patterns, s.seed + i, fractions);
            json c = json::array();
            for (const auto& p : curve)
                c.push_back({{"fraction", p.fraction}, {"mean_cosine", p.mean_cosine}, {"recalled_fraction", p.recalled_fraction}});
            per_seed[i] = {{"seed", s.seed + i}, {"curve", c}};
        });
        out["seeds"] = per_seed;
        if (s.json_out) {
            std::cout << out.dump(2) << "\n";
        } else {
            for (const auto& j : per_seed) {
                std::printf("seed %llu:", static_cast<unsigned long long>(j["seed"].get<std::uint64_t>()));
                for (const auto& p : j["curve"])
                    std::printf(" %.2f:%.3f", p["fraction"].get<double>(), p["mean_cosine"].get<double>());
                std::printf("\n");
            }
        }
        return 0;
    }

    if (s.online > 0) {
        out["chunk"] = s.online, out["window"] = s.window;
        for_seeds(s.seeds, s.threads, [&](std::size_t i) {
            const auto curve = mem::online(e, patterns, s.online, s.window, s.seed + i);
            json c = json::array();
            for (const auto& p : curve) c.push_back({{"seen", p.seen}, {"recalled", p.recalled}, {"mean_cosine", p.mean_cosine}});
            per_seed[i] = {{"seed", s.seed + i}, {"curve", c}};
        });
        out["seeds"] = per_seed;
        if (s.json_out) {
            std::cout << out.dump(2) << "\n";
        } else {
            for (const auto& j : per_seed) {
                std::printf("seed %llu:", static_cast<unsigned long long>(j["seed"].get<std::uint64_t>()));
                for (const auto& p : j["curve"]) std::printf(" %zu/%zu", p["recalled"].get<std::size_t>(), p["seen"].get<std::size_t>());
                std::printf("\n");
            }
        }
        return 0;
    }

    for_seeds(s.seeds, s.threads, [&](std::size_t i) {
        const auto o = mem::run_experiment(e, patterns, s.seed + i);
        json j = {{"seed", s.seed + i},
                  {"recalled_fraction", o.recall.recalled_fraction},
                  {"mean_cosine", o.recall.mean_cosine},
                  {"stored", o.stored},
                  {"steps", o.recall.steps},
                  {"epochs_run", o.epochs_run}};
        if (o.has_atoms) j["atoms"] = atoms_json(o.atoms);
        per_seed[i] = j;
    });
    out["noise"] = s.noise;
    out["seeds"] = per_seed;
    if (s.json_out) {
        std::cout << out.dump(2) << "\n";
    } else {
        for (const auto& j : per_seed)
            std::printf("seed %llu: recalled %.3f, mean cosine %.4f%s\n", static_cast<unsigned long long>(j["seed"].get<std::uint64_t>()),
                        j["recalled_fraction"].get<double>(), j["mean_cosine"].get<double>(),
                        j["stored"].get<bool>() ? ", stored" : ", not stored");
    }
    return 0;
}

}  // namespace memory_cli
