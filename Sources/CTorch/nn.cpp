// NN training helpers: the deterministic-algorithms flag.
#include "ctorch_internal.h"
#include "ctorch_nn.h"

#include <ATen/Context.h>

extern "C" {

int ct_get_deterministic(void) { CT_TRY(0, { return at::globalContext().deterministicAlgorithms() ? 1 : 0; }) }

}  // extern "C"
