# Build-time layering check (run by every module target before it compiles, see the top-level
# CMakeLists.txt): fails when a file of MODULE includes "stems/<other>/..." for a module that is
# not in ALLOWED (MODULE itself and the modules it may use, transitively), or includes a Pagmo
# problem header ("schedule_problem.hpp", "run_context.hpp") from a module below problems.
#   cmake -DMODULE=cost -DALLOWED=cost,hardware,... -DSTAMP=file -DROOT=src_dir -P check_layers.cmake
cmake_minimum_required(VERSION 3.25)
string(REPLACE "," ";" allowed "${ALLOWED}")
if(MODULE STREQUAL "problems")
  file(GLOB files ${ROOT}/problems/*.cpp ${ROOT}/problems/*.hpp)
else()
  file(GLOB_RECURSE files ${ROOT}/include/stems/${MODULE}/*.hpp ${ROOT}/src/${MODULE}/*.cpp
       ${ROOT}/src/${MODULE}/*.hpp)
endif()
file(GLOB problem_headers RELATIVE ${ROOT}/problems ${ROOT}/problems/*.hpp)
set(errors "")
foreach(f IN LISTS files)
  file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" inc "${line}")
    if(inc MATCHES "^stems/([a-z_]+)/")
      set(target ${CMAKE_MATCH_1})
      if(NOT target IN_LIST allowed)
        string(APPEND errors "  ${f}: includes \"${inc}\": module '${MODULE}' may not use '${target}'\n")
      endif()
    elseif(inc IN_LIST problem_headers AND NOT "problems" IN_LIST allowed)
      string(APPEND errors "  ${f}: includes \"${inc}\" (problems/): module '${MODULE}' is below problems\n")
    endif()
  endforeach()
endforeach()
if(errors)
  message(FATAL_ERROR "layering violation (README \"Layout\"; allowed for ${MODULE}: ${ALLOWED}):\n${errors}")
endif()
file(WRITE ${STAMP} "ok\n")
