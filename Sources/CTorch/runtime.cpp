// Process-wide runtime control (threads, seeds, determinism, allocator) and torch.save/torch.load interop.
#include "ctorch_internal.h"

#include <ATen/Parallel.h>
#include <ATen/Context.h>
#include <ATen/core/Dict.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/headeronly/version.h>
#include <fstream>
#include <iterator>
#include <malloc.h>

static char *dup_string(const std::string &s) {
  char *out = static_cast<char *>(malloc(s.size() + 1));
  memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

struct ct_dict_s {
  std::vector<std::string> keys;
  std::vector<at::Tensor> values;
};

static void flatten(const c10::IValue &v, const std::string &prefix, ct_dict_s *out) {
  if (v.isTensor()) {
    out->keys.push_back(prefix);
    out->values.push_back(v.toTensor());
  } else if (v.isGenericDict()) {
    for (const auto &kv : v.toGenericDict()) {
      std::string key = kv.key().isString() ? kv.key().toStringRef() : kv.key().tagKind();
      flatten(kv.value(), prefix.empty() ? key : prefix + "." + key, out);
    }
  }
  // other values (ints, strings, None — e.g. a `_metadata` entry) are not tensors and are skipped
}

extern "C" {

void ct_set_num_threads(int n) { at::set_num_threads(n); }
int ct_get_num_threads(void) { return at::get_num_threads(); }
void ct_set_num_interop_threads(int n) {
  try { at::set_num_interop_threads(n); } catch (...) { /* only settable once, before first use */ }
}
void ct_manual_seed(uint64_t seed) { at::manual_seed(seed); }
int ct_set_deterministic(int flag) {
  CT_TRY(-1, {
    at::globalContext().setDeterministicAlgorithms(flag != 0, /*warn_only=*/false);
    at::globalContext().setDeterministicCuDNN(flag != 0);
    at::globalContext().setBenchmarkCuDNN(false);
    return 0;
  })
}
int ct_cuda_is_available(void) { return at::hasCUDA() ? 1 : 0; }
int ct_cuda_device_count(void) {
  try { return at::hasCUDA() ? static_cast<int>(at::detail::getCUDAHooks().deviceCount()) : 0; } catch (...) { return 0; }
}
void ct_cuda_manual_seed_all(uint64_t seed) { at::manual_seed(seed); }
int ct_cuda_synchronize(void) {
  CT_TRY(-1, {
    if (at::hasCUDA()) at::detail::getCUDAHooks().deviceSynchronize(at::detail::getCUDAHooks().getCurrentDevice());
    return 0;
  })
}
void ct_tune_malloc(size_t threshold_bytes) {
  // Keep large tensor buffers in the heap instead of mmap/munmap + trim on every free (prototype: −28 % step time).
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(threshold_bytes));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(threshold_bytes));
}
char *ct_version(void) { return dup_string(TORCH_VERSION); }
char *ct_build_config(void) { return dup_string(at::show_config()); }
char *ct_parallel_info(void) { return dup_string(at::get_parallel_info()); }

ct_dict ct_pickle_load_dict(const char *path) {
  CT_TRY(nullptr, {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(std::string("cannot open '") + path + "'");
    std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto v = torch::jit::pickle_load(data);
    auto *d = new ct_dict_s();
    flatten(v, "", d);
    if (d->keys.empty() && !v.isTensor()) {
      delete d;
      throw std::runtime_error(std::string("'") + path + "' holds no tensors (expected a state_dict saved by torch.save)");
    }
    return d;
  })
}
int ct_dict_len(ct_dict d) { return static_cast<int>(d->keys.size()); }
const char *ct_dict_key(ct_dict d, int i) { return d->keys.at(i).c_str(); }
ct_tensor ct_dict_tensor(ct_dict d, int i) { return ctorch::wrap(d->values.at(i)); }
void ct_dict_free(ct_dict d) { delete d; }

int ct_pickle_save_dict(const char *path, const char *const *keys, const ct_tensor *values, int n) {
  CT_TRY(-1, {
    c10::Dict<std::string, at::Tensor> dict;
    for (int i = 0; i < n; i++) dict.insert(keys[i], values[i]->t);
    auto bytes = torch::jit::pickle_save(c10::IValue(dict));
    std::ofstream out(path, std::ios::binary);
    if (!out) throw std::runtime_error(std::string("cannot write '") + path + "'");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error(std::string("write failed for '") + path + "'");
    return 0;
  })
}

}  // extern "C"
