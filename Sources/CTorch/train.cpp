// Training-loop support: autocast switches and generator state.
#include "ctorch_internal.h"
#include "ctorch_train.h"

#include <ATen/autocast_mode.h>
#include <ATen/CPUGeneratorImpl.h>
#include <mutex>

extern "C" {

int ct_autocast_set(int device_type, int enabled, int dtype) {
  CT_TRY(-1, {
    auto dev = static_cast<at::DeviceType>(device_type);
    int prev = at::autocast::is_autocast_enabled(dev) ? 1 : 0;
    if (enabled) {
      at::autocast::set_autocast_dtype(dev, static_cast<at::ScalarType>(dtype));
      at::autocast::increment_nesting();
    } else if (prev) {
      if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    }
    at::autocast::set_autocast_enabled(dev, enabled != 0);
    return prev;
  })
}

ct_tensor ct_rng_get_state(void) {
  CT_TRY(nullptr, {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return ctorch::wrap(gen.get_state());
  })
}

int ct_rng_set_state(ct_tensor state) {
  CT_TRY(-1, {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state->t);
    return 0;
  })
}

}  // extern "C"
