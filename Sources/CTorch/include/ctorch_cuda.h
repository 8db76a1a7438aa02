// GPUs as the NVIDIA driver reports them, for `strata info`. libc10_cuda (c10::cuda) is absent from the CPU-only
// build, so nothing here links against CUDA: the driver library (libcuda.so.1) is opened with dlopen and its
// stable C entry points (cuInit, cuDeviceGetCount, cuDeviceGetName, cuDeviceTotalMem_v2) are resolved by name.
// On a machine without a driver every call reports no GPU. Same conventions as ctorch.h: no exception crosses the
// boundary, -1 on failure with the message in ct_last_error().
#ifndef CTORCH_CUDA_H
#define CTORCH_CUDA_H
#include "ctorch.h"
#ifdef __cplusplus
extern "C" {
#endif

// GPUs the driver sees (0 when there is no driver or no GPU; -1 when the driver fails, see ct_last_error()).
int ct_gpu_count(void);
// Name of GPU `index` (malloc'd, free with ct_free_string), or NULL on failure.
char *ct_gpu_name(int index);
// Total memory of GPU `index` in bytes, or -1 on failure.
int64_t ct_gpu_total_memory(int index);
// 1 when `t` lives in page-locked (pinned) host memory, 0 when not, -1 on failure. A CPU-only libtorch has no
// pinned-memory allocator: its tensors report 0.
int ct_tensor_is_pinned(ct_tensor t);

#ifdef __cplusplus
}
#endif
#endif
