// Process-wide runtime control (threads, seeds, determinism, allocator) and build information.
#include "ctorch_internal.h"

#include <ATen/Parallel.h>
#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/headeronly/version.h>
#include <malloc.h>

using ctorch::dup_string;

extern "C" {

void ct_set_num_threads(int n) { CT_TRY_VOID({ at::set_num_threads(n); }) }
int ct_get_num_threads(void) { CT_TRY(1, { return at::get_num_threads(); }) }
void ct_manual_seed(uint64_t seed) { CT_TRY_VOID({ at::manual_seed(seed); }) }
int ct_set_deterministic(int flag) {
  CT_TRY(-1, {
    at::globalContext().setDeterministicAlgorithms(flag != 0, /*warn_only=*/false);
    at::globalContext().setDeterministicCuDNN(flag != 0);
    at::globalContext().setBenchmarkCuDNN(false);
    return 0;
  })
}
int ct_cuda_is_available(void) { CT_TRY(0, { return at::hasCUDA() ? 1 : 0; }) }
int ct_cuda_device_count(void) {
  CT_TRY(0, { return at::hasCUDA() ? static_cast<int>(at::detail::getCUDAHooks().deviceCount()) : 0; })
}
int ct_cuda_synchronize(void) {
  CT_TRY(-1, {
    if (at::hasCUDA()) at::detail::getCUDAHooks().deviceSynchronize(at::detail::getCUDAHooks().getCurrentDevice());
    return 0;
  })
}
void ct_tune_malloc(size_t threshold_bytes) {
  // Keep large tensor buffers in the heap instead of mmap/munmap + trim on every free (prototype: −28 % step time).
  // mallopt is C and cannot throw.
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(threshold_bytes));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(threshold_bytes));
}
char *ct_version(void) { CT_TRY(nullptr, { return dup_string(TORCH_VERSION); }) }
char *ct_build_config(void) { CT_TRY(nullptr, { return dup_string(at::show_config()); }) }
char *ct_parallel_info(void) { CT_TRY(nullptr, { return dup_string(at::get_parallel_info()); }) }

}  // extern "C"
