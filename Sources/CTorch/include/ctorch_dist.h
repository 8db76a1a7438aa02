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

#ifdef __cplusplus
}
#endif
#endif
