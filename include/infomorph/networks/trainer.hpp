#pragma once
// Training as the authors run it (paper_trivariate/base_model.py: trainer, valid), as a library:
//   prepare()   first `limit` training images, normalisation by the training images' mean and
//               sd (all of them, before the split), the seeded train/validation split;
//   trainer     epochs of shuffled training batches with the label input present (training
//               accuracy = mean of the batch accuracies, the layers' PID atoms averaged over
//               the epoch's batches), then validation and test with the label input zero,
//               batch by batch (the inversion rule uses each batch's mean theta);
//   evaluate()  accuracy and confusion matrix of a network on a set.
// Observers are optional callbacks; `infomorph train` is this plus files and a progress bar.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/data/dataset.hpp"
#include "infomorph/data/labelled_images.hpp"
#include "infomorph/error.hpp"
#include "infomorph/networks/network.hpp"

namespace infomorph {

struct training_options {
    std::size_t epochs = 10;
    std::size_t batch = 1024;
    double train_fraction = 0.8;  // share of the training set trained on; the rest validates
    std::size_t limit = 0;        // use only the first `limit` training images (0: all)
    // Seeds the split; the epochs' shuffling stream is seeded with seed + shuffle_offset, so
    // that it is not the split's stream (the value every published run used).
    std::uint64_t seed = 1;
    // Evaluate the test set after every test_every-th epoch and after the last one only
    // (validation runs every epoch); evaluation draws from its own stream, so the weights do
    // not depend on it.
    std::size_t test_every = 1;
    static constexpr std::uint64_t shuffle_offset = 7;
};

// Refuses settings that would train nothing or forever.
inline void validate(const training_options& o) {
    if (o.epochs == 0) throw error("epochs must be at least 1");
    if (o.batch == 0) throw error("batch must be at least 1");
    if (o.test_every == 0) throw error("test_every must be at least 1");
    if (!(o.train_fraction > 0 && o.train_fraction <= 1))
        throw error("train_fraction " + std::to_string(o.train_fraction) + " is outside (0, 1]");
}

// Normalised training and test images and the split of the training images.
struct training_data {
    data::labelled_images train, test;
    data::split split;
};

inline training_data prepare(data::labelled_images train, data::labelled_images test, const training_options& o) {
    validate(o);
    if (o.limit > 0 && o.limit < train.labels.size()) {
        const std::size_t pixels = train.images.shape()[1];
        xt::xtensor<float, 2> first = xt::xtensor<float, 2>::from_shape({o.limit, pixels});
        std::copy(train.images.data(), train.images.data() + o.limit * pixels, first.data());
        train.images = std::move(first);
        train.labels.resize(o.limit);
    }
    if (test.images.dimension() == 2 && train.images.dimension() == 2 && test.images.shape()[1] != train.images.shape()[1])
        throw error("the test images have " + std::to_string(test.images.shape()[1]) + " pixels, the training images " +
                    std::to_string(train.images.shape()[1]));
    const auto norm = data::normalization::of(train.images);
    norm.apply(train.images);
    norm.apply(test.images);
    training_data d{std::move(train), std::move(test), {}};
    d.split = data::train_validation_split(d.train.labels.size(), o.train_fraction, o.seed);
    return d;
}

struct evaluation_result {
    double accuracy = 0;
    std::size_t classes = 0;
    std::vector<std::size_t> confusion;  // [true class x predicted class], counts
    std::size_t count(std::size_t truth, std::size_t predicted) const { return confusion[truth * classes + predicted]; }
};

struct epoch_result {
    double train_accuracy = 0, train_loss = 0;
    std::vector<layer_result> layers;  // means over the epoch's batches
};

// Accuracy and confusion matrix of `net` on the given rows of `set`, in batches of batch_size.
inline evaluation_result evaluate(network& net, const data::labelled_images& set, const std::vector<std::size_t>& indices,
                                  std::size_t batch_size) {
    const std::size_t classes = net.classes();
    evaluation_result e;
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

// progress(batch, batches, mean training accuracy so far), after every batch.
using batch_observer = std::function<void(std::size_t, std::size_t, double)>;

// One epoch over `indices` in the given order.
inline epoch_result train_epoch(network& net, const data::labelled_images& set, const std::vector<std::size_t>& indices,
                                std::size_t batch_size, const batch_observer& progress = {}) {
    epoch_result r;
    const data::batches batches(set, indices, batch_size);
    xt::xtensor<float, 2> images;
    std::vector<std::uint8_t> labels;
    for (std::size_t b = 0; b < batches.count(); ++b) {
        batches.get(b, images, labels);
        const auto report = net.train_batch(images, labels);
        r.train_accuracy += report.accuracy;
        r.train_loss += report.loss;
        detail::accumulate(r.layers, report.layers);
        if (progress) progress(b + 1, batches.count(), r.train_accuracy / static_cast<double>(b + 1));
    }
    const double n = batches.count() == 0 ? 1.0 : static_cast<double>(batches.count());
    r.train_accuracy /= n;
    r.train_loss /= n;
    detail::to_mean(r.layers, n);
    return r;
}

// What one epoch of a trainer produced.
struct epoch_report {
    std::size_t epoch = 0, epochs = 0;  // 1-based
    double seconds = 0;                 // training time of the epoch (no evaluation)
    double evaluation_seconds = 0;      // validation and test time of the epoch
    epoch_result train;
    std::optional<evaluation_result> validation;  // none when train_fraction is 1
    std::optional<evaluation_result> test;        // none on epochs that test_every skips; always after the last
};

// Optional callbacks: before each epoch, after each training batch, after each epoch.
struct training_observer {
    std::function<void(std::size_t epoch, std::size_t epochs)> epoch_started;
    batch_observer batch_done;
    std::function<void(const epoch_report&)> epoch_done;
};

class trainer {
public:
    // `net` and `data` must outlive the trainer.
    trainer(network& net, const training_data& data, training_options options, training_observer observer = {})
        : net_(net), data_(data), options_(options), observer_(std::move(observer)),
          shuffler_(options.seed + training_options::shuffle_offset) {
        validate(options_);
        if (data_.split.train.empty()) throw error("the training share leaves no training images");
    }

    std::size_t epochs_done() const { return epoch_; }
    bool finished() const { return epoch_ >= options_.epochs; }

    // Trains the next epoch, then evaluates on the validation and (see test_every) test images.
    epoch_report run_epoch() {
        if (finished()) throw error("all " + std::to_string(options_.epochs) + " epochs are done");
        epoch_report r;
        r.epoch = ++epoch_;
        r.epochs = options_.epochs;
        auto order = data_.split.train;
        data::shuffle(order, shuffler_);
        if (observer_.epoch_started) observer_.epoch_started(r.epoch, r.epochs);
        const auto start = std::chrono::steady_clock::now();
        r.train = train_epoch(net_, data_.train, order, options_.batch, observer_.batch_done);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const auto evaluation_start = std::chrono::steady_clock::now();
        if (!data_.split.validation.empty()) r.validation = evaluate(net_, data_.train, data_.split.validation, options_.batch);
        const auto test_set = data::all_indices(data_.test.labels.size());
        if (r.epoch % options_.test_every == 0 || r.epoch == options_.epochs)
            r.test = evaluate(net_, data_.test, test_set, options_.batch);
        else
            net_.skip_probabilities(data::batches(data_.test, test_set, options_.batch).count());
        r.evaluation_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - evaluation_start).count();
        if (observer_.epoch_done) observer_.epoch_done(r);
        return r;
    }

    // Trains the remaining epochs; returns the last one's report.
    epoch_report run() {
        epoch_report last;
        while (!finished()) last = run_epoch();
        return last;
    }

private:
    network& net_;
    const training_data& data_;
    training_options options_;
    training_observer observer_;
    std::mt19937_64 shuffler_;
    std::size_t epoch_ = 0;
};

}  // namespace infomorph
