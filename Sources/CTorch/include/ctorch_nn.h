// CTorch additions for NN training: the deterministic-algorithms flag. (Generator state: ctorch_train.h.)
#ifndef CTORCH_NN_H
#define CTORCH_NN_H

#include "ctorch.h"

#ifdef __cplusplus
extern "C" {
#endif

// 1 when deterministic algorithms are enforced (ct_set_deterministic).
int ct_get_deterministic(void);

#ifdef __cplusplus
}
#endif
#endif
