#pragma once
// Associative memory: the recurrent infomorphic (Hopfield) network, its recall dynamics, the
// classical rules and the capacity experiments.
#include "memory/capacity.hpp"
#include "memory/memory_network.hpp"
#include "memory/patterns.hpp"
#include "memory/recall.hpp"
#include "memory/rules.hpp"
