#pragma once
/// \file
/// Associative memory: the recurrent infomorphic (Hopfield) network, its recall dynamics, the
/// classical rules and the capacity experiments.
#include "infomorph/memory/capacity.hpp"
#include "infomorph/memory/memory_network.hpp"
#include "infomorph/memory/patterns.hpp"
#include "infomorph/memory/recall.hpp"
#include "infomorph/memory/rules.hpp"
