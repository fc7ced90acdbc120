// Umbrella header of tnad::ad — NDArray, Tensor, ops, autograd, gradcheck.
#pragma once
#include "tnad/autograd.hpp"
#include "tnad/error.hpp"
#include "tnad/gradcheck.hpp"
#include "tnad/memory.hpp"
#include "tnad/nd.hpp"
#include "tnad/ndarray.hpp"
#include "tnad/op.hpp"
#include "tnad/ops.hpp"
#include "tnad/tensor.hpp"
#include "tnad/version.hpp"
