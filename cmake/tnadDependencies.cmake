# The external libraries that tnad's library targets link, as imported targets. Included by
# the build (CMakeLists.txt) and installed beside tnadConfig.cmake, which includes it on the
# consumer's machine: the exported targets (tnadTargets.cmake) then name these targets,
# never a path, so an installed prefix can be moved, and each machine finds its own copies.
#
#   tnad_deps::openblas      libopenblas: cblas, and LAPACK behind LAPACKE (Debian: the
#                            OpenMP build, so BLAS and tnad's loops share one thread pool)
#   tnad_deps::lapacke       liblapacke
#   tnad_deps::tomlplusplus  toml++ (pkg-config module tomlplusplus; its compiled library
#                            and the TOML_* definitions it needs)
#
# The other dependencies come from CMake's own modules: OpenMP::OpenMP_CXX (FindOpenMP) and
# HDF5::HDF5 (FindHDF5, C component). A target that exists already is left alone. What was
# not found is listed in TNAD_DEPS_MISSING; the caller decides whether that is an error.
set(TNAD_DEPS_MISSING "")

if(NOT TARGET tnad_deps::openblas)
  find_library(TNAD_OPENBLAS NAMES openblas)
  if(TNAD_OPENBLAS)
    add_library(tnad_deps::openblas UNKNOWN IMPORTED)
    set_target_properties(tnad_deps::openblas PROPERTIES IMPORTED_LOCATION "${TNAD_OPENBLAS}")
  else()
    list(APPEND TNAD_DEPS_MISSING "OpenBLAS (libopenblas)")
  endif()
endif()

if(NOT TARGET tnad_deps::lapacke)
  find_library(TNAD_LAPACKE NAMES lapacke)
  if(TNAD_LAPACKE)
    add_library(tnad_deps::lapacke UNKNOWN IMPORTED)
    set_target_properties(tnad_deps::lapacke PROPERTIES IMPORTED_LOCATION "${TNAD_LAPACKE}")
  else()
    list(APPEND TNAD_DEPS_MISSING "LAPACKE (liblapacke)")
  endif()
endif()

if(NOT TARGET tnad_deps::tomlplusplus)
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(TNAD_TOMLPP QUIET IMPORTED_TARGET tomlplusplus)
  endif()
  if(TARGET PkgConfig::TNAD_TOMLPP)
    add_library(tnad_deps::tomlplusplus INTERFACE IMPORTED)
    set_target_properties(tnad_deps::tomlplusplus PROPERTIES INTERFACE_LINK_LIBRARIES PkgConfig::TNAD_TOMLPP)
  else()
    list(APPEND TNAD_DEPS_MISSING "toml++ (pkg-config module tomlplusplus)")
  endif()
endif()
