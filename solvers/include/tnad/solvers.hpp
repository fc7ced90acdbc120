// Umbrella header of tnad::solvers — physical models, thermodynamics by AD, optimizers,
// and the run machinery (configs, HDF5 run files, jobs, sweeps).
#pragma once
#include "tnad/solvers/config.hpp"
#include "tnad/solvers/file_policy.hpp"
#include "tnad/solvers/group.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/ising.hpp"
#include "tnad/solvers/ising_thermo.hpp"
#include "tnad/solvers/job.hpp"
#include "tnad/solvers/line_search.hpp"
#include "tnad/solvers/onsager.hpp"
#include "tnad/solvers/optim.hpp"
#include "tnad/solvers/registry.hpp"
#include "tnad/solvers/run.hpp"
#include "tnad/solvers/sweep.hpp"
#include "tnad/solvers/tensor_objective.hpp"
