#pragma once
// Epochs as the authors run them (paper_trivariate/base_model.py: trainer, valid): shuffled
// training batches with the label input present, training accuracy as the mean of the batch
// accuracies, the layers' PID atoms averaged over the epoch's batches; evaluation with the
// label input zero, batch by batch (the inversion rule uses each batch's mean theta).

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/error.hpp"
#include "infomorph/data/dataset.hpp"
#include "infomorph/data/labelled_images.hpp"
#include "infomorph/networks/network.hpp"

namespace infomorph {

struct evaluation {
    double accuracy = 0;
    std::size_t classes = 0;
    std::vector<std::size_t> confusion;  // [true class x predicted class], counts
    std::size_t count(std::size_t truth, std::size_t predicted) const { return confusion[truth * classes + predicted]; }
};

struct epoch_result {
    double train_accuracy = 0, train_loss = 0;
    std::vector<layer_result> layers;  // means over the epoch's batches
};

inline evaluation evaluate(network& net, const data::labelled_images& set, const std::vector<std::size_t>& indices,
                           std::size_t batch_size, std::size_t classes) {
    evaluation e;
    e.classes = classes;
    e.confusion.assign(classes * classes, 0);
    const data::batches batches(set, indices, batch_size);
    xt::xtensor<float, 2> images;
    std::vector<std::uint8_t> labels;
    std::size_t right = 0;
    for (std::size_t b = 0; b < batches.count(); ++b) {
        batches.get(b, images, labels);
        const auto predicted = net.predict(images);
        for (std::size_t k = 0; k < labels.size(); ++k) {
            if (labels[k] >= classes)
                throw error("label " + std::to_string(labels[k]) + " is not below " + std::to_string(classes));
            ++e.confusion[labels[k] * classes + predicted[k]];
            right += predicted[k] == labels[k] ? 1 : 0;
        }
    }
    e.accuracy = indices.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(indices.size());
    return e;
}

// One epoch over `indices` in the given order. progress(batch, batches, mean accuracy so far)
// is called after every batch.
template <class Progress>
epoch_result train_epoch(network& net, const data::labelled_images& set, const std::vector<std::size_t>& indices,
                         std::size_t batch_size, Progress&& progress) {
    epoch_result r;
    const data::batches batches(set, indices, batch_size);
    xt::xtensor<float, 2> images;
    std::vector<std::uint8_t> labels;
    for (std::size_t b = 0; b < batches.count(); ++b) {
        batches.get(b, images, labels);
        const auto report = net.train_batch(images, labels);
        r.train_accuracy += report.accuracy;
        r.train_loss += report.loss;
        if (r.layers.empty()) {
            r.layers = report.layers;
        } else {
            for (std::size_t l = 0; l < report.layers.size(); ++l) {
                auto& sum = r.layers[l];
                const auto& now = report.layers[l];
                sum.goal += now.goal;
                sum.h_res += now.h_res;
                sum.mi += now.mi;
                for (std::size_t a = 0; a < sum.atoms.size(); ++a) sum.atoms[a] += now.atoms[a];
            }
        }
        progress(b + 1, batches.count(), r.train_accuracy / static_cast<double>(b + 1));
    }
    const double n = batches.count() == 0 ? 1.0 : static_cast<double>(batches.count());
    r.train_accuracy /= n;
    r.train_loss /= n;
    for (auto& l : r.layers) {
        l.goal /= n;
        l.h_res /= n;
        l.mi /= n;
        for (auto& a : l.atoms) a /= n;
    }
    return r;
}

}  // namespace infomorph
