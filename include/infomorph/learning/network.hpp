#pragma once
// The paper's trivariate infomorphic network (Schneider et al., ICLR 2025; the authors'
// InfomorphicContextLateralModel): a hidden layer of trivariate neurons (F = image, C = label,
// L = the hidden layer's own previous output, no self-connections or k random partners),
// run twice per batch (first with zero lateral input, learning on the second pass), and an
// output layer of 10 bivariate neurons (F = hidden output, C = label through fixed identity
// weights, theta = sigmoid(r), adaptive binning). Each layer ascends its own local goal with
// Adam. At test time the label input is zero; an output neuron whose batch-mean theta is at
// least 1/2 is inverted before the argmax (information is invariant under that flip).
//
// Other variants of the paper follow in the network issue.

#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "../goal.hpp"
#include "activation.hpp"
#include "estimator.hpp"
#include "layer.hpp"
#include "optimizer.hpp"

namespace infomorph {

struct context_lateral_options {
    std::size_t inputs = 784, classes = 10, hidden = 100;
    std::size_t lateral_partners = 0;  // 0: every other hidden neuron
    goal<3> hidden_goal = goals::context_lateral_opt_1_100_tpe;
    goal<2> output_goal = goals::output_layer;
    optimizer::adam hidden_optimizer{.lr = 0.002, .weight_decay = 3.5e-4};
    optimizer::adam output_optimizer{.lr = 0.003, .weight_decay = 1.5e-4};
    std::uint64_t seed = 1;
    std::size_t threads = 1;
};

class context_lateral_network {
public:
    using hidden_layer = layer<3, activation::trivariate, estimator::fixed_bins<20>, float>;
    using output_layer = layer<2, activation::bivariate, estimator::adaptive_bins<20>, float>;
    using matrix = xt::xtensor<float, 2>;

    explicit context_lateral_network(const context_lateral_options& o)
        : options_(o), hidden_(hidden_options(o), o.hidden_goal), output_(output_options(o), o.output_goal),
          sampler_(o.seed ^ 0x9e3779b97f4a7c15ull) {}

    struct batch_report {
        double accuracy = 0;  // with the inversion rule, label input present
        std::vector<goal_value<3>> hidden;
        std::vector<goal_value<2>> output;
    };

    // One learning step on a batch: images [batch x inputs] (normalised), labels 0..classes-1.
    batch_report train_batch(const matrix& images, const std::vector<std::uint8_t>& labels) {
        const matrix context = one_hot(labels, images.shape()[0]);
        run(images, context, true);
        batch_report report;
        std::array<matrix, 3> dw_h;
        std::array<xt::xtensor<float, 1>, 3> db_h;
        hidden_.goal_gradients({&images, &context, &first_pass_.output}, second_pass_, dw_h, db_h, report.hidden);
        std::array<matrix, 2> dw_o;
        std::array<xt::xtensor<float, 1>, 2> db_o;
        output_.goal_gradients({&second_pass_.output, &context}, out_, dw_o, db_o, report.output);
        ascend(hidden_, dw_h, db_h, hidden_state_, options_.hidden_optimizer);
        ascend(output_, dw_o, db_o, output_state_, options_.output_optimizer);
        report.accuracy = accuracy(out_.theta, labels);
        return report;
    }

    // Predicted classes with the label input zero.
    std::vector<std::uint8_t> predict(const matrix& images) {
        const matrix context = xt::zeros<float>({images.shape()[0], options_.classes});
        run(images, context, true);
        return decide(out_.theta);
    }

    static double accuracy(const matrix& theta, const std::vector<std::uint8_t>& labels) {
        const auto predicted = decide(theta);
        std::size_t right = 0;
        for (std::size_t k = 0; k < labels.size(); ++k) right += predicted[k] == labels[k] ? 1 : 0;
        return static_cast<double>(right) / static_cast<double>(labels.size());
    }

    hidden_layer& hidden() { return hidden_; }
    output_layer& output() { return output_; }
    // The hidden layer's second pass and the output layer of the last batch run.
    const hidden_layer::state& hidden_state() const { return second_pass_; }
    const output_layer::state& output_state() const { return out_; }

private:
    static hidden_layer::options hidden_options(const context_lateral_options& o) {
        hidden_layer::options h;
        h.input_sizes = {o.inputs, o.classes, o.hidden};
        h.neurons = o.hidden;
        h.connections[2] = o.lateral_partners == 0 ? connection{.kind = connectivity::no_self}
                                                   : connection{.kind = connectivity::random_partners, .partners = o.lateral_partners};
        h.activation = {.c1 = 0.1, .c2 = 0.1, .w1 = 2.0, .w2 = 2.0};
        h.seed = o.seed;
        h.threads = o.threads;
        return h;
    }
    static output_layer::options output_options(const context_lateral_options& o) {
        output_layer::options p;
        p.input_sizes = {o.hidden, o.classes};
        p.neurons = o.classes;
        p.connections[1] = {.kind = connectivity::identity, .fixed_weight = 1.0};
        p.activation = {.k1 = 1.0};
        p.seed = o.seed + 1;
        p.threads = o.threads;
        return p;
    }

    matrix one_hot(const std::vector<std::uint8_t>& labels, std::size_t batch) const {
        if (labels.size() != batch)
            throw std::invalid_argument("infomorph: " + std::to_string(labels.size()) + " labels for a batch of " +
                                        std::to_string(batch));
        matrix c = xt::zeros<float>({batch, options_.classes});
        for (std::size_t k = 0; k < batch; ++k) {
            if (labels[k] >= options_.classes)
                throw std::invalid_argument("infomorph: label " + std::to_string(labels[k]) + " of sample " +
                                            std::to_string(k) + " is not below " + std::to_string(options_.classes));
            c(k, labels[k]) = 1.0f;
        }
        return c;
    }

    // Two hidden passes (zero lateral input first), then the output layer's probabilities.
    void run(const matrix& images, const matrix& context, bool sample) {
        const matrix silent = xt::zeros<float>({images.shape()[0], options_.hidden});
        hidden_.forward({&images, &context, &silent}, first_pass_, sample ? &sampler_ : nullptr);
        hidden_.forward({&images, &context, &first_pass_.output}, second_pass_, sample ? &sampler_ : nullptr);
        output_.forward({&second_pass_.output, &context}, out_, nullptr);
    }

    template <class Layer, std::size_t N>
    static void ascend(Layer& l, const std::array<matrix, N>& dw, const std::array<xt::xtensor<float, 1>, N>& db,
                       std::array<optimizer::adam::state, 2 * N>& state, const optimizer::adam& adam) {
        for (std::size_t i = 0; i < N; ++i) {
            const auto& c = l.connections(i);
            if (!c.trainable || c.kind == connectivity::none) continue;
            // Fixed weights (the output layer's label input) must not see the weight decay.
            if (c.fixed_weight == 0 && dw[i].size() > 0) {
                const matrix descent = -dw[i];
                // Masked entries get zero gradient and zero weight: Adam keeps them exactly 0.
                adam.step(l.weight(i).data(), descent.data(), descent.size(), state[2 * i]);
            }
            if (c.bias) {
                const xt::xtensor<float, 1> bias_descent = -db[i];
                adam.step(l.bias(i).data(), bias_descent.data(), bias_descent.size(), state[2 * i + 1]);
            }
        }
    }

    static std::vector<std::uint8_t> decide(const matrix& theta) {
        const std::size_t batch = theta.shape()[0], classes = theta.shape()[1];
        std::vector<bool> invert(classes);
        for (std::size_t j = 0; j < classes; ++j) {
            double mean = 0;
            for (std::size_t k = 0; k < batch; ++k) mean += theta(k, j);
            invert[j] = mean / static_cast<double>(batch) >= 0.5;
        }
        std::vector<std::uint8_t> out(batch);
        for (std::size_t k = 0; k < batch; ++k) {
            double best = -1;
            for (std::size_t j = 0; j < classes; ++j) {
                const double t = invert[j] ? 1.0 - theta(k, j) : theta(k, j);
                if (t > best) {
                    best = t;
                    out[k] = static_cast<std::uint8_t>(j);
                }
            }
        }
        return out;
    }

    context_lateral_options options_;
    hidden_layer hidden_;
    output_layer output_;
    std::mt19937_64 sampler_;
    hidden_layer::state first_pass_, second_pass_;
    output_layer::state out_;
    std::array<optimizer::adam::state, 6> hidden_state_{};
    std::array<optimizer::adam::state, 4> output_state_{};
};

}  // namespace infomorph
