// CTorch: a thin C shim over libtorch (ATen + autograd).
//
// Conventions (one pattern everywhere, so the Swift layer above stays small):
//  * Opaque handles own libtorch objects; every handle returned to the caller must be freed with its `_free`.
//  * No C++ exception ever crosses this boundary: every entry point runs inside a guard (CT_TRY) except those
//    that cannot throw (`_free`, `_close`, `_abort`, `_exit`: destructors only; ct_last_error; ct_tune_malloc).
//    A failing call returns NULL (handles) or -1 (status) and leaves a message in a thread-local buffer read by
//    `ct_last_error()` on the same thread, right after the call.
//  * Dtype codes are c10::ScalarType values (see CT_* below). Device type codes are c10::DeviceType values.
//  * Most operators are reached through `ct_op_find` + `ct_op_call`: the c10 dispatcher called with a boxed
//    argument stack, so every ATen operator (and its autograd) is available by schema name, with defaults and
//    light coercions (int → float, int → int[N]) applied from the operator's schema.
#ifndef CTORCH_H
#define CTORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_tensor_s *ct_tensor;
typedef struct ct_stack_s *ct_stack;
typedef struct ct_op_s *ct_op;
typedef struct ct_guard_s *ct_guard;

enum {
  CT_UINT8 = 0, CT_INT8 = 1, CT_INT16 = 2, CT_INT32 = 3, CT_INT64 = 4, CT_FLOAT16 = 5, CT_FLOAT32 = 6,
  CT_FLOAT64 = 7, CT_BOOL = 11, CT_BFLOAT16 = 15
};
enum { CT_DEVICE_CPU = 0, CT_DEVICE_CUDA = 1 };
enum { CT_KIND_NONE = 0, CT_KIND_TENSOR = 1, CT_KIND_INT = 2, CT_KIND_DOUBLE = 3, CT_KIND_BOOL = 4,
       CT_KIND_TENSOR_LIST = 5, CT_KIND_OTHER = 6 };

// ---- errors -------------------------------------------------------------------------------------------------
const char *ct_last_error(void);
void ct_free_string(char *s);

// ---- tensor handles and metadata ----------------------------------------------------------------------------
void ct_free(ct_tensor t);
ct_tensor ct_clone_handle(ct_tensor t);          // a second handle to the same tensor (shares storage)
int64_t ct_dim(ct_tensor t);
int ct_sizes(ct_tensor t, int64_t *out);          // out has room for ct_dim() values
int ct_strides(ct_tensor t, int64_t *out);
int64_t ct_numel(ct_tensor t);
int ct_dtype(ct_tensor t);
int ct_device(ct_tensor t, int *type, int *index);
int ct_is_contiguous(ct_tensor t, int memory_format);  // 0 contiguous, 2 channels_last, 3 channels_last_3d
int ct_defined(ct_tensor t);
char *ct_to_string(ct_tensor t);                  // free with ct_free_string

// ---- data in and out -----------------------------------------------------------------------------------------
ct_tensor ct_from_blob_copy(const void *data, const int64_t *shape, int ndim, int dtype);
typedef void (*ct_deleter)(void *ctx);
// Borrows `data` without copying; `deleter(ctx)` runs when libtorch drops the storage (lifetime owner).
ct_tensor ct_from_blob_borrow(void *data, const int64_t *shape, int ndim, int dtype, ct_deleter deleter, void *ctx);
void *ct_data_ptr(ct_tensor t);                   // NULL unless a CPU tensor
int ct_copy_to(ct_tensor t, void *dst, size_t nbytes);  // any device/layout; dst receives contiguous data
int ct_item_double(ct_tensor t, double *out);
int ct_item_int(ct_tensor t, int64_t *out);

// ---- boxed operator calls ------------------------------------------------------------------------------------
ct_op ct_op_find(const char *name, const char *overload);   // cached by the caller; never freed
ct_stack ct_stack_new(void);
void ct_stack_free(ct_stack s);
// `name` NULL: positional (positional arguments come first); otherwise matched to the schema by name.
void ct_push_tensor(ct_stack s, const char *name, ct_tensor t);    // t NULL pushes None
void ct_push_int(ct_stack s, const char *name, int64_t v);
void ct_push_double(ct_stack s, const char *name, double v);
void ct_push_bool(ct_stack s, const char *name, int v);
void ct_push_none(ct_stack s, const char *name);
void ct_push_string(ct_stack s, const char *name, const char *v);
void ct_push_ints(ct_stack s, const char *name, const int64_t *v, int n);
void ct_push_doubles(ct_stack s, const char *name, const double *v, int n);
void ct_push_tensors(ct_stack s, const char *name, const ct_tensor *v, int n);
void ct_push_opt_tensors(ct_stack s, const char *name, const ct_tensor *v, int n);  // NULL entries are None
void ct_push_device(ct_stack s, const char *name, int type, int index);
int ct_op_call(ct_op op, ct_stack s);             // on success the stack holds the results
int ct_result_count(ct_stack s);
int ct_result_kind(ct_stack s, int i);            // CT_KIND_*, -1 when i is out of range
ct_tensor ct_result_tensor(ct_stack s, int i);    // new handle
int ct_result_int(ct_stack s, int i, int64_t *out);   // an int or bool result; 0, or -1 when it is neither
int ct_result_double(ct_stack s, int i, double *out);
int ct_result_list_len(ct_stack s, int i);        // -1 when not a tensor list
ct_tensor ct_result_list_tensor(ct_stack s, int i, int j);

// ---- autograd ------------------------------------------------------------------------------------------------
int ct_set_requires_grad(ct_tensor t, int flag);
int ct_requires_grad(ct_tensor t);
int ct_is_leaf(ct_tensor t);
ct_tensor ct_grad(ct_tensor t);                   // NULL with an empty ct_last_error() when there is no grad
int ct_set_grad(ct_tensor t, ct_tensor g);        // g NULL clears it
int ct_backward(ct_tensor t, ct_tensor grad, int retain_graph, int create_graph);
// torch.autograd.grad: gradients of `outputs` w.r.t. `inputs`; writes n_inputs new handles (NULL if unused).
int ct_autograd_grad(const ct_tensor *outputs, int n_outputs, const ct_tensor *grad_outputs,
                     const ct_tensor *inputs, int n_inputs, int retain_graph, int create_graph, ct_tensor *out);
int ct_grad_enabled(void);
int ct_set_grad_enabled(int flag);                // returns the previous state (thread-local)
ct_guard ct_inference_mode_enter(void);           // thread-local; exit on the same thread
void ct_inference_mode_exit(ct_guard g);
int ct_retain_grad(ct_tensor t);

// ---- in-place helpers used on hot paths ------------------------------------------------------------------------
int ct_copy_(ct_tensor dst, ct_tensor src);        // dst.copy_(src), under no-grad
int ct_set_data(ct_tensor t, ct_tensor src);       // t.set_data(src): swap the payload of a parameter

// ---- runtime -------------------------------------------------------------------------------------------------
void ct_set_num_threads(int n);                   // n < 1: error in ct_last_error(), nothing changes
int ct_get_num_threads(void);
void ct_manual_seed(uint64_t seed);
int ct_set_deterministic(int flag);
int ct_cuda_is_available(void);
int ct_cuda_device_count(void);
int ct_cuda_synchronize(void);
void ct_tune_malloc(size_t threshold_bytes);
char *ct_version(void);                           // free with ct_free_string
char *ct_build_config(void);
char *ct_parallel_info(void);

#ifdef __cplusplus
}
#endif

// Area headers, so that including ctorch.h gives the whole C API.
#include "ctorch_train.h"
#include "ctorch_nn.h"
#include "ctorch_pth.h"
#endif
