// TorchScript modules: torch::jit::load and forward, behind the C boundary (see ctorch_jit.h).
#include "ctorch_internal.h"
#include "ctorch_jit.h"
#include <torch/csrc/jit/serialization/import.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <vector>

struct ct_jit_s { torch::jit::Module m; };

extern "C" {

ct_jit ct_jit_load(const char *path, int device_type, int device_index) {
  CT_TRY(nullptr, {
    if (!path) throw std::invalid_argument("ct_jit_load: no path");
    c10::Device device(static_cast<c10::DeviceType>(device_type), static_cast<c10::DeviceIndex>(device_index));
    auto m = std::make_unique<ct_jit_s>(ct_jit_s{torch::jit::load(std::string(path), device)});
    m->m.eval();
    return m.release();
  })
}

void ct_jit_free(ct_jit m) { delete m; }

int ct_jit_forward(ct_jit m, const ct_tensor *inputs, int n, ct_tensor *out, int max_out) {
  CT_TRY(-1, {
    if (!m) throw std::invalid_argument("ct_jit_forward: no module");
    if (n < 0 || (n > 0 && !inputs)) throw std::invalid_argument("ct_jit_forward: bad inputs");
    std::vector<c10::IValue> args;
    args.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; i++) {
      if (!inputs[i]) throw std::invalid_argument("ct_jit_forward: a NULL input tensor");
      args.emplace_back(inputs[i]->t);
    }
    c10::IValue result;
    {
      at::NoGradGuard no_grad;
      result = m->m.forward(std::move(args));
    }
    std::vector<at::Tensor> tensors;
    auto take = [&](const c10::IValue &v) {
      if (!v.isTensor()) throw std::runtime_error(std::string("TorchScript forward returned a ") + v.tagKind() +
                                                  " where a tensor was expected (return a tensor or a tuple/list of tensors)");
      tensors.push_back(v.toTensor());
    };
    if (result.isTensor()) {
      take(result);
    } else if (result.isTuple()) {
      for (const auto &e : result.toTupleRef().elements()) take(e);
    } else if (result.isList()) {
      for (const c10::IValue e : result.toListRef()) take(e);
    } else {
      throw std::runtime_error(std::string("TorchScript forward returned a ") + result.tagKind() +
                               " (return a tensor or a tuple/list of tensors)");
    }
    if (static_cast<int>(tensors.size()) > max_out || !out)
      throw std::runtime_error("TorchScript forward returned " + std::to_string(tensors.size()) +
                               " tensors, more than the " + std::to_string(max_out) + " the caller takes");
    for (size_t i = 0; i < tensors.size(); i++) out[i] = ctorch::wrap(std::move(tensors[i]));
    return static_cast<int>(tensors.size());
  })
}

}  // extern "C"
