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
// data/idx.hpp (IDX files) needs zlib: include it where you link ZLIB::ZLIB.
