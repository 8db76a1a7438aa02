// CTorch: TorchScript modules (torch.jit.save files) loaded and run through libtorch's JIT. Every C++ exception is
// caught: a failed call returns NULL / -1 with the message in ct_last_error().
#ifndef CTORCH_JIT_H
#define CTORCH_JIT_H

#include "ctorch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_jit_s *ct_jit;

// Loads a TorchScript archive onto a device (type: c10::DeviceType code, CPU = 0) in evaluation mode.
ct_jit ct_jit_load(const char *path, int device_type, int device_index);
void ct_jit_free(ct_jit m);
// Runs the module's forward on `n` tensor inputs without autograd. The result — a tensor, or a tuple/list of
// tensors — is written to `out` as new handles (at most `max_out`); returns their number, or -1 on error (also when
// the result holds something other than tensors, or more than `max_out` of them).
int ct_jit_forward(ct_jit m, const ct_tensor *inputs, int n, ct_tensor *out, int max_out);

#ifdef __cplusplus
}
#endif
#endif
