// What `infomorph train` does with its defaults (the paper's trivariate network, 100 hidden
// neurons, optimised goal, seed 1, 80/20 split), in the library's own terms: the same seed
// gives the same numbers and a byte-identical model file.
// Usage: infomorph_example_train_mnist [MNIST_DIR] [EPOCHS] [OUT_DIR]
#include <infomorph/data/idx.hpp>
#include <infomorph/networks/make_network.hpp>
#include <infomorph/networks/model_file.hpp>
#include <infomorph/networks/trainer.hpp>
#include <infomorph/networks/training_log.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

int main(int argc, char** argv) {
    using namespace infomorph;
    const std::string dir = argc > 1 ? argv[1] : "data/mnist";
    const training_options training{.epochs = argc > 2 ? std::stoul(argv[2]) : 10, .seed = 1};
    const std::filesystem::path out = argc > 3 ? argv[3] : "train-mnist-run";
    const auto data = prepare(data::read_idx_pair(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz"),
                              data::read_idx_pair(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz"),
                              training);
    auto net = make_network({.kind = network_kind::context_lateral, .seed = training.seed});

    std::filesystem::create_directories(out);
    training_log log((out / "log.jsonl").string(), (out / "timing.jsonl").string());
    training_observer observer;
    observer.epoch_done = [&](const epoch_report& r) {
        log(r);
        std::printf("epoch %zu/%zu: %.2f s, train %.4f, validation %.4f, test %.4f\n", r.epoch, r.epochs, r.seconds,
                    r.train.train_accuracy, r.validation->accuracy, r.test->accuracy);  // test_every is 1: every epoch tests
    };
    const auto last = trainer(*net, data, training, observer).run();
    save_model(out / "model.bin", *net);
    std::printf("test accuracy %.4f\n", last->test->accuracy);  // run() gives none only when stopped
}
