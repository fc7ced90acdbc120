// Umbrella header of tnad::ad — NDArray, Tensor, ops, the engine (grad), forward mode,
// checkpointing, custom ops, gradcheck.
#pragma once
#include "tnad/ad/autograd.hpp"
#include "tnad/ad/checkpoint.hpp"
#include "tnad/ad/fixed_point.hpp"
#include "tnad/ad/error.hpp"
#include "tnad/ad/forward.hpp"
#include "tnad/ad/gradcheck.hpp"
#include "tnad/ad/interrupt.hpp"
#include "tnad/ad/memory.hpp"
#include "tnad/ad/nd.hpp"
#include "tnad/ad/ndarray.hpp"
#include "tnad/ad/op.hpp"
#include "tnad/ad/ops.hpp"
#include "tnad/ad/tensor.hpp"
#include "tnad/ad/version.hpp"
