// GPU listing through the NVIDIA driver API, resolved at run time (see ctorch_cuda.h), and pinned-memory queries.
#include "ctorch_internal.h"
#include "ctorch_cuda.h"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace {
using CUresult = int;
using cuInit_t = CUresult (*)(unsigned int);
using cuDeviceGetCount_t = CUresult (*)(int *);
using cuDeviceGet_t = CUresult (*)(int *, int);
using cuDeviceGetName_t = CUresult (*)(char *, int, int);
using cuDeviceTotalMem_t = CUresult (*)(size_t *, int);

struct Driver {
  bool loaded = false;
  std::string error;  // why the driver is unusable ("" when loaded, or when there is simply none)
  cuDeviceGetCount_t getCount = nullptr;
  cuDeviceGet_t get = nullptr;
  cuDeviceGetName_t getName = nullptr;
  cuDeviceTotalMem_t totalMem = nullptr;
};

// Opened once; a missing libcuda.so.1 is "no GPU", not an error. Function-local static: thread-safe, and the
// initialiser only calls C functions (no exception can escape).
const Driver &driver() {
  static const Driver d = [] {
    Driver r;
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return r;
    auto init = reinterpret_cast<cuInit_t>(dlsym(lib, "cuInit"));
    r.getCount = reinterpret_cast<cuDeviceGetCount_t>(dlsym(lib, "cuDeviceGetCount"));
    r.get = reinterpret_cast<cuDeviceGet_t>(dlsym(lib, "cuDeviceGet"));
    r.getName = reinterpret_cast<cuDeviceGetName_t>(dlsym(lib, "cuDeviceGetName"));
    r.totalMem = reinterpret_cast<cuDeviceTotalMem_t>(dlsym(lib, "cuDeviceTotalMem_v2"));
    if (!init || !r.getCount || !r.get || !r.getName || !r.totalMem) {
      r.error = "libcuda.so.1 lacks the driver entry points (cuInit, cuDeviceGetCount, …)";
      return r;
    }
    CUresult rc = init(0);
    // 100 = CUDA_ERROR_NO_DEVICE: a driver without a GPU.
    if (rc == 100) return r;
    if (rc != 0) {
      r.error = "cuInit failed with CUDA driver error " + std::to_string(rc);
      return r;
    }
    r.loaded = true;
    return r;
  }();
  return d;
}

int device(int index) {
  const Driver &d = driver();
  int dev = 0;
  int rc = d.get(&dev, index);
  if (rc != 0) throw std::runtime_error("cuDeviceGet(" + std::to_string(index) + ") failed with CUDA driver error "
                                        + std::to_string(rc));
  return dev;
}
}  // namespace

int ct_gpu_count(void) {
  CT_TRY(-1, {
    const Driver &d = driver();
    if (!d.error.empty()) throw std::runtime_error(d.error);
    if (!d.loaded) return 0;
    int n = 0;
    int rc = d.getCount(&n);
    if (rc != 0) throw std::runtime_error("cuDeviceGetCount failed with CUDA driver error " + std::to_string(rc));
    return n;
  })
}

char *ct_gpu_name(int index) {
  CT_TRY(nullptr, {
    if (!driver().loaded) throw std::runtime_error("no NVIDIA driver: there is no GPU " + std::to_string(index));
    char buf[256] = {0};
    int rc = driver().getName(buf, static_cast<int>(sizeof(buf)) - 1, device(index));
    if (rc != 0) throw std::runtime_error("cuDeviceGetName failed with CUDA driver error " + std::to_string(rc));
    return ctorch::dup_string(buf);
  })
}

int64_t ct_gpu_total_memory(int index) {
  CT_TRY(-1, {
    if (!driver().loaded) throw std::runtime_error("no NVIDIA driver: there is no GPU " + std::to_string(index));
    size_t bytes = 0;
    int rc = driver().totalMem(&bytes, device(index));
    if (rc != 0) throw std::runtime_error("cuDeviceTotalMem failed with CUDA driver error " + std::to_string(rc));
    return static_cast<int64_t>(bytes);
  })
}

int ct_tensor_is_pinned(ct_tensor t) {
  CT_TRY(-1, {
    // Without a CUDA (or other accelerator) backend libtorch has no pinned allocator: nothing can be pinned.
    if (!at::hasCUDA()) return 0;
    return t->t.is_pinned() ? 1 : 0;
  })
}
