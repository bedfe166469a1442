#pragma once
/// \file
/// Umbrella header for PID users: the redundancy lattice, the I^sx PID and the goal functions
/// with their batch kernel. Cheap to compile next to <infomorph/infomorph.hpp>: no networks,
/// no data readers, and nothing for 4 sources unless the code asks for N = 4
/// (docs/architecture.md has the measured compile times).

#include "infomorph/error.hpp"
#include "infomorph/lattice/dispatch.hpp"
#include "infomorph/lattice/lattice.hpp"
#include "infomorph/lattice/orders.hpp"
#include "infomorph/pid/distribution.hpp"
#include "infomorph/pid/dynamic.hpp"
#include "infomorph/pid/isx.hpp"
#include "infomorph/goal/batch_goal.hpp"
#include "infomorph/goal/dynamic_goal.hpp"
#include "infomorph/goal/goal.hpp"
#include "infomorph/goal/layer_goal.hpp"
