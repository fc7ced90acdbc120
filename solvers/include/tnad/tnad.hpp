// Everything: tnad::ad, tnad::linalg, tnad::tensornet and tnad::solvers.
#pragma once
#include "tnad/ad.hpp"
#include "tnad/linalg.hpp"
#include "tnad/solvers.hpp"
#include "tnad/tensornet.hpp"
