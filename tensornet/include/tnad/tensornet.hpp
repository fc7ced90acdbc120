// Umbrella header of tnad::tensornet — contractions (einsum, tensordot, ncon, contract_path),
// checkpointed chains, and the layer's op table. Algorithms add their headers here.
#pragma once
#include "tnad/chain.hpp"
#include "tnad/contract_path.hpp"
#include "tnad/einsum.hpp"
#include "tnad/ncon.hpp"
#include "tnad/tensornet_op_table.hpp"
