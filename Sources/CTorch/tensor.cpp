// Tensor handles, metadata, data in/out, autograd entry points.
#include "ctorch_internal.h"

#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <cstring>
#include <sstream>

namespace ctorch {
static thread_local std::string g_error;
void set_error(const char *msg) { g_error = msg ? msg : ""; }
void clear_error() { g_error.clear(); }

char *dup_string(const std::string &s) {
  char *out = static_cast<char *>(malloc(s.size() + 1));
  if (!out) throw std::bad_alloc();
  memcpy(out, s.c_str(), s.size() + 1);
  return out;
}
}  // namespace ctorch

using ctorch::dup_string;
using ctorch::wrap;

extern "C" {

const char *ct_last_error(void) { return ctorch::g_error.c_str(); }
void ct_free_string(char *s) { free(s); }

void ct_free(ct_tensor t) { delete t; }
ct_tensor ct_clone_handle(ct_tensor t) { CT_TRY(nullptr, { return wrap(t->t); }) }
int64_t ct_dim(ct_tensor t) { CT_TRY(0, { return t->t.defined() ? t->t.dim() : 0; }) }
int ct_sizes(ct_tensor t, int64_t *out) {
  CT_TRY(-1, { auto s = t->t.sizes(); std::copy(s.begin(), s.end(), out); return 0; })
}
int ct_strides(ct_tensor t, int64_t *out) {
  CT_TRY(-1, { auto s = t->t.strides(); std::copy(s.begin(), s.end(), out); return 0; })
}
int64_t ct_numel(ct_tensor t) { CT_TRY(0, { return t->t.defined() ? t->t.numel() : 0; }) }
int ct_dtype(ct_tensor t) { CT_TRY(-1, { return static_cast<int>(t->t.scalar_type()); }) }
int ct_device(ct_tensor t, int *type, int *index) {
  CT_TRY(-1, {
    auto d = t->t.device();
    *type = static_cast<int>(d.type());
    *index = d.has_index() ? d.index() : 0;
    return 0;
  })
}
int ct_is_contiguous(ct_tensor t, int memory_format) {
  CT_TRY(-1, { return t->t.is_contiguous(static_cast<c10::MemoryFormat>(memory_format)) ? 1 : 0; })
}
int ct_defined(ct_tensor t) { CT_TRY(0, { return t && t->t.defined() ? 1 : 0; }) }
char *ct_to_string(ct_tensor t) {
  CT_TRY(nullptr, {
    std::ostringstream os;
    os << t->t;
    return dup_string(os.str());
  })
}

// ---- data -------------------------------------------------------------------------------------------------------
static std::vector<int64_t> dims(const int64_t *shape, int ndim) { return std::vector<int64_t>(shape, shape + ndim); }

ct_tensor ct_from_blob_copy(const void *data, const int64_t *shape, int ndim, int dtype) {
  CT_TRY(nullptr, {
    auto out = at::empty(dims(shape, ndim), at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)));
    if (out.nbytes() > 0) memcpy(out.data_ptr(), data, out.nbytes());
    return wrap(out);
  })
}

ct_tensor ct_from_blob_borrow(void *data, const int64_t *shape, int ndim, int dtype, ct_deleter deleter, void *ctx) {
  CT_TRY(nullptr, {
    auto opts = at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype));
    auto t = at::from_blob(data, dims(shape, ndim), [deleter, ctx](void *) { if (deleter) deleter(ctx); }, opts);
    return wrap(t);
  })
}

void *ct_data_ptr(ct_tensor t) {
  CT_TRY(nullptr, {
    if (!t->t.defined() || !t->t.device().is_cpu()) return nullptr;
    return t->t.data_ptr();
  })
}

int ct_copy_to(ct_tensor t, void *dst, size_t nbytes) {
  CT_TRY(-1, {
    auto c = t->t.detach().to(at::kCPU).contiguous();
    if (c.nbytes() != nbytes) {
      ctorch::set_error(("copy_to: tensor has " + std::to_string(c.nbytes()) + " bytes, buffer " +
                         std::to_string(nbytes)).c_str());
      return -1;
    }
    if (nbytes) memcpy(dst, c.data_ptr(), nbytes);
    return 0;
  })
}

int ct_item_double(ct_tensor t, double *out) { CT_TRY(-1, { *out = t->t.item<double>(); return 0; }) }
int ct_item_int(ct_tensor t, int64_t *out) { CT_TRY(-1, { *out = t->t.item<int64_t>(); return 0; }) }

// ---- autograd ----------------------------------------------------------------------------------------------------
int ct_set_requires_grad(ct_tensor t, int flag) { CT_TRY(-1, { t->t.set_requires_grad(flag != 0); return 0; }) }
int ct_requires_grad(ct_tensor t) { CT_TRY(-1, { return t->t.defined() && t->t.requires_grad() ? 1 : 0; }) }
int ct_is_leaf(ct_tensor t) { CT_TRY(-1, { return t->t.is_leaf() ? 1 : 0; }) }
ct_tensor ct_grad(ct_tensor t) {
  CT_TRY(nullptr, {
    const auto &g = t->t.grad();
    return g.defined() ? wrap(g) : nullptr;
  })
}
int ct_set_grad(ct_tensor t, ct_tensor g) {
  CT_TRY(-1, {
    t->t.mutable_grad() = g ? g->t : at::Tensor();
    return 0;
  })
}
int ct_backward(ct_tensor t, ct_tensor grad, int retain_graph, int create_graph) {
  CT_TRY(-1, {
    t->t.backward(grad ? grad->t : at::Tensor(), retain_graph ? std::optional<bool>(true) : std::nullopt,
                  create_graph != 0);
    return 0;
  })
}
int ct_autograd_grad(const ct_tensor *outputs, int n_outputs, const ct_tensor *grad_outputs, const ct_tensor *inputs,
                     int n_inputs, int retain_graph, int create_graph, ct_tensor *out) {
  CT_TRY(-1, {
    std::vector<at::Tensor> outs, gouts, ins;
    for (int i = 0; i < n_outputs; i++) {
      outs.push_back(outputs[i]->t);
      if (grad_outputs) gouts.push_back(grad_outputs[i] ? grad_outputs[i]->t : at::Tensor());
    }
    for (int i = 0; i < n_inputs; i++) ins.push_back(inputs[i]->t);
    auto res = torch::autograd::grad(outs, ins, gouts, retain_graph ? std::optional<bool>(true) : std::nullopt,
                                     create_graph != 0, /*allow_unused=*/true);
    for (int i = 0; i < n_inputs; i++) out[i] = res[i].defined() ? wrap(res[i]) : nullptr;
    return 0;
  })
}
int ct_grad_enabled(void) { CT_TRY(-1, { return at::GradMode::is_enabled() ? 1 : 0; }) }
int ct_set_grad_enabled(int flag) {
  CT_TRY(-1, {
    int prev = at::GradMode::is_enabled() ? 1 : 0;
    at::GradMode::set_enabled(flag != 0);
    return prev;
  })
}
struct ct_guard_s { c10::InferenceMode guard; };
ct_guard ct_inference_mode_enter(void) { CT_TRY(nullptr, { return new ct_guard_s(); }) }
void ct_inference_mode_exit(ct_guard g) { delete g; }
int ct_retain_grad(ct_tensor t) { CT_TRY(-1, { t->t.retain_grad(); return 0; }) }

int ct_copy_(ct_tensor dst, ct_tensor src) {
  CT_TRY(-1, {
    at::NoGradGuard ng;
    dst->t.copy_(src->t);
    return 0;
  })
}
int ct_set_data(ct_tensor t, ct_tensor src) { CT_TRY(-1, { t->t.set_data(src->t); return 0; }) }

}  // extern "C"
