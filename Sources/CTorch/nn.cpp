// Training-state helpers: default generator state get/set, deterministic flag.
#include "ctorch_internal.h"
#include "ctorch_nn.h"

#include <ATen/Context.h>
#include <mutex>

static at::Generator default_generator(int device_type, int device_index) {
  auto type = static_cast<c10::DeviceType>(device_type);
  if (type == c10::DeviceType::CPU) return at::detail::getDefaultCPUGenerator();
  return at::globalContext().defaultGenerator(c10::Device(type, static_cast<c10::DeviceIndex>(device_index)));
}

extern "C" {

ct_tensor ct_rng_get_state(int device_type, int device_index) {
  CT_TRY(nullptr, {
    auto gen = default_generator(device_type, device_index);
    std::lock_guard<std::mutex> lock(gen.mutex());
    return ctorch::wrap(gen.get_state());
  })
}

int ct_rng_set_state(int device_type, int device_index, ct_tensor state) {
  CT_TRY(-1, {
    auto gen = default_generator(device_type, device_index);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state->t);
    return 0;
  })
}

int ct_get_deterministic(void) { return at::globalContext().deterministicAlgorithms() ? 1 : 0; }

}  // extern "C"
