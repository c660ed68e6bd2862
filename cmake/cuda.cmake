# Optional CUDA executors (see src/worker/exec_cuda.h). Included from the top
# CMakeLists.txt right after cpc_worker is defined. When nvcc is found (and
# CPC_CUDA is ON, and this is neither a sanitizer nor a fuzz build), the int8
# matmul of src/worker/cuda/ (matmul_host.cu, cuBLASLt in matmul_cublaslt.cu
# when CUDA::cublasLt is found, the WMMA kernel of matmul.cu, the mma.sync one
# of matmul_mma.cu, the sm_90a one of matmul_wgmma.cu) is added to
# cpc_worker and
# CPC_HAVE_CUDA is defined (exec_cuda_none.c then compiles to nothing);
# otherwise the stubs report "no device". The CUDA runtime is linked
# statically, so the worker starts on machines without an NVIDIA driver.
#
# The top-level add_compile_options (-Wall ... -Werror, C flags) were copied
# into cpc_worker's COMPILE_OPTIONS when it was created; nvcc rejects some of
# them (-Werror takes an argument there), so they are re-scoped to C sources
# below and the .cu file gets its own host-compiler warnings.
option(CPC_CUDA "Build the CUDA executors when nvcc is found" ON)

set(CPC_HAVE_CUDA OFF)
if(CPC_CUDA AND NOT CPC_SANITIZE AND NOT CPC_FUZZ)
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # sm_80 (A100) SASS, sm_90 (H100/H200) SASS + PTX for newer GPUs (JIT).
    # nvcc 13 accepts compute_75 and up (nvcc --list-gpu-arch).
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES "80-real;90")
    endif()
    set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(CPC_HAVE_CUDA ON)
  endif()
endif()

if(CPC_HAVE_CUDA)
  get_target_property(_cpc_worker_opts cpc_worker COMPILE_OPTIONS)
  set(_cpc_scoped "")
  if(_cpc_worker_opts)
    foreach(_o IN LISTS _cpc_worker_opts)
      list(APPEND _cpc_scoped "$<$<COMPILE_LANGUAGE:C>:${_o}>")
    endforeach()
  endif()
  set_target_properties(cpc_worker PROPERTIES
    COMPILE_OPTIONS "${_cpc_scoped}"
    CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}"
    CUDA_STANDARD 17
    CUDA_STANDARD_REQUIRED ON
    CUDA_RUNTIME_LIBRARY Static)
  target_sources(cpc_worker PRIVATE ${CMAKE_SOURCE_DIR}/src/worker/cuda/matmul.cu
                                    ${CMAKE_SOURCE_DIR}/src/worker/cuda/matmul_cublaslt.cu
                                    ${CMAKE_SOURCE_DIR}/src/worker/cuda/matmul_mma.cu
                                    ${CMAKE_SOURCE_DIR}/src/worker/cuda/transpose.cu
                                    ${CMAKE_SOURCE_DIR}/src/worker/cuda/matmul_host.cu)
  # The Hopper kernel (wgmma, TMA) needs the arch-specific sm_90a target,
  # spelled as -gencode (the -arch=sm_90a shorthand also runs a plain sm_90
  # pass that rejects wgmma). Only sm_90a code is built for it: on any other
  # GPU matmul_host.cu never launches it.
  add_library(cpc_worker_wgmma OBJECT ${CMAKE_SOURCE_DIR}/src/worker/cuda/matmul_wgmma.cu)
  set_target_properties(cpc_worker_wgmma PROPERTIES
    CUDA_ARCHITECTURES OFF
    CUDA_STANDARD 17
    CUDA_STANDARD_REQUIRED ON
    CUDA_RUNTIME_LIBRARY Static
    COMPILE_OPTIONS "")
  target_compile_options(cpc_worker_wgmma PRIVATE
    "--generate-code=arch=compute_90a,code=sm_90a" -Xcompiler=-Wall,-Wextra)
  target_sources(cpc_worker PRIVATE $<TARGET_OBJECTS:cpc_worker_wgmma>)
  target_compile_options(cpc_worker PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>)
  target_compile_definitions(cpc_worker PUBLIC CPC_HAVE_CUDA)
  # C executables link cpc_worker: name the static runtime (and the C++
  # runtime the .cu host code may need) explicitly.
  target_link_libraries(cpc_worker PUBLIC CUDA::cudart_static stdc++)
  # cuBLASLt's int8 matmul, tried before the hand-written kernels, when the
  # toolkit has it (CUDA::cublasLt). matmul_cublaslt.cu opens the library with
  # dlopen on first use rather than linking it (it is 540 MB in CUDA 13; a
  # GPU machine with only the driver, or gpu_pack.sh's carry, lacks it): the
  # worker starts anywhere and falls back to its own kernels without it.
  if(TARGET CUDA::cublasLt)
    target_compile_definitions(cpc_worker PRIVATE CPC_HAVE_CUBLASLT)
    message(STATUS "CUDA matmul: cuBLASLt ON (dlopen at run time; ${CUDA_cublasLt_LIBRARY})")
  else()
    message(STATUS "CUDA matmul: cuBLASLt OFF (CUDA::cublasLt not found)")
  endif()
  message(STATUS "CUDA executors: ON (${CMAKE_CUDA_COMPILER}, archs ${CMAKE_CUDA_ARCHITECTURES})")
else()
  message(STATUS "CUDA executors: OFF (nvcc not found, CPC_CUDA=OFF, or a sanitizer/fuzz build)")
endif()
