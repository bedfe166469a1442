// Every network variant of the paper, built by name and trained for one pass over the first
// 12288 MNIST training images; prints the test accuracy on 2048 test images.
// Usage: infomorph_example_network_variants [MNIST_DIR]
#include <infomorph/data/dataset.hpp>
#include <infomorph/data/idx.hpp>
#include <infomorph/networks/make_network.hpp>
#include <infomorph/networks/trainer.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    using namespace infomorph;
    const std::string dir = argc > 1 ? argv[1] : "data/mnist";
    auto train = data::read_idx_pair(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz");
    auto test = data::read_idx_pair(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
    const auto norm = data::normalization::of(train.images);  // the training set's mean and sd
    norm.apply(train.images);
    norm.apply(test.images);

    for (const auto& [name, kind] : network_kind_names) {
        network_options options{.kind = kind, .hidden = 100, .seed = 1};
        if (kind == network_kind::context_lateral) options.hidden_goal = goals::context_lateral_opt_1_100_tpe;
        auto net = make_network(options);
        train_epoch(*net, train, data::all_indices(12288), 256);
        const auto result = evaluate(*net, test, data::all_indices(2048), 1024);
        std::printf("%-18s test accuracy %.3f\n", net->kind_name().c_str(), result.accuracy);
    }
}
