// Umbrella header of tnad::tensornet — contractions (einsum, tensordot, ncon,
// contract_path), checkpointed chains, real-space RG (TRG, HOTRG), iPEPS site tensors,
// CTMRG environments, reduced density matrices and the layer's op table.
#pragma once
#include "tnad/tensornet/chain.hpp"
#include "tnad/tensornet/contract_path.hpp"
#include "tnad/tensornet/ctmrg.hpp"
#include "tnad/tensornet/einsum.hpp"
#include "tnad/tensornet/hotrg.hpp"
#include "tnad/tensornet/ncon.hpp"
#include "tnad/tensornet/op_table.hpp"
#include "tnad/tensornet/peps.hpp"
#include "tnad/tensornet/rdm.hpp"
#include "tnad/tensornet/rg.hpp"
#include "tnad/tensornet/trg.hpp"
