// Distributed data parallel support: c10d's TCPStore rendezvous and a Gloo process group (CPU collectives over
// TCP), straight from libtorch_cpu.so. Same conventions as ctorch.h: opaque handles, no exception crosses the
// boundary, NULL / -1 on failure with the message in ct_last_error().
#ifndef CTORCH_DIST_H
#define CTORCH_DIST_H
#include "ctorch.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_dist_s *ct_dist;

enum { CT_REDUCE_SUM = 0, CT_REDUCE_AVG = 1, CT_REDUCE_MAX = 2, CT_REDUCE_MIN = 3 };

// Rendezvous through a c10d TCPStore at master_addr:master_port (rank 0 hosts it and waits for world_size ranks),
// then a Gloo process group whose TCP device binds to `bind_host` (an address or host name of this machine; NULL
// or "" = master_addr when it is a loopback address, else this machine's host name). `timeout_ms` bounds the
// rendezvous and every collective: a dead or hung peer gives an error instead of a hang.
ct_dist ct_dist_init(const char *master_addr, int master_port, int world_size, int rank, int64_t timeout_ms,
                     const char *bind_host);
void ct_dist_free(ct_dist pg);  // destructor only; cannot throw
int ct_dist_rank(ct_dist pg);
int ct_dist_world_size(ct_dist pg);

// In-place all-reduce of `n` tensors (each rank passes tensors of the same shapes and dtypes, in the same order).
// CT_REDUCE_AVG is a sum divided by the world size (Gloo has no native average).
int ct_dist_allreduce(ct_dist pg, const ct_tensor *tensors, int n, int op);
// In-place broadcast of `n` tensors from rank `root`.
int ct_dist_broadcast(ct_dist pg, const ct_tensor *tensors, int n, int root);
// `outputs` (world_size tensors shaped like `input`) receive every rank's `input`, in rank order.
int ct_dist_allgather(ct_dist pg, ct_tensor input, const ct_tensor *outputs);
int ct_dist_barrier(ct_dist pg);
// Registers an autograd hook on `t` that replaces its gradient by the sum of that gradient over all ranks
// (SyncBatchNorm's backward: each rank's batch-statistics gradient summed across the group).
int ct_dist_allreduce_grad_hook(ct_dist pg, ct_tensor t);

// Gradient averaging overlapped with backward, as PyTorch DDP's Reducer does it: the parameters (those requiring
// grad, in registration order) are split into buckets in reverse order (the first of about `first_bucket_bytes`,
// the others of about `bucket_bytes`, one dtype per bucket); an autograd post-hook on each parameter's gradient
// accumulator copies its fresh gradient into its bucket, and a full bucket is all-reduced asynchronously over Gloo
// (buckets launched in the same order on every rank). `ct_ddp_reducer_finish`, called after backward (before
// clipping and the optimizer step), launches the buckets still open, waits for all, and writes the averaged
// gradients back. A parameter no hook reached in this step on this rank contributes its current gradient (zeros
// when it has none); one unused on every rank keeps its gradient untouched (DDP's find_unused_parameters result).
// Hooks never throw: errors (a failed collective, a parameter reached twice before `finish`) are recorded and
// returned by `finish`. Build the reducer after the parameters are on their device; free it before the
// parameters' autograd graph is used from another reducer. The process group must outlive it.
typedef struct ct_ddp_reducer_s *ct_ddp_reducer;
ct_ddp_reducer ct_ddp_reducer_new(ct_dist pg, const ct_tensor *params, int n, int64_t first_bucket_bytes,
                                  int64_t bucket_bytes);
// `params`: the same tensors as at construction, in the same order (checked). 0 on success, -1 on failure.
int ct_ddp_reducer_finish(ct_ddp_reducer r, const ct_tensor *params, int n);
// Number of buckets; `sizes` (if not NULL, room for that many) receives each bucket's parameter count.
int ct_ddp_reducer_buckets(ct_ddp_reducer r, int64_t *sizes);
// Seconds spent in the last `finish` waiting for all-reduces (the part of communication not hidden by backward).
double ct_ddp_reducer_last_wait_seconds(ct_ddp_reducer r);
void ct_ddp_reducer_free(ct_ddp_reducer r);  // removes the hooks; cannot throw

#ifdef __cplusplus
}
#endif
#endif
