#pragma once
#include "tnad/autograd.hpp"

namespace user {
tnad::Tensor softplus(const tnad::Tensor& x);
}
