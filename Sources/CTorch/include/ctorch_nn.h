// CTorch additions for training state: random-generator state (for exact resume) and the deterministic flag.
#ifndef CTORCH_NN_H
#define CTORCH_NN_H

#include "ctorch.h"

#ifdef __cplusplus
extern "C" {
#endif

// The state of the default random generator of a device (CT_DEVICE_CPU / CT_DEVICE_CUDA + index) as a uint8
// tensor, and restoring it. NULL / -1 with ct_last_error() on failure (e.g. no such device).
ct_tensor ct_rng_get_state(int device_type, int device_index);
int ct_rng_set_state(int device_type, int device_index, ct_tensor state);
// 1 when deterministic algorithms are enforced (ct_set_deterministic).
int ct_get_deterministic(void);

#ifdef __cplusplus
}
#endif
#endif
