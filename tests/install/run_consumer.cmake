# Installs the build tree into PREFIX, moves the whole prefix to PREFIX-moved (a relocatable
# package has no absolute path in it), then configures, builds and runs the consumer
# project against the moved prefix. Also checks that no internal header was installed.
set(MOVED ${PREFIX}-moved)
file(REMOVE_RECURSE ${PREFIX} ${MOVED} ${CONSUMER_BUILD})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc})")
endif()

# The exported targets name targets, never files: no absolute path may appear in them.
file(GLOB_RECURSE _cmake_files ${PREFIX}/*.cmake)
if(NOT _cmake_files)
  message(FATAL_ERROR "no CMake package files under ${PREFIX}")
endif()
foreach(f IN LISTS _cmake_files)
  file(STRINGS ${f} _lines)
  foreach(line IN LISTS _lines)
    if(line MATCHES "^[ \t]*#")
      continue()
    endif()
    # an absolute path: "/dir/..." at the start of a value or list element
    string(FIND "${line}" "${PREFIX}" _at)
    if(line MATCHES "(^|[\" ;])/[A-Za-z0-9_.+-]+/" OR NOT _at EQUAL -1)
      message(FATAL_ERROR "absolute path in the installed ${f}:\n  ${line}")
    endif()
  endforeach()
endforeach()

# Internal headers and declarations stay internal: the test functions (solvers/src/optim),
# the pairwise-kernel counters (tensornet/src/contract/kernels.hpp) and SvdCache's
# implementation accessor (linalg/src/svd).
if(NOT EXISTS ${PREFIX}/include/tnad/tnad.hpp)
  message(FATAL_ERROR "no headers installed under ${PREFIX}/include")
endif()
if(EXISTS ${PREFIX}/include/tnad/solvers/test_functions.hpp)
  message(FATAL_ERROR "internal header installed: include/tnad/solvers/test_functions.hpp")
endif()
file(GLOB_RECURSE _headers ${PREFIX}/include/*.hpp)
foreach(h IN LISTS _headers)
  file(READ ${h} _text)
  foreach(pattern "PairKernelStats" "pair_kernel_stats" "Impl& impl()" "testfn::")
    string(FIND "${_text}" "${pattern}" _at)
    if(NOT _at EQUAL -1)
      message(FATAL_ERROR "internal '${pattern}' in the installed ${h}")
    endif()
  endforeach()
endforeach()

file(RENAME ${PREFIX} ${MOVED})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CONSUMER_SRC} -B ${CONSUMER_BUILD} -DCMAKE_PREFIX_PATH=${MOVED}
                -DCMAKE_BUILD_TYPE=Release RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the consumer against the installed (moved) tnad failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${CONSUMER_BUILD} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the consumer failed (${rc})")
endif()
execute_process(COMMAND ${CONSUMER_BUILD}/consumer ${CONSUMER_BUILD} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "consumer printed: ${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer computed wrong values (${rc}): ${out}")
endif()
