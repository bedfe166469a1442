#pragma once
/// \file
/// What every network kind shares: the run-time interface (train a batch, predict, expose
/// parameters for saving), per-layer summaries of the learned PID atoms, and the paper's
/// evaluation rule. The variants themselves live in infomorphic_network.hpp and
/// backprop_network.hpp; make_network.hpp builds any of them by name.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/detail/state.hpp"
#include "infomorph/networks/options.hpp"
#include "infomorph/error.hpp"
#include "infomorph/lattice/lattice.hpp"
#include "infomorph/goal/batch_goal.hpp"
#include "infomorph/neuron/layer.hpp"
#include "infomorph/neuron/optimizer.hpp"

namespace infomorph {

/// The mean over a layer's neurons of its goal and PID on the last batch.
struct layer_result {
    std::string layer;                     ///< "hidden" or "output"
    /// The number of sources of the layer's neurons (2 or 3).
    std::size_t sources = 0;
    /// Mean goal G of the neurons, in bits.
    double goal = 0, h_res = 0, mi = 0;
    std::vector<std::string> atom_names;   ///< canonical lattice order, e.g. "{1}{2}"
    /// Mean total atoms of the neurons, in bits, in the order of atom_names.
    std::vector<double> atoms;
};
/// \var layer_result::h_res
/// Mean H_res = H(T) - I(T; S) of the neurons, in bits.
/// \var layer_result::mi
/// Mean I(T; S) of the neurons, in bits.

/// What one training batch reports.
struct batch_result {
    double accuracy = 0;     ///< training accuracy with the label input present, inversion rule applied
    double loss = 0;         ///< cross-entropy (backprop baseline); minus the summed layer goals otherwise
    /// One summary per layer, hidden first.
    std::vector<layer_result> layers;
};

/// A view of one parameter tensor, for saving and loading models.
struct parameter_view {
    /// The parameter's name in a model file, such as "hidden.weight1" or "output.bias2" (classes from 1).
    std::string name;
    /// Its shape: [neurons x inputs] for weights, [neurons] for biases.
    std::vector<std::size_t> shape;
    /// The network's own storage, row-major (not owned; valid while the network lives).
    float* data = nullptr;
    /// The number of elements, the product of shape.
    std::size_t size() const {
        std::size_t n = 1;
        for (auto d : shape) n *= d;
        return n;
    }
};

/// A network of one of the paper's kinds behind a run-time interface (network_kind); build one with make_network.
class network {
public:
    /// Images and probabilities, [batch x columns] of float.
    using matrix = xt::xtensor<float, 2>;
    virtual ~network() = default;

    /// One learning step: images [batch x inputs] (normalised), labels in 0..classes-1.
    virtual batch_result train_batch(const matrix& images, const std::vector<std::uint8_t>& labels) = 0;
    /// Output firing probabilities [batch x classes] with the label input zero (test mode).
    virtual const matrix& probabilities(const matrix& images) = 0;
    /// Moves the training stream as `calls` calls of probabilities() do. Evaluation samples from
    /// its own stream but advances the training one past its draws (so that the published runs
    /// reproduce); an evaluation left out (training_options::test_every) must advance it alike,
    /// or the weights would depend on how often the test set is evaluated.
    virtual void skip_probabilities(std::size_t calls) { (void)calls; }
    /// Views of every parameter tensor, for saving and loading a model.
    virtual std::vector<parameter_view> parameters() = 0;
    /// The options the network was built with (saving a model needs nothing else).
    virtual const network_options& options() const = 0;

    /// Writes the whole training state (parameters, optimiser moments and step counts, the
    /// training sampling stream): a network built with the same options that loads it trains
    /// on bit for bit as this one would. Binary, for checkpoints of the same build.
    virtual void save_state(std::ostream& out) = 0;
    /// Restores a state written by save_state of a network built with the same options.
    virtual void load_state(std::istream& in) = 0;

    /// The kind's name, as network_kind_names spells it.
    std::string kind_name() const { return std::string(name_of(options().kind)); }
    /// The number of classes (output neurons).
    std::size_t classes() const { return options().classes; }

    /// The predicted class of each image: decide() on probabilities().
    std::vector<std::uint8_t> predict(const matrix& images) { return decide(probabilities(images)); }

    /// The paper's evaluation: information is invariant under flipping a binary neuron, so an
    /// output neuron whose batch-mean theta is at least 1/2 is read inverted. scores() are the
    /// output probabilities read so; decide() takes their argmax.
    static xt::xtensor<double, 2> scores(const matrix& theta) {
        const std::size_t batch = theta.shape()[0], classes = theta.shape()[1];
        std::vector<bool> invert(classes);
        for (std::size_t j = 0; j < classes; ++j) {
            double mean = 0;
            for (std::size_t k = 0; k < batch; ++k) mean += theta(k, j);
            invert[j] = mean / static_cast<double>(batch) >= 0.5;
        }
        xt::xtensor<double, 2> out = xt::xtensor<double, 2>::from_shape({batch, classes});
        for (std::size_t k = 0; k < batch; ++k)
            for (std::size_t j = 0; j < classes; ++j) out(k, j) = invert[j] ? 1.0 - theta(k, j) : theta(k, j);
        return out;
    }

    /// The argmax of scores(theta) per sample: the predicted classes.
    static std::vector<std::uint8_t> decide(const matrix& theta) {
        const auto s = scores(theta);
        const std::size_t batch = s.shape()[0], classes = s.shape()[1];
        std::vector<std::uint8_t> out(batch);
        for (std::size_t k = 0; k < batch; ++k) {
            double best = -1;
            for (std::size_t j = 0; j < classes; ++j) {
                if (s(k, j) > best) {
                    best = s(k, j);
                    out[k] = static_cast<std::uint8_t>(j);
                }
            }
        }
        return out;
    }

    /// The fraction of samples whose decide() class equals the label.
    static double accuracy(const matrix& theta, const std::vector<std::uint8_t>& labels) {
        const auto predicted = decide(theta);
        std::size_t right = 0;
        for (std::size_t k = 0; k < labels.size(); ++k) right += predicted[k] == labels[k] ? 1 : 0;
        return static_cast<double>(right) / static_cast<double>(labels.size());
    }
};

namespace detail {

inline xt::xtensor<float, 2> one_hot(const std::vector<std::uint8_t>& labels, std::size_t batch, std::size_t classes) {
    if (labels.size() != batch)
        throw error(std::to_string(labels.size()) + " labels for a batch of " +
                                    std::to_string(batch));
    xt::xtensor<float, 2> c = xt::zeros<float>({batch, classes});
    for (std::size_t k = 0; k < batch; ++k) {
        if (labels[k] >= classes)
            throw error("label " + std::to_string(labels[k]) + " of sample " +
                                        std::to_string(k) + " is not below " + std::to_string(classes));
        c(k, labels[k]) = 1.0f;
    }
    return c;
}

// Minus the summed goals of a layer's neurons: what the infomorphic layers minimise.
template <std::size_t N>
double loss_of(const std::vector<goal_result<N>>& values) {
    double sum = 0;
    for (const auto& v : values) sum += v.value;
    return -sum;
}

// sum += one neuron's or one batch's goal, H_res, I(T;S) and atoms: a layer's summary is the
// mean over its neurons, an epoch's the mean of its batches' summaries.
template <class Atoms>
void accumulate(layer_result& sum, double goal, double h_res, double mi, const Atoms& atoms) {
    sum.goal += goal;
    sum.h_res += h_res;
    sum.mi += mi;
    for (std::size_t a = 0; a < sum.atoms.size(); ++a) sum.atoms[a] += atoms[a];
}

inline void accumulate(layer_result& sum, const layer_result& one) {
    accumulate(sum, one.goal, one.h_res, one.mi, one.atoms);
}

template <std::size_t N>
void accumulate(layer_result& sum, const goal_result<N>& one) {
    accumulate(sum, one.value, one.h_res, one.mi, one.atoms);
}

// Sums of `count` summaries into their mean (a division, not a product with 1 / count, so
// that means are the same numbers wherever they are taken).
inline void to_mean(layer_result& sum, double count) {
    sum.goal /= count;
    sum.h_res /= count;
    sum.mi /= count;
    for (auto& a : sum.atoms) a /= count;
}

template <std::size_t N>
layer_result summarise(const std::string& name, const std::vector<goal_result<N>>& values) {
    using lattice = redundancy_lattice<N>;
    layer_result s;
    s.layer = name;
    s.sources = N;
    s.atoms.assign(lattice::size, 0.0);
    for (std::size_t a = 0; a < lattice::size; ++a) s.atom_names.emplace_back(lattice::name(a));
    for (const auto& v : values) accumulate(s, v);
    to_mean(s, values.empty() ? 1.0 : static_cast<double>(values.size()));
    return s;
}

// Sums and means of the layer results of batches.
inline void accumulate(std::vector<layer_result>& sum, const std::vector<layer_result>& now) {
    if (sum.empty()) {
        sum = now;
        return;
    }
    for (std::size_t l = 0; l < now.size(); ++l) accumulate(sum[l], now[l]);
}

inline void to_mean(std::vector<layer_result>& layers, double count) {
    for (auto& l : layers) to_mean(l, count);
}

// One optimiser step of every learning parameter of a layer. `sign` = -1 ascends a goal
// from its gradient, +1 descends a loss. `form`: the form of dw for classes with random partners.
template <class Layer, std::size_t N = Layer::sources>
void step(Layer& l, const std::array<xt::xtensor<float, 2>, N>& dw, const std::array<xt::xtensor<float, 1>, N>& db,
          std::array<optimizer::adam::state, 2 * N>& state, const optimizer::adam& adam, float sign,
          gradient_form form = gradient_form::dense) {
    for (std::size_t i = 0; i < N; ++i) {
        const auto& c = l.connections(i);
        if (!c.trainable || c.kind == connectivity::none) continue;
        // Fixed weights (the output layer's label input) must not see the weight decay.
        if (c.fixed_weight == 0 && dw[i].size() > 0) {
            const auto& partners = l.partners(i);
            if (partners.empty()) {
                // Masked entries get zero gradient and zero weight: Adam keeps them exactly 0.
                adam.step(l.weight(i).data(), dw[i].data(), dw[i].size(), state[2 * i], sign, l.threads());
            } else {
                // Sparse partners: step only the live weights (the same numbers as the dense
                // step, which leaves the masked zeros at zero).
                const auto& live = l.live_entries(i);
                if (form == gradient_form::live)
                    adam.step_live(l.weight(i).data(), dw[i].data(), live.data(), live.size(), state[2 * i], sign, l.threads());
                else
                    adam.step_at(l.weight(i).data(), dw[i].data(), live.data(), live.size(), state[2 * i], sign, l.threads());
            }
        }
        if (c.bias) {
            adam.step(l.bias(i).data(), db[i].data(), db[i].size(), state[2 * i + 1], sign);
        }
    }
}

template <class Layer>
void add_parameters(std::vector<parameter_view>& out, const std::string& prefix, Layer& l) {
    for (std::size_t i = 0; i < Layer::sources; ++i) {
        auto& w = l.weight(i);
        auto& b = l.bias(i);
        out.push_back({prefix + ".weight" + std::to_string(i + 1), {w.shape()[0], w.shape()[1]}, w.data()});
        out.push_back({prefix + ".bias" + std::to_string(i + 1), {b.shape()[0]}, b.data()});
    }
}

// The training state's pieces (network::save_state): every parameter tensor, by name and size.
inline void save_parameters(std::ostream& out, const std::vector<parameter_view>& params) {
    write_u64(out, params.size());
    for (const auto& p : params) {
        write_tag(out, p.name);
        write_array(out, p.data, p.size());
    }
}

inline void load_parameters(std::istream& in, const std::vector<parameter_view>& params) {
    if (read_u64(in) != params.size()) throw error("training state: another number of parameters");
    for (const auto& p : params) {
        expect_tag(in, p.name);
        read_array(in, p.data, p.size(), p.name);
    }
}

// Adam's moments and step counts (the moments are empty before a parameter's first step).
template <std::size_t K>
void save_adam(std::ostream& out, const std::array<optimizer::adam::state, K>& states) {
    write_tag(out, "adam " + std::to_string(K));
    for (const auto& s : states) {
        write_u64(out, static_cast<std::uint64_t>(s.step));
        write_array(out, s.m.data(), s.m.size());
        write_array(out, s.v.data(), s.v.size());
    }
}

// `limit`: the most values one state may hold (the network's largest parameter tensor).
template <std::size_t K>
void load_adam(std::istream& in, std::array<optimizer::adam::state, K>& states, std::size_t limit) {
    expect_tag(in, "adam " + std::to_string(K));
    for (auto& s : states) {
        s.step = static_cast<long long>(read_u64(in));
        read_vector(in, s.m, limit, "adam moments");
        read_vector(in, s.v, limit, "adam moments");
        if (s.m.size() != s.v.size()) throw error("training state: adam moments of different sizes");
    }
}

inline std::size_t largest_parameter(const std::vector<parameter_view>& params) {
    std::size_t n = 0;
    for (const auto& p : params) n = std::max(n, p.size());
    return n;
}

// The training state of a network with a hidden and an output layer, each with its Adam
// states, and one training sampling stream (the infomorphic and the backprop networks).
template <class HiddenAdam, class OutputAdam>
void save_two_layer_state(std::ostream& out, const std::string& tag, const std::vector<parameter_view>& params,
                          const HiddenAdam& hidden_adam, const OutputAdam& output_adam, const std::mt19937_64& sampler) {
    write_tag(out, tag);
    save_parameters(out, params);
    save_adam(out, hidden_adam);
    save_adam(out, output_adam);
    write_engine(out, sampler);
}

template <class HiddenAdam, class OutputAdam>
void load_two_layer_state(std::istream& in, const std::string& tag, const std::vector<parameter_view>& params,
                          HiddenAdam& hidden_adam, OutputAdam& output_adam, std::mt19937_64& sampler) {
    expect_tag(in, tag);
    load_parameters(in, params);
    load_adam(in, hidden_adam, largest_parameter(params));
    load_adam(in, output_adam, largest_parameter(params));
    read_engine(in, sampler);
}

template <class Hidden, class Output>
std::vector<parameter_view> hidden_and_output_parameters(Hidden& hidden, Output& output) {
    std::vector<parameter_view> p;
    add_parameters(p, "hidden", hidden);
    add_parameters(p, "output", output);
    return p;
}

}  // namespace detail
}  // namespace infomorph
