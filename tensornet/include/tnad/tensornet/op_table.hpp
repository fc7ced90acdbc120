// tnad::tensornet's op table: every differentiable entry point of the layer with the input
// shapes it is tested on (first and second derivatives against finite differences, see
// op_info.hpp). Algorithms add their rows in src/op_table.cpp.
#pragma once
#include <vector>

#include "tnad/ad/op_info.hpp"

namespace tnad {

const std::vector<OpInfo>& tensornet_op_table();

}  // namespace tnad
