// Training-loop support: mixed precision (autocast) and the default generator's state (exact resume).
#ifndef CTORCH_TRAIN_H
#define CTORCH_TRAIN_H
#include "ctorch.h"
#ifdef __cplusplus
extern "C" {
#endif
// Turns autocast on/off for a device type (0 cpu, 1 cuda) with the given lower-precision dtype (CT_BFLOAT16 or
// CT_FLOAT16). Thread-local, like PyTorch's `torch.autocast`. Returns the previous enabled state.
int ct_autocast_set(int device_type, int enabled, int dtype);
// The default CPU generator's state as a uint8 tensor, and restoring it.
ct_tensor ct_rng_get_state(void);
int ct_rng_set_state(ct_tensor state);
#ifdef __cplusplus
}
#endif
#endif
