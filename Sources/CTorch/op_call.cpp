// Boxed operator calls through the c10 dispatcher: any ATen operator by schema name, autograd included.
// The caller pushes positional arguments first, then named ones; missing arguments take the schema's
// defaults (or None for optionals). A few coercions follow the schema: int → float, int → int[N] (repeated),
// a single tensor → Tensor[].
#include "ctorch_internal.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

struct ct_op_s {
  c10::OperatorHandle handle;
  std::string name;
};

struct ct_arg {
  std::string name;  // empty: positional
  c10::IValue value;
};

struct ct_stack_s {
  std::vector<ct_arg> args;
  std::vector<c10::IValue> results;
  std::string push_error;  // a failed ct_push_* (out of memory); reported by the next ct_op_call
};

static c10::IValue coerce(c10::IValue v, const c10::Argument &arg) {
  if (v.isNone()) return v;
  c10::TypePtr type = arg.type();
  if (auto opt = type->cast<c10::OptionalType>()) type = opt->getElementType();
  switch (type->kind()) {
    case c10::TypeKind::FloatType:
      if (v.isInt()) return c10::IValue(static_cast<double>(v.toInt()));
      break;
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      if (v.isDouble()) return c10::IValue(static_cast<int64_t>(v.toDouble()));
      break;
    case c10::TypeKind::ListType: {
      auto elem = type->castRaw<c10::ListType>()->getElementType();
      auto ek = elem->kind();
      if ((ek == c10::TypeKind::IntType || ek == c10::TypeKind::SymIntType) && v.isInt()) {
        // "int[2] stride=1" accepts a single int in Python; repeat it N times (N from the schema, else once).
        size_t n = arg.N() ? static_cast<size_t>(*arg.N()) : 1;
        return c10::IValue(c10::List<int64_t>(std::vector<int64_t>(n, v.toInt())));
      }
      if (ek == c10::TypeKind::FloatType && v.isIntList()) {
        c10::List<double> out;
        for (auto x : v.toIntList()) out.push_back(static_cast<double>(x));
        return c10::IValue(out);
      }
      break;
    }
    default:
      break;
  }
  return v;
}

// Pushes run `make` (which builds the IValue) under a guard; a failure is kept on the stack for ct_op_call.
template <typename F> static void push(ct_stack s, const char *name, F make) {
  try {
    s->args.push_back({name ? name : "", make()});
  } catch (const std::exception &e) {
    if (s->push_error.empty()) s->push_error = std::string("pushing an argument failed: ") + e.what();
  } catch (...) {
    if (s->push_error.empty()) s->push_error = "pushing an argument failed";
  }
}

extern "C" {

ct_op ct_op_find(const char *name, const char *overload) {
  CT_TRY(nullptr, {
    auto h = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload ? overload : "");
    return new ct_op_s{h, std::string(name) + (overload && *overload ? std::string(".") + overload : "")};
  })
}

ct_stack ct_stack_new(void) { CT_TRY(nullptr, { return new ct_stack_s(); }) }
void ct_stack_free(ct_stack s) { delete s; }

void ct_push_tensor(ct_stack s, const char *name, ct_tensor t) {
  push(s, name, [&] { return t ? c10::IValue(t->t) : c10::IValue(); });
}
void ct_push_int(ct_stack s, const char *name, int64_t v) { push(s, name, [&] { return c10::IValue(v); }); }
void ct_push_double(ct_stack s, const char *name, double v) { push(s, name, [&] { return c10::IValue(v); }); }
void ct_push_bool(ct_stack s, const char *name, int v) { push(s, name, [&] { return c10::IValue(v != 0); }); }
void ct_push_none(ct_stack s, const char *name) { push(s, name, [&] { return c10::IValue(); }); }
void ct_push_string(ct_stack s, const char *name, const char *v) {
  push(s, name, [&] { return c10::IValue(std::string(v)); });
}
void ct_push_ints(ct_stack s, const char *name, const int64_t *v, int n) {
  push(s, name, [&] { return c10::IValue(c10::List<int64_t>(std::vector<int64_t>(v, v + n))); });
}
void ct_push_doubles(ct_stack s, const char *name, const double *v, int n) {
  push(s, name, [&] { return c10::IValue(c10::List<double>(std::vector<double>(v, v + n))); });
}
void ct_push_tensors(ct_stack s, const char *name, const ct_tensor *v, int n) {
  push(s, name, [&] {
    c10::List<at::Tensor> list;
    list.reserve(n);
    for (int i = 0; i < n; i++) list.push_back(v[i]->t);
    return c10::IValue(list);
  });
}
void ct_push_opt_tensors(ct_stack s, const char *name, const ct_tensor *v, int n) {
  push(s, name, [&] {
    c10::List<std::optional<at::Tensor>> list;
    list.reserve(n);
    for (int i = 0; i < n; i++) list.push_back(v[i] ? std::optional<at::Tensor>(v[i]->t) : std::nullopt);
    return c10::IValue(list);
  });
}
void ct_push_device(ct_stack s, const char *name, int type, int index) {
  push(s, name, [&] { return c10::IValue(c10::Device(static_cast<c10::DeviceType>(type), index)); });
}

int ct_op_call(ct_op op, ct_stack s) {
  CT_TRY(-1, {
    if (!s->push_error.empty()) {
      std::string msg = op->name + ": " + s->push_error;
      s->push_error.clear();
      s->args.clear();
      throw std::runtime_error(msg);
    }
    const auto &schema = op->handle.schema();
    const auto &formals = schema.arguments();
    size_t npos = 0;
    while (npos < s->args.size() && s->args[npos].name.empty()) npos++;
    if (npos > formals.size()) {
      throw std::runtime_error(op->name + ": " + std::to_string(npos) + " positional arguments given, schema takes " +
                               std::to_string(formals.size()));
    }
    std::vector<bool> used(s->args.size(), false);
    torch::jit::Stack stack;
    stack.reserve(formals.size());
    for (size_t i = 0; i < formals.size(); i++) {
      const auto &f = formals[i];
      c10::IValue v;
      bool found = false;
      if (i < npos) {
        v = s->args[i].value;
        used[i] = true;
        found = true;
      } else {
        for (size_t j = npos; j < s->args.size(); j++) {
          if (s->args[j].name == f.name()) {
            v = s->args[j].value;
            used[j] = true;
            found = true;
            break;
          }
        }
      }
      if (!found) {
        if (f.default_value()) {
          v = *f.default_value();
        } else if (f.type()->kind() == c10::TypeKind::OptionalType) {
          v = c10::IValue();
        } else {
          throw std::runtime_error(op->name + ": missing argument '" + f.name() + "' (schema: " +
                                   c10::toString(schema) + ")");
        }
      }
      v = coerce(std::move(v), f);
      stack.push_back(std::move(v));
    }
    for (size_t j = 0; j < s->args.size(); j++) {
      if (!used[j]) {
        throw std::runtime_error(op->name + ": unknown argument '" + s->args[j].name + "' (schema: " +
                                 c10::toString(schema) + ")");
      }
    }
    op->handle.callBoxed(stack);
    s->args.clear();
    s->results = std::move(stack);
    return 0;
  })
}

int ct_result_count(ct_stack s) { CT_TRY(0, { return static_cast<int>(s->results.size()); }) }
int ct_result_kind(ct_stack s, int i) {
  CT_TRY(-1, {
    const auto &v = s->results.at(i);
    if (v.isNone()) return CT_KIND_NONE;
    if (v.isTensor()) return CT_KIND_TENSOR;
    if (v.isInt()) return CT_KIND_INT;
    if (v.isDouble()) return CT_KIND_DOUBLE;
    if (v.isBool()) return CT_KIND_BOOL;
    if (v.isTensorList()) return CT_KIND_TENSOR_LIST;
    return CT_KIND_OTHER;
  })
}
ct_tensor ct_result_tensor(ct_stack s, int i) { CT_TRY(nullptr, { return ctorch::wrap(s->results.at(i).toTensor()); }) }
int ct_result_int(ct_stack s, int i, int64_t *out) {
  CT_TRY(-1, {
    const auto &v = s->results.at(i);
    *out = v.isBool() ? (v.toBool() ? 1 : 0) : v.toInt();
    return 0;
  })
}
int ct_result_double(ct_stack s, int i, double *out) { CT_TRY(-1, { *out = s->results.at(i).toDouble(); return 0; }) }
int ct_result_list_len(ct_stack s, int i) {
  CT_TRY(-1, { return static_cast<int>(s->results.at(i).toTensorList().size()); })
}
ct_tensor ct_result_list_tensor(ct_stack s, int i, int j) {
  CT_TRY(nullptr, { return ctorch::wrap(s->results.at(i).toTensorList().get(j)); })
}

}  // extern "C"
