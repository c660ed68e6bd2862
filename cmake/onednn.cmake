# Optional oneDNN (libdnnl-dev) for the worker's CPU int8 matmul
# (src/worker/exec_matmul_onednn.c). Included from the top CMakeLists.txt
# right after cpc_worker is defined. pkg-config `dnnl` when it has a .pc
# (Debian 12's libdnnl-dev has none), else find_path/find_library. Debian's
# build runs on GNU OpenMP (dnnl_config.h: DNNL_CPU_RUNTIME ==
# DNNL_RUNTIME_OMP, libdnnl.so.2 needs libgomp.so.1), so the executor sets the
# calling thread's OpenMP thread count with omp_set_num_threads: libgomp
# itself is linked, not CMake's OpenMP target, which under clang would bring
# a second runtime (libomp) whose thread count oneDNN never reads. Nothing is
# compiled with -fopenmp. When either is missing, cpc_worker builds as before
# with its own kernels only.
option(CPC_ONEDNN "Use oneDNN for the CPU int8 matmul when it is found" ON)

set(CPC_HAVE_ONEDNN OFF)
if(CPC_ONEDNN)
  pkg_check_modules(DNNL QUIET IMPORTED_TARGET dnnl)
  find_library(CPC_GOMP_LIBRARY NAMES gomp libgomp.so.1)
  if(DNNL_FOUND)
    set(_cpc_dnnl_target PkgConfig::DNNL)
  else()
    find_path(CPC_DNNL_INCLUDE_DIR NAMES dnnl.h PATH_SUFFIXES oneapi/dnnl)
    find_library(CPC_DNNL_LIBRARY NAMES dnnl)
    if(CPC_DNNL_INCLUDE_DIR AND CPC_DNNL_LIBRARY)
      add_library(cpc_dnnl INTERFACE)
      target_include_directories(cpc_dnnl SYSTEM INTERFACE ${CPC_DNNL_INCLUDE_DIR})
      target_link_libraries(cpc_dnnl INTERFACE ${CPC_DNNL_LIBRARY})
      set(_cpc_dnnl_target cpc_dnnl)
    endif()
  endif()
  if(_cpc_dnnl_target AND CPC_GOMP_LIBRARY)
    set(CPC_HAVE_ONEDNN ON)
  endif()
endif()

if(CPC_HAVE_ONEDNN)
  target_link_libraries(cpc_worker PUBLIC ${_cpc_dnnl_target} ${CPC_GOMP_LIBRARY})
  target_compile_definitions(cpc_worker PUBLIC CPC_HAVE_ONEDNN)
  message(STATUS "oneDNN CPU matmul: ON (${CPC_DNNL_LIBRARY}${DNNL_LINK_LIBRARIES})")
else()
  message(STATUS "oneDNN CPU matmul: OFF (libdnnl or libgomp not found, or CPC_ONEDNN=OFF)")
endif()
