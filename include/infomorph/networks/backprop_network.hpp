#pragma once
/// \file
/// The paper's baseline (the authors' GlobalBackpropModel): the trivariate topology (hidden
/// layer with F = image, C = label, L = own previous output, two passes; output layer of
/// `classes` neurons with theta = sigmoid(r)) trained globally by backpropagation. The loss is
/// torch.nn.CrossEntropyLoss applied to the output *probabilities* theta as logits, as the
/// authors do; hidden units emit Bernoulli(theta) samples in {0, 1} with the sigmoid's
/// derivative passed straight through; Adam with lr 1e-3 on every parameter. Gradients flow
/// through both hidden passes (the lateral input of the second pass is the first pass's output).

#include <array>
#include <cmath>
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
#include "infomorph/networks/infomorphic_network.hpp"
#include "infomorph/neuron/layer.hpp"
#include "infomorph/networks/network.hpp"
#include "infomorph/networks/options.hpp"

namespace infomorph {

namespace detail {

// Mean cross-entropy of softmax(theta) against the labels, and its gradient in theta.
template <class Real>
xt::xtensor<Real, 2> softmax_cross_entropy(const xt::xtensor<Real, 2>& theta, const std::vector<std::uint8_t>& labels,
                                           double& loss) {
    const std::size_t batch = theta.shape()[0], classes = theta.shape()[1];
    xt::xtensor<Real, 2> g = xt::xtensor<Real, 2>::from_shape({batch, classes});
    loss = 0;
    for (std::size_t k = 0; k < batch; ++k) {
        double largest = theta(k, 0), sum = 0;
        for (std::size_t j = 1; j < classes; ++j) largest = std::max<double>(largest, theta(k, j));
        for (std::size_t j = 0; j < classes; ++j) sum += std::exp(theta(k, j) - largest);
        loss += std::log(sum) + largest - theta(k, labels[k]);
        for (std::size_t j = 0; j < classes; ++j) {
            const double softmax = std::exp(theta(k, j) - largest) / sum;
            g(k, j) = static_cast<Real>((softmax - (j == labels[k] ? 1.0 : 0.0)) / static_cast<double>(batch));
        }
    }
    loss /= static_cast<double>(batch);
    return g;
}

// The loss gradients of every parameter of the two-pass trivariate topology: output layer,
// then the second hidden pass, then through its lateral input the first. Returns the loss.
template <class Hidden, class Output, class Real = typename Hidden::matrix::value_type>
double backprop_gradients(Hidden& hidden, Output& output, const xt::xtensor<Real, 2>& images,
                          const xt::xtensor<Real, 2>& label, const xt::xtensor<Real, 2>& silent,
                          const std::array<typename Hidden::state, 2>& pass, const typename Output::state& out,
                          const std::vector<std::uint8_t>& labels, std::array<xt::xtensor<Real, 2>, 3>& dw_h,
                          std::array<xt::xtensor<Real, 1>, 3>& db_h, std::array<xt::xtensor<Real, 2>, 2>& dw_o,
                          std::array<xt::xtensor<Real, 1>, 2>& db_o) {
    double loss = 0;
    const auto d_theta = softmax_cross_entropy(out.theta, labels, loss);
    output.zero_gradients(dw_o, db_o);
    xt::xtensor<Real, 2> d_hidden2, d_hidden1;
    output.backward({&pass[1].output, &label}, out, d_theta, dw_o, db_o, {&d_hidden2, nullptr});
    hidden.zero_gradients(dw_h, db_h);
    hidden.backward({&images, &label, &pass[0].output}, pass[1], d_hidden2, dw_h, db_h, {nullptr, nullptr, &d_hidden1});
    hidden.backward({&images, &label, &silent}, pass[0], d_hidden1, dw_h, db_h);
    return loss;
}

}  // namespace detail

/// The paper's baseline: the trivariate topology trained globally by backpropagation (the authors' GlobalBackpropModel).
/// Hidden units emit Bernoulli(theta) samples in {0, 1} with straight-through derivatives; the loss is the cross-entropy of the output probabilities taken as logits, as the authors'.
class backprop_network final : public network {
public:
    /// The hidden layer: trivariate drive, Bernoulli-sampled outputs (fixed binning, unused by backprop).
    using hidden_layer = layer<3, activation::bernoulli<activation::trivariate>, binning::fixed_bins<20>, float>;
    /// The output layer, as in the infomorphic networks.
    using output_layer = output_layer_type;

    /// Builds the layers from o; throws infomorph::error unless o is a valid backprop kind.
    explicit backprop_network(const network_options& o)
        : options_(checked(o)), hidden_(hidden_options(o), goal<3>{}), output_(detail::output_layer_options(o.hidden, o), goal<2>{}),
          sampler_(detail::sampler_seed(o.seed)) {}

    batch_result train_batch(const matrix& images, const std::vector<std::uint8_t>& labels) override {
        const matrix label = detail::one_hot(labels, images.shape()[0], options_.classes);
        run(images, label, sampler_);
        batch_result report;
        report.loss = detail::backprop_gradients(hidden_, output_, images, label, silent_, pass_, out_, labels, dw_h_, db_h_, dw_o_, db_o_);
        detail::step(hidden_, dw_h_, db_h_, hidden_adam_, options_.backprop_optimizer, 1.0f);
        detail::step(output_, dw_o_, db_o_, output_adam_, options_.backprop_optimizer, 1.0f);
        report.accuracy = accuracy(out_.theta, labels);
        return report;
    }

    const matrix& probabilities(const matrix& images) override {
        const matrix silent = xt::zeros<float>({images.shape()[0], options_.classes});
        std::mt19937_64 stream(detail::evaluation_seed(options_.seed));  // see infomorphic_network
        run(images, silent, stream);
        skip_probabilities(1);
        return out_.theta;
    }

    void skip_probabilities(std::size_t calls) override { sampler_.discard(2 * calls); }

    std::vector<parameter_view> parameters() override { return detail::hidden_and_output_parameters(hidden_, output_); }

    const network_options& options() const override { return options_; }

    void save_state(std::ostream& out) override {
        detail::save_two_layer_state(out, "backprop_network 1", parameters(), hidden_adam_, output_adam_, sampler_);
    }

    void load_state(std::istream& in) override {
        detail::load_two_layer_state(in, "backprop_network 1", parameters(), hidden_adam_, output_adam_, sampler_);
    }

    /// The hidden layer.
    hidden_layer& hidden() { return hidden_; }
    /// The output layer.
    output_layer& output() { return output_; }

private:
    static const network_options& checked(const network_options& o) {
        if (o.kind != network_kind::backprop) throw error("backprop_network builds the backprop kind only");
        validate(o);
        return o;
    }

    static hidden_layer::options hidden_options(const network_options& o) {
        hidden_layer::options h;
        h.input_sizes = {o.inputs, o.classes, o.hidden};
        h.neurons = o.hidden;
        h.connections[2] = detail::lateral_connection(o);
        h.activation.drive = {.c1 = 0.1, .c2 = 0.1, .w1 = 2.0, .w2 = 2.0};
        h.output_values = {0.0f, 1.0f};
        h.seed = o.seed;
        h.threads = o.threads;
        return h;
    }

    void run(const matrix& images, const matrix& label, std::mt19937_64& rng) {
        silent_ = xt::zeros<float>({images.shape()[0], options_.hidden});
        // No bins: nothing here is measured by a PID.
        hidden_.forward({&images, &label, &silent_}, pass_[0], &rng, {.bins = false, .silent = {false, false, true}});
        hidden_.forward({&images, &label, &pass_[0].output}, pass_[1], &rng,
                        {.bins = false, .reuse = &pass_[0], .reuse_drive = {true, true, false}});
        output_.forward({&pass_[1].output, &label}, out_, nullptr, {.bins = false});
    }

    network_options options_;
    hidden_layer hidden_;
    output_layer output_;
    std::mt19937_64 sampler_;
    std::array<hidden_layer::state, 2> pass_;
    output_layer::state out_;
    matrix silent_;
    std::array<optimizer::adam::state, 6> hidden_adam_{};
    std::array<optimizer::adam::state, 4> output_adam_{};
    std::array<matrix, 3> dw_h_;  // gradients kept between batches, zeroed in place
    std::array<xt::xtensor<float, 1>, 3> db_h_;
    std::array<matrix, 2> dw_o_;
    std::array<xt::xtensor<float, 1>, 2> db_o_;
};

}  // namespace infomorph
