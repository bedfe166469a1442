#pragma once
/// \file
/// Training and evaluation of a network as the authors run them: prepare(), trainer, evaluate().
/// Training as the authors run it (paper_trivariate/base_model.py: trainer, valid), as a library:
///   prepare()   first `limit` training images, normalisation by the training images' mean and
///               sd (all of them, before the split), the seeded train/validation split;
///   trainer     epochs of shuffled training batches with the label input present (training
///               accuracy = mean of the batch accuracies, the layers' PID atoms averaged over
///               the epoch's batches), then validation and test with the label input zero,
///               batch by batch (the inversion rule uses each batch's mean theta);
///   evaluate()  accuracy and confusion matrix of a network on a set.
/// Observers are optional callbacks; `infomorph train` is this plus files and a progress bar.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "infomorph/data/dataset.hpp"
#include "infomorph/data/labelled_images.hpp"
#include "infomorph/detail/state.hpp"
#include "infomorph/error.hpp"
#include "infomorph/networks/network.hpp"

namespace infomorph {

/// How a trainer runs (sizes, split, seed); the defaults are the paper's. Checked by validate().
struct training_options {
    /// The number of epochs to train.
    std::size_t epochs = 10;
    /// Images per batch, in training and in evaluation.
    std::size_t batch = 1024;
    double train_fraction = 0.8;  ///< share of the training set trained on; the rest validates
    std::size_t limit = 0;        ///< use only the first `limit` training images (0: all)
    /// Seeds the split; the epochs' shuffling stream is seeded with seed + shuffle_offset, so
    /// that it is not the split's stream (the value every published run used).
    std::uint64_t seed = 1;
    /// Evaluate the test set after every test_every-th epoch and after the last one only
    /// (validation runs every epoch); evaluation draws from its own stream, so the weights do
    /// not depend on it.
    std::size_t test_every = 1;
    /// Added to seed for the shuffling stream.
    static constexpr std::uint64_t shuffle_offset = 7;
};

/// Refuses settings that would train nothing or forever.
inline void validate(const training_options& o) {
    if (o.epochs == 0) throw error("epochs must be at least 1");
    if (o.batch == 0) throw error("batch must be at least 1");
    if (o.test_every == 0) throw error("test_every must be at least 1");
    if (!(o.train_fraction > 0 && o.train_fraction <= 1))
        throw error("train_fraction " + std::to_string(o.train_fraction) + " is outside (0, 1]");
}

/// Normalised training and test images and the split of the training images.
struct training_data {
    /// The normalised training images, all of them: split indexes them.
    data::labelled_images train, test;
    /// Which training images train and which validate.
    data::split split;
};
/// \var training_data::test
/// The normalised test images.

/// Refuses empty sets and test images of another shape than the training images (prepare).
inline void check_images(const data::labelled_images& train, const data::labelled_images& test) {
    if (train.images.dimension() != 2 || train.images.shape()[0] == 0) throw error("the training set holds no images");
    if (test.images.dimension() != 2 || test.images.shape()[0] == 0) throw error("the test set holds no images");
    const auto shape = [](const data::labelled_images& s) {
        return std::to_string(s.channels) + " x " + std::to_string(s.rows) + " x " + std::to_string(s.cols) + " (" +
               std::to_string(s.images.shape()[1]) + " values)";
    };
    if (test.images.shape()[1] != train.images.shape()[1] || test.rows != train.rows || test.cols != train.cols ||
        test.channels != train.channels)
        throw error("the test images are " + shape(test) + ", the training images " + shape(train));
}

/// Takes the first o.limit training images, normalises both sets by the training images' mean and sd, and splits the training images by o.seed; throws infomorph::error on a pixel count mismatch or bad options.
inline training_data prepare(data::labelled_images train, data::labelled_images test, const training_options& o) {
    validate(o);
    if (o.limit > 0 && o.limit < train.labels.size()) {
        const std::size_t pixels = train.images.shape()[1];
        xt::xtensor<float, 2> first = xt::xtensor<float, 2>::from_shape({o.limit, pixels});
        std::copy(train.images.data(), train.images.data() + o.limit * pixels, first.data());
        train.images = std::move(first);
        train.labels.resize(o.limit);
    }
    check_images(train, test);
    const auto norm = data::normalization::of(train.images, "the training images");
    norm.apply(train.images);
    norm.apply(test.images);
    training_data d{std::move(train), std::move(test), {}};
    d.split = data::train_validation_split(d.train.labels.size(), o.train_fraction, o.seed);
    if (d.split.train.empty())
        throw error("train_fraction " + std::to_string(o.train_fraction) + " of " + std::to_string(d.train.labels.size()) +
                    " training images (limit " + std::to_string(o.limit) + ") leaves no image to train on");
    return d;
}

/// Accuracy and confusion matrix of a network on a set of images.
struct evaluation_result {
    /// The fraction of images classified right, in [0, 1].
    double accuracy = 0;
    /// The number of classes: confusion is classes x classes.
    std::size_t classes = 0;
    std::vector<std::size_t> confusion;  ///< [true class x predicted class], counts
    /// How many images of class truth were predicted as class predicted.
    std::size_t count(std::size_t truth, std::size_t predicted) const { return confusion[truth * classes + predicted]; }
};

/// What the training part of one epoch produced.
struct epoch_result {
    /// Mean training accuracy over the epoch's batches (label input present).
    double train_accuracy = 0, train_loss = 0;
    std::vector<layer_result> layers;  ///< means over the epoch's batches
};
/// \var epoch_result::train_loss
/// Mean over the epoch's batches of batch_result::loss.

/// Accuracy and confusion matrix of `net` on the given rows of `set`, in batches of batch_size.
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
        batches.get(b, images, labels, net.options().threads);
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

/// progress(batch, batches, mean training accuracy so far), after every batch.
using batch_observer = std::function<void(std::size_t, std::size_t, double)>;

namespace detail {

// The per-layer sums of a stopped epoch, exactly (doubles as bytes, names as tags).
inline void write_layer_sums(std::ostream& out, const std::vector<layer_result>& layers) {
    write_u64(out, layers.size());
    for (const auto& l : layers) {
        write_tag(out, l.layer);
        write_u64(out, l.sources);
        const double sums[] = {l.goal, l.h_res, l.mi};
        write_array(out, sums, 3);
        write_u64(out, l.atom_names.size());
        for (const auto& name : l.atom_names) write_tag(out, name);
        write_array(out, l.atoms.data(), l.atoms.size());
    }
}

inline void read_layer_sums(std::istream& in, std::vector<layer_result>& layers) {
    constexpr std::size_t most_layers = 16, most_atoms = 166, longest_name = 256;
    const std::uint64_t n = read_u64(in);
    if (n > most_layers) throw error("training state: " + std::to_string(n) + " layers");
    layers.assign(n, {});
    for (auto& l : layers) {
        l.layer = read_string(in, longest_name, "a layer's name");
        l.sources = read_u64(in);
        double sums[3];
        read_array(in, sums, 3, "a layer's sums");
        l.goal = sums[0];
        l.h_res = sums[1];
        l.mi = sums[2];
        const std::uint64_t atoms = read_u64(in);
        if (atoms > most_atoms) throw error("training state: " + std::to_string(atoms) + " atoms in a layer");
        l.atom_names.resize(atoms);
        for (auto& name : l.atom_names) name = read_string(in, longest_name, "an atom's name");
        l.atoms.resize(atoms);
        read_array(in, l.atoms.data(), atoms, "a layer's atom sums");
    }
}

}  // namespace detail

/// Asked after each training batch; true stops the epoch at that batch boundary.
using stop_predicate = std::function<bool()>;

/// The training batches [from, batches) of one epoch, added to the sums in `r`; stops after a
/// batch where `stop` says so. Returns the number of batches done (all of them unless stopped).
inline std::size_t train_batches(network& net, const data::batches& batches, std::size_t from, epoch_result& r,
                                 const batch_observer& progress = {}, const stop_predicate& stop = {}) {
    xt::xtensor<float, 2> pixels;
    std::vector<std::uint8_t> labels;
    for (std::size_t b = from; b < batches.count(); ++b) {
        batches.get(b, pixels, labels, net.options().threads);
        const auto report = net.train_batch(pixels, labels);
        r.train_accuracy += report.accuracy;
        r.train_loss += report.loss;
        detail::accumulate(r.layers, report.layers);
        if (progress) progress(b + 1, batches.count(), r.train_accuracy / static_cast<double>(b + 1));
        if (b + 1 < batches.count() && stop && stop()) return b + 1;
    }
    return batches.count();
}

/// The sums of a training epoch into their means over its `batches` batches.
inline void to_means(epoch_result& r, std::size_t batches) {
    const double n = batches == 0 ? 1.0 : static_cast<double>(batches);
    r.train_accuracy /= n;
    r.train_loss /= n;
    detail::to_mean(r.layers, n);
}

/// One training epoch of `net` over the rows `indices` of `set`, in that order and in batches of batch_size; progress is called after each batch.
inline epoch_result train_epoch(network& net, const data::labelled_images& set, const std::vector<std::size_t>& indices,
                                std::size_t batch_size, const batch_observer& progress = {}) {
    epoch_result r;
    const data::batches batches(set, indices, batch_size);
    train_batches(net, batches, 0, r, progress);
    to_means(r, batches.count());
    return r;
}

/// What one epoch of a trainer produced.
struct epoch_report {
    std::size_t epoch = 0, epochs = 0;  // 1-based
    double seconds = 0;                 ///< training time of the epoch (no evaluation)
    double evaluation_seconds = 0;      ///< validation and test time of the epoch
    /// The means over the epoch's training batches.
    epoch_result train;
    std::optional<evaluation_result> validation;  ///< none when train_fraction is 1
    /// The evaluation on the test images (label input zero); none on epochs that test_every skips, always after the last.
    std::optional<evaluation_result> test;
};
/// \var epoch_report::epoch
/// The epoch's number, 1-based.
/// \var epoch_report::epochs
/// The number of epochs of the run.

/// Optional callbacks: before each epoch, after each training batch, after each epoch; and
/// whether to stop at the next batch boundary.
struct training_observer {
    /// Called before epoch `epoch` (1-based) of `epochs` (again when a stopped epoch goes on).
    std::function<void(std::size_t epoch, std::size_t epochs)> epoch_started;
    /// Called after each training batch.
    batch_observer batch_done;
    /// Called with each epoch's report.
    std::function<void(const epoch_report&)> epoch_done;
    /// Asked after each training batch but an epoch's last: true stops the epoch there
    /// (run_epoch returns none; save_state then holds the stopped epoch, and the next
    /// run_epoch, or a trainer that loads that state, goes on with its next batch).
    stop_predicate stop_requested;
};

/// Runs training epoch by epoch (shuffle, train, validate, test), reporting to an observer.
class trainer {
public:
    /// A trainer of `net` on `data`; throws infomorph::error on bad options or an empty training share.
    /// `net` and `data` must outlive the trainer.
    trainer(network& net, const training_data& data, training_options options, training_observer observer = {})
        : net_(net), data_(data), options_(options), observer_(std::move(observer)),
          shuffler_(options.seed + training_options::shuffle_offset) {
        validate(options_);
        if (data_.split.train.empty()) throw error("the training share leaves no training images");
    }

    /// The number of epochs trained so far (a stopped epoch does not count).
    std::size_t epochs_done() const { return epoch_; }
    /// The training batches done of a stopped epoch (0 between epochs).
    std::size_t batches_done() const { return stopped_ ? stopped_->batches : 0; }
    /// Whether every epoch of the options has been trained.
    bool finished() const { return epoch_ >= options_.epochs; }

    /// Trains the next epoch (or the rest of a stopped one), then evaluates on the validation
    /// and test images; none when the observer's stop_requested stopped it mid-epoch.
    std::optional<epoch_report> run_epoch() {
        if (finished()) throw error("all " + std::to_string(options_.epochs) + " epochs are done");
        epoch_report r;
        r.epoch = epoch_ + 1;
        r.epochs = options_.epochs;
        stopped_epoch now = stopped_ ? std::move(*stopped_) : stopped_epoch{shuffler_, 0, {}, 0};
        stopped_.reset();
        shuffler_ = now.shuffler;  // the order of a stopped epoch is drawn again, identically
        auto order = data_.split.train;
        data::shuffle(order, shuffler_);
        if (observer_.epoch_started) observer_.epoch_started(r.epoch, r.epochs);
        const data::batches batches(data_.train, std::move(order), options_.batch);
        const auto start = std::chrono::steady_clock::now();
        now.batches = train_batches(net_, batches, now.batches, now.sums, observer_.batch_done, observer_.stop_requested);
        now.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (now.batches < batches.count()) {
            stopped_ = std::move(now);
            return std::nullopt;
        }
        ++epoch_;
        r.train = std::move(now.sums);
        to_means(r.train, batches.count());
        r.seconds = now.seconds;
        evaluate_epoch(r);
        if (observer_.epoch_done) observer_.epoch_done(r);
        return r;
    }

    /// Writes the trainer's own state (epochs done, the shuffling stream, a stopped epoch's
    /// batches and sums); with the network's save_state, what resuming a run needs (the data
    /// and split follow from the options).
    void save_state(std::ostream& out) const {
        detail::write_tag(out, "trainer 2");
        detail::write_u64(out, epoch_);
        detail::write_engine(out, shuffler_);
        detail::write_u64(out, stopped_ ? 1 : 0);
        if (!stopped_) return;
        detail::write_engine(out, stopped_->shuffler);
        detail::write_u64(out, stopped_->batches);
        const double sums[] = {stopped_->sums.train_accuracy, stopped_->sums.train_loss, stopped_->seconds};
        detail::write_array(out, sums, 3);
        detail::write_layer_sums(out, stopped_->sums.layers);
    }

    /// Restores a state written by save_state of a trainer of the same data and options
    /// (`epochs` may be larger than the saved run's); reads format 1 (no stopped epoch) too.
    void load_state(std::istream& in) {
        const bool with_stop = detail::read_tag_of(in, {"trainer 1", "trainer 2"}) == "trainer 2";
        const std::uint64_t epoch = detail::read_u64(in);
        detail::read_engine(in, shuffler_);
        const bool stopped = with_stop && detail::read_u64(in) != 0;
        if (epoch + (stopped ? 1 : 0) > options_.epochs)
            throw error("the saved run is at epoch " + std::to_string(epoch + (stopped ? 1 : 0)) + ", beyond the " +
                        std::to_string(options_.epochs) + " epochs asked for");
        stopped_.reset();
        if (stopped) {
            stopped_epoch s{shuffler_, 0, {}, 0};
            detail::read_engine(in, s.shuffler);
            s.batches = detail::read_u64(in);
            const std::size_t batches = (data_.split.train.size() + options_.batch - 1) / options_.batch;
            if (s.batches == 0 || s.batches >= batches)
                throw error("training state: a stopped epoch at batch " + std::to_string(s.batches) + " of " +
                            std::to_string(batches));
            double sums[3];
            detail::read_array(in, sums, 3, "the stopped epoch's sums");
            s.sums.train_accuracy = sums[0];
            s.sums.train_loss = sums[1];
            s.seconds = sums[2];
            detail::read_layer_sums(in, s.sums.layers);
            stopped_ = std::move(s);
        }
        epoch_ = static_cast<std::size_t>(epoch);
    }

    /// Trains the remaining epochs; returns the last one's report, or none when stopped.
    std::optional<epoch_report> run() {
        std::optional<epoch_report> last;
        while (!finished())
            if (!(last = run_epoch())) break;
        return last;
    }

private:
    // An epoch stopped at a batch boundary: the shuffling stream before its order was drawn,
    // the batches done and the sums of their results.
    struct stopped_epoch {
        std::mt19937_64 shuffler;
        std::size_t batches = 0;
        epoch_result sums;
        double seconds = 0;
    };

    void evaluate_epoch(epoch_report& r) {
        const auto evaluation_start = std::chrono::steady_clock::now();
        if (!data_.split.validation.empty()) r.validation = evaluate(net_, data_.train, data_.split.validation, options_.batch);
        const auto test_set = data::all_indices(data_.test.labels.size());
        if (r.epoch % options_.test_every == 0 || r.epoch == options_.epochs)
            r.test = evaluate(net_, data_.test, test_set, options_.batch);
        else
            net_.skip_probabilities(data::batches(data_.test, test_set, options_.batch).count());
        r.evaluation_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - evaluation_start).count();
    }

    network& net_;
    const training_data& data_;
    training_options options_;
    training_observer observer_;
    std::mt19937_64 shuffler_;
    std::size_t epoch_ = 0;
    std::optional<stopped_epoch> stopped_;
};

}  // namespace infomorph
