#pragma once
/// \file
/// Umbrella header: everything infomorph offers. PID users who need no networks include
/// <infomorph/pid.hpp> instead, which compiles in a fraction of the time.

#include "infomorph/pid.hpp"
#include "infomorph/neuron/activation.hpp"
#include "infomorph/neuron/binning.hpp"
#include "infomorph/neuron/layer.hpp"
#include "infomorph/neuron/optimizer.hpp"
#include "infomorph/networks/diversity.hpp"
#include "infomorph/networks/make_network.hpp"
#include "infomorph/networks/memory_estimate.hpp"
#include "infomorph/networks/model_file.hpp"
#include "infomorph/networks/options.hpp"
#include "infomorph/networks/trainer.hpp"
#include "infomorph/data/cifar.hpp"
#include "infomorph/data/dataset.hpp"
#include "infomorph/data/labelled_images.hpp"
#include "infomorph/memory.hpp"
// data/idx.hpp and data/fashion_mnist.hpp (gzip IDX files) need zlib: include them where you
// link ZLIB::ZLIB.
