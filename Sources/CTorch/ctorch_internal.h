// Shared by the shim's translation units: handle structs and the exception-catching macros.
#pragma once
// libtorch's include paths come from pkg-config (`strata-libtorch.pc`, via the CLibTorch target). Without them: one
// fatal message naming the fix, instead of a missing-header error deep in the build.
#if !__has_include(<ATen/ATen.h>)
#pragma clang diagnostic fatal "-W#warnings"
#warning "libtorch not found: no strata-libtorch.pc for pkg-config, or it names a removed libtorch. Run scripts/setup \
in a Strata checkout (it installs libtorch and the .pc; LIBTORCH=/path/to/libtorch scripts/setup uses an existing one)."
#endif
// Deprecated libtorch APIs still used by the shim stay quiet (was -Wno-deprecated-declarations).
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#include <ATen/ATen.h>
#include <string>
#include "ctorch.h"

struct ct_tensor_s { at::Tensor t; };

namespace ctorch {
void set_error(const char *msg);
void clear_error();
inline ct_tensor wrap(at::Tensor t) { return new ct_tensor_s{std::move(t)}; }
// A malloc'd copy of `s` for the caller to free with ct_free_string; throws std::bad_alloc (inside CT_TRY).
char *dup_string(const std::string &s);
}  // namespace ctorch

// Every entry point runs its body inside one of these (only destructors-only `_free`/`_close` calls, which cannot
// throw, go without). Any C++ exception becomes the thread-local error message and `fail` is returned.
#define CT_CATCH_ALL                                                                     \
  catch (const c10::Error &e) { ctorch::set_error(e.what_without_backtrace()); }         \
  catch (const std::exception &e) { ctorch::set_error(e.what()); }                       \
  catch (...) { ctorch::set_error("unknown C++ exception"); }

#define CT_TRY(fail, ...)                                                                \
  ctorch::clear_error();                                                                 \
  try { __VA_ARGS__ }                                                                    \
  CT_CATCH_ALL                                                                           \
  return fail;

// For entry points returning nothing: the error is left in ct_last_error().
#define CT_TRY_VOID(...)                                                                 \
  ctorch::clear_error();                                                                 \
  try { __VA_ARGS__ }                                                                    \
  CT_CATCH_ALL
