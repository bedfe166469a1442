#pragma once
/// \file
/// The paper's locally learning networks (Schneider et al., ICLR 2025; the authors'
/// paper_trivariate/base_model.py and base_model_singlelayer.py at commit 5284adf).
///
/// infomorphic_network<Hidden>: a hidden layer (bivariate or trivariate, by its type) and an
/// output layer of `classes` bivariate neurons (F = hidden output, C = label through fixed
/// identity weights, theta = sigmoid(r), adaptive binning). Each layer ascends its own goal with
/// Adam. How the hidden layer is wired is the variant (network_options::kind):
///   context            F = image, C = label; one pass
///   lateral            F = image, C-slot = own previous output; two passes, learning on the second
///   random_projection  F = image, C = label, Heaviside units, never trained; one pass
///   context_lateral    F = image, C = label, L = own previous output; two passes (the first with
///                      zero lateral input), learning on the second
///   output_context     F = image, C = the output layer's sampled activity of the first pass,
///                      L = own previous output; two passes
/// readout_network: the output layer alone on the image.
/// At test time the label input is zero.

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/neuron/activation.hpp"
#include "infomorph/neuron/binning.hpp"
#include "infomorph/neuron/layer.hpp"
#include "infomorph/networks/network.hpp"
#include "infomorph/networks/options.hpp"

namespace infomorph {

/// The output layer of every infomorphic network: bivariate neurons (F = hidden output or image, C = label through fixed identity weights), adaptive binning into 20 bins.
using output_layer_type = layer<2, activation::bivariate, binning::adaptive_bins<20>, float>;

namespace detail {

inline output_layer_type::options output_layer_options(std::size_t inputs, const network_options& o) {
    output_layer_type::options p;
    p.input_sizes = {inputs, o.classes};
    p.neurons = o.classes;
    p.connections[1] = {.kind = connectivity::identity, .fixed_weight = 1.0};
    p.activation = {.k1 = 1.0};
    p.seed = o.seed + 1;
    p.threads = o.threads;
    return p;
}

inline std::uint64_t sampler_seed(std::uint64_t seed) { return seed ^ 0x9e3779b97f4a7c15ull; }

// Evaluation samples from its own stream, restarted at every call: the probabilities of a batch
// depend on the model and the batch alone, so `infomorph evaluate` and `predict` reproduce what
// training logged. The training stream is still advanced by one draw per sampling pass of the
// evaluation, as when evaluation drew from it, so that training trajectories stay those of
// the published runs (docs/results.md).
inline std::uint64_t evaluation_seed(std::uint64_t seed) { return sampler_seed(seed) ^ 0x5851f42d4c957f2dull; }

inline connection lateral_connection(const network_options& o) {
    return o.lateral_partners == 0 ? connection{.kind = connectivity::no_self}
                                   : connection{.kind = connectivity::random_partners, .partners = o.lateral_partners};
}

}  // namespace detail

/// A locally learning network of the paper: a Hidden layer (bivariate or trivariate by its type, wired by network_options::kind) and an output layer, each ascending its own goal with Adam.
/// The label input is present in training and zero at test time. Built for kinds context, lateral, random_projection, context_lateral and output_context.
template <class Hidden>
class infomorphic_network final : public network {
public:
    /// The number of sources of the hidden neurons (2 or 3).
    static constexpr std::size_t sources = Hidden::sources;
    /// The hidden layer's type.
    using hidden_layer = Hidden;
    /// The output layer's type.
    using output_layer = output_layer_type;
    /// The inputs of one hidden pass, one matrix per class.
    using inputs = std::array<const matrix*, sources>;

    /// Builds the layers from o; throws infomorph::error when o is invalid or its kind needs another Hidden.
    explicit infomorphic_network(const network_options& o)
        : options_(checked(o)), hidden_(hidden_options(o), hidden_goal(o)),
          output_(detail::output_layer_options(o.hidden, o), o.output_goal.get<2>()),
          sampler_(detail::sampler_seed(o.seed)) {}

    batch_result train_batch(const matrix& images, const std::vector<std::uint8_t>& labels) override {
        const matrix label = detail::one_hot(labels, images.shape()[0], options_.classes);
        const inputs learning = run(images, label, true, sampler_);
        batch_result report;
        if (learns()) {
            // Sparse lateral gradients in live form: no 16 MB to zero and scatter into at N = 2000.
            hidden_.goal_gradients(learning, pass_[1], hidden_dw_, hidden_db_, hidden_values_, gradient_form::live);
            detail::step(hidden_, hidden_dw_, hidden_db_, hidden_adam_, options_.hidden_optimizer, -1.0f,
                         gradient_form::live);
            report.layers.push_back(detail::summarise("hidden", hidden_values_));
            report.loss += detail::loss_of(hidden_values_);
        }
        output_.goal_gradients({&pass_[1].output, &label}, out_, output_dw_, output_db_, output_values_);
        detail::step(output_, output_dw_, output_db_, output_adam_, options_.output_optimizer, -1.0f);
        report.layers.push_back(detail::summarise("output", output_values_));
        report.loss += detail::loss_of(output_values_);
        report.accuracy = accuracy(out_.theta, labels);
        return report;
    }

    const matrix& probabilities(const matrix& images) override {
        const matrix silent = xt::zeros<float>({images.shape()[0], options_.classes});
        std::mt19937_64 stream(detail::evaluation_seed(options_.seed));
        run(images, silent, false, stream);
        skip_probabilities(1);
        return out_.theta;
    }

    void skip_probabilities(std::size_t calls) override { sampler_.discard(calls * sampling_passes()); }

    std::vector<parameter_view> parameters() override { return detail::hidden_and_output_parameters(hidden_, output_); }

    const network_options& options() const override { return options_; }

    // The evaluation stream is restarted at every call and needs no saving; the evaluation's
    // draws from the training stream are in sampler_'s state.
    void save_state(std::ostream& out) override {
        detail::save_two_layer_state(out, "infomorphic_network 1", parameters(), hidden_adam_, output_adam_, sampler_);
    }

    void load_state(std::istream& in) override {
        detail::load_two_layer_state(in, "infomorphic_network 1", parameters(), hidden_adam_, output_adam_, sampler_);
    }

    /// The hidden layer.
    hidden_layer& hidden() { return hidden_; }
    /// The output layer.
    output_layer& output() { return output_; }
    /// The hidden layer's state in the learning pass of the last batch run.
    const typename hidden_layer::state& hidden_state() const { return pass_[1]; }
    /// The output layer's state of the last batch run.
    const output_layer::state& output_state() const { return out_; }
    /// The hidden neurons' goals and atoms on the last training batch.
    const std::vector<goal_result<sources>>& hidden_values() const { return hidden_values_; }
    /// The output neurons' goals and atoms on the last training batch.
    const std::vector<goal_result<2>>& output_values() const { return output_values_; }

private:
    bool learns() const { return options_.kind != network_kind::random_projection; }

    static const network_options& checked(const network_options& o) {
        if (hidden_sources(o.kind) != sources)
            throw error("the " + std::string(name_of(o.kind)) + " network needs a hidden layer of " +
                                        std::to_string(hidden_sources(o.kind)) + "-source neurons, this network has " +
                                        std::to_string(sources));
        validate(o);
        // The binning is the hidden layer's type: a request for another one must not be ignored.
        constexpr bool fixed = !Hidden::binning_type::per_neuron;
        if (o.binning != binning::mode::standard && (o.binning == binning::mode::fixed) != fixed)
            throw error(std::string("this network's hidden layer bins ") +
                                        (fixed ? "on a fixed range" : "adaptively") + ", the options ask for " +
                                        std::string(name_of(o.binning)) + " binning (make_network picks the type)");
        return o;
    }

    static goal<sources> hidden_goal(const network_options& o) {
        return (o.hidden_goal.empty() ? default_hidden_goal(o.kind) : o.hidden_goal).template get<sources>();
    }

    static typename hidden_layer::options hidden_options(const network_options& o) {
        typename hidden_layer::options h;
        h.neurons = o.hidden;
        h.seed = o.seed;
        h.threads = o.threads;
        switch (o.kind) {
            case network_kind::context: h.input_sizes = {o.inputs, o.classes}; break;
            case network_kind::random_projection:
                h.input_sizes = {o.inputs, o.classes};
                for (auto& c : h.connections) c.trainable = false;
                break;
            case network_kind::lateral:
                h.input_sizes = {o.inputs, o.hidden};
                h.connections[1] = detail::lateral_connection(o);
                break;
            default:
                if constexpr (sources == 3) {
                    h.input_sizes = {o.inputs, o.classes, o.hidden};
                    h.connections[2] = detail::lateral_connection(o);
                }
        }
        using act = typename hidden_layer::activation_type;
        if constexpr (std::is_same_v<act, activation::bivariate>) {
            h.activation.k1 = 0.9;  // feedforward drives, the second class modulates
        } else if constexpr (std::is_same_v<act, activation::heaviside<activation::bivariate>>) {
            h.activation.drive.k1 = 0.9;
            h.output_values = {0.0f, 1.0f};  // the authors' surrogate layers emit 0/1
        } else if constexpr (std::is_same_v<act, activation::trivariate>) {
            h.activation = {.c1 = 0.1, .c2 = 0.1, .w1 = 2.0, .w2 = 2.0};
        }
        return h;
    }

    // Runs the variant's forward passes; returns the hidden inputs of the learning pass. Only
    // the passes that learn are binned; the second pass reuses the drives of unchanged inputs.
    // Hidden forward passes that sample, per run (one engine draw each).
    std::size_t sampling_passes() const {
        if constexpr (sources == 2) return options_.kind == network_kind::lateral ? 2 : 1;
        else return options_.kind == network_kind::output_context ? 3 : 2;
    }

    inputs run(const matrix& images, const matrix& label, bool training, std::mt19937_64& rng) {
        const std::size_t batch = images.shape()[0];
        if (label.shape()[0] != batch) throw error("label input and images differ in batch size");
        // Only the learning passes keep their derivatives; the others (and evaluation) skip them.
        // Silent classes get no input matrix: the layer sets their drives to the bias.
        typename hidden_layer::pass second{.bins = training, .derivatives = training};
        inputs learning{};
        if constexpr (sources == 2) {
            if (options_.kind == network_kind::lateral) {
                hidden_.forward({&images, nullptr}, pass_[0], &rng,
                                {.bins = false, .derivatives = false, .silent = {false, true}});
                learning = {&images, &pass_[0].output};
                second.take = &pass_[0];  // its drives are not needed after the second pass
                second.reuse_drive = {true, false};
            } else {
                learning = {&images, &label};
            }
        } else {
            second.take = &pass_[0];  // its drives are not needed after the second pass
            if (options_.kind == network_kind::output_context) {
                hidden_.forward({&images, nullptr, nullptr}, pass_[0], &rng,
                                {.bins = false, .derivatives = false, .silent = {false, true, true}});
                output_.forward({&pass_[0].output, &label}, feedback_, &rng, {.bins = false, .derivatives = false});
                learning = {&images, &feedback_.output, &pass_[0].output};
                second.reuse_drive = {true, false, false};
            } else {
                hidden_.forward({&images, &label, nullptr}, pass_[0], &rng,
                                {.bins = false, .derivatives = false, .silent = {false, false, true}});
                learning = {&images, &label, &pass_[0].output};
                second.reuse_drive = {true, true, false};
            }
        }
        hidden_.forward(learning, pass_[1], &rng, second);
        output_.forward({&pass_[1].output, &label}, out_, nullptr, {.bins = training, .derivatives = training});
        return learning;
    }

    network_options options_;
    hidden_layer hidden_;
    output_layer output_;
    std::mt19937_64 sampler_;
    std::array<typename hidden_layer::state, 2> pass_;
    output_layer::state feedback_, out_;
    std::vector<goal_result<sources>> hidden_values_;
    std::vector<goal_result<2>> output_values_;
    std::array<optimizer::adam::state, 2 * sources> hidden_adam_{};
    std::array<optimizer::adam::state, 4> output_adam_{};
    // Gradients kept between batches: zeroed in place (a fresh [2000 x 2000] per batch faults).
    std::array<matrix, sources> hidden_dw_;
    std::array<xt::xtensor<float, 1>, sources> hidden_db_;
    std::array<matrix, 2> output_dw_;
    std::array<xt::xtensor<float, 1>, 2> output_db_;
};

/// The infomorphic output layer alone, on the image (the authors' InfomorphicReadoutModel).
class readout_network final : public network {
public:
    /// Builds the output layer on the image; throws infomorph::error unless o is a valid readout.
    explicit readout_network(const network_options& o)
        : options_(o), output_(detail::output_layer_options(o.inputs, o), o.output_goal.get<2>()) {
        if (o.kind != network_kind::readout) throw error("readout_network builds the readout kind only");
        validate(o);
    }

    batch_result train_batch(const matrix& images, const std::vector<std::uint8_t>& labels) override {
        const matrix label = detail::one_hot(labels, images.shape()[0], options_.classes);
        output_.forward({&images, &label}, out_, nullptr, {.bins = true});
        std::array<matrix, 2> dw;
        std::array<xt::xtensor<float, 1>, 2> db;
        output_.goal_gradients({&images, &label}, out_, dw, db, values_);
        detail::step(output_, dw, db, adam_, options_.output_optimizer, -1.0f);
        batch_result report;
        report.layers.push_back(detail::summarise("output", values_));
        report.loss = detail::loss_of(values_);
        report.accuracy = accuracy(out_.theta, labels);
        return report;
    }

    const matrix& probabilities(const matrix& images) override {
        const matrix silent = xt::zeros<float>({images.shape()[0], options_.classes});
        output_.forward({&images, &silent}, out_, nullptr, {.bins = false, .derivatives = false});
        return out_.theta;
    }

    std::vector<parameter_view> parameters() override {
        std::vector<parameter_view> p;
        detail::add_parameters(p, "output", output_);
        return p;
    }

    const network_options& options() const override { return options_; }

    void save_state(std::ostream& out) override {
        detail::write_tag(out, "readout_network 1");
        detail::save_parameters(out, parameters());
        detail::save_adam(out, adam_);
    }

    void load_state(std::istream& in) override {
        detail::expect_tag(in, "readout_network 1");
        const auto params = parameters();
        detail::load_parameters(in, params);
        detail::load_adam(in, adam_, detail::largest_parameter(params));
    }

    /// The output layer.
    output_layer_type& output() { return output_; }

private:
    network_options options_;
    output_layer_type output_;
    output_layer_type::state out_;
    std::vector<goal_result<2>> values_;
    std::array<optimizer::adam::state, 4> adam_{};
};

}  // namespace infomorph
