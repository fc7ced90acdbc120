#pragma once
#include "tnad/ad/autograd.hpp"

namespace user {
tnad::Tensor softplus(const tnad::Tensor& x);
}
