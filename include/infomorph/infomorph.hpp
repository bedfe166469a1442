#pragma once
// Umbrella header: everything infomorph offers.

#include "lattice.hpp"
#include "orders.hpp"
#include "pid/distribution.hpp"
#include "pid/isx.hpp"
#include "pid/dynamic.hpp"
#include "goal.hpp"
#include "learning/batch_goal.hpp"
#include "learning/layer_goal.hpp"
#include "learning/activation.hpp"
#include "learning/estimator.hpp"
#include "learning/optimizer.hpp"
#include "learning/layer.hpp"
#include "learning/network.hpp"
#include "memory.hpp"
#include "data/labelled_images.hpp"
#include "data/dataset.hpp"
#include "data/cifar.hpp"
// data/idx.hpp and data/fashion_mnist.hpp (gzip IDX files) need zlib: include them where you
// link ZLIB::ZLIB.
