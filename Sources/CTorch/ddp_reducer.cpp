// Gradient buckets all-reduced from autograd hooks while backward runs (PyTorch DDP's Reducer, reduced to what a
// CPU/Gloo data-parallel step needs). c10d's own `Reducer` wants a `c10d::ProcessGroup` wrapping the backend and
// Python-side bucket rebuilding; this one talks to the `c10d::Backend` of dist.cpp directly.
//
// Per step: each parameter's gradient-accumulator post-hook copies `param.grad` into its slot of a flat bucket;
// when every slot of the next bucket in launch order is filled, that bucket (and any following full ones) is handed
// to Gloo's asynchronous all-reduce, so communication runs on Gloo's threads while backward computes the remaining
// gradients. `finish` fills the slots no hook reached (parameters unused this step), launches what is left, waits,
// divides by the world size and copies the averages back into the gradients.
//
// Unused parameters: the bucket launched last carries one flag per parameter (1 = a hook reached it on this rank)
// after its gradients. That bucket is only ever launched once every flag is known (all slots filled by hooks, or
// `finish`), so after the all-reduce a zero flag means "unused on every rank": its gradient is left as it was.
#include "ctorch_internal.h"
#include "ctorch_dist.h"
#include "dist_internal.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>

namespace {

struct Bucket {
  std::vector<size_t> params;    // indices into the reducer's parameter list
  std::vector<int64_t> offsets;  // element offset of each parameter's gradient in `flat`
  int64_t elements = 0;          // gradient elements (the usage flags, if any, follow them)
  at::Tensor flat;
  size_t pending = 0;            // slots not yet filled in this step
  c10::intrusive_ptr<c10d::Work> work;
};

}  // namespace

struct ct_ddp_reducer_s {
  c10::intrusive_ptr<c10d::Backend> backend;
  int rank = 0, size = 1;
  std::chrono::milliseconds timeout{0};
  std::vector<at::Tensor> params;
  std::vector<c10::intrusive_ptr<torch::autograd::Node>> accumulators;  // kept alive: the hooks live on them
  std::vector<uintptr_t> hook_keys;
  std::vector<size_t> bucket_of, slot_of;  // parameter → bucket, → position in the bucket
  std::vector<Bucket> buckets;             // in launch order
  std::vector<char> used;                  // per parameter: a hook reached it in this step
  size_t next_bucket = 0;                  // first bucket not yet launched
  std::string error;                       // first failure of this step, reported by finish
  double last_wait = 0;
  std::mutex mu;

  std::string where() const { return "rank " + std::to_string(rank) + " of " + std::to_string(size) + ": "; }

  void record(const std::string &msg) {
    if (error.empty()) error = where() + msg;
  }

  at::Tensor slot(const Bucket &b, size_t k) const {
    const at::Tensor &p = params[b.params[k]];
    return b.flat.narrow(0, b.offsets[k], p.numel()).view(p.sizes());
  }

  // Copies parameter i's gradient (zeros without one) into its slot. Caller holds `mu`.
  void fill(size_t i) {
    Bucket &b = buckets[bucket_of[i]];
    at::Tensor s = slot(b, slot_of[i]);
    const at::Tensor &g = params[i].grad();
    if (g.defined()) {
      s.copy_(g);
    } else {
      s.zero_();
    }
    --b.pending;
  }

  // Launches every full bucket from `next_bucket` on, in order (the same order on every rank). Caller holds `mu`.
  void launch_ready() {
    while (next_bucket < buckets.size() && buckets[next_bucket].pending == 0) {
      Bucket &b = buckets[next_bucket++];
      if (next_bucket == buckets.size()) {  // the last bucket carries the usage flags
        at::Tensor flags = b.flat.narrow(0, b.elements, static_cast<int64_t>(params.size()));
        std::vector<float> f(used.begin(), used.end());
        flags.copy_(at::from_blob(f.data(), {static_cast<int64_t>(f.size())}, at::kFloat));
      }
      if (!error.empty()) continue;  // still walk the buckets so that `finish` sees them launched
      try {
        std::vector<at::Tensor> v{b.flat};
        c10d::AllreduceOptions o;
        o.reduceOp = c10d::ReduceOp::SUM;
        o.timeout = timeout;
        b.work = backend->allreduce(v, o);
      } catch (const c10::Error &e) {
        record(std::string("gradient all-reduce failed: ") + e.what_without_backtrace());
      } catch (const std::exception &e) {
        record(std::string("gradient all-reduce failed: ") + e.what());
      }
    }
  }

  // The autograd post-hook of parameter i's gradient accumulator: runs on the backward thread, never throws.
  void on_gradient(size_t i) noexcept {
    try {
      std::lock_guard<std::mutex> lock(mu);
      if (used[i]) {
        record("parameter " + std::to_string(i) +
               " received a gradient twice before the gradients were averaged (two backward passes in one step): "
               "average the gradients after every backward (DataParallel.averageGradients)");
        return;
      }
      used[i] = 1;
      at::NoGradGuard no_grad;
      fill(i);
      launch_ready();
    } catch (const c10::Error &e) {
      std::lock_guard<std::mutex> lock(mu);
      record(std::string("gradient bucketing failed: ") + e.what_without_backtrace());
    } catch (const std::exception &e) {
      std::lock_guard<std::mutex> lock(mu);
      record(std::string("gradient bucketing failed: ") + e.what());
    } catch (...) {
    }
  }

  void reset() {
    for (auto &b : buckets) {
      b.pending = b.params.size();
      b.work.reset();
    }
    std::fill(used.begin(), used.end(), 0);
    next_bucket = 0;
    error.clear();
  }

  void remove_hooks() noexcept {
    for (size_t i = 0; i < accumulators.size() && i < hook_keys.size(); ++i) {
      try {
        accumulators[i]->del_post_hook(hook_keys[i]);
      } catch (...) {
      }
    }
    hook_keys.clear();
  }
};

namespace {

// DDP's assignment: parameters in reverse registration order (gradients become ready roughly in that order),
// one open bucket per (dtype, device), closed once it holds `limit` bytes; the first limit is the small one.
void assign_buckets(ct_ddp_reducer_s &r, int64_t first_bytes, int64_t bytes) {
  using Key = std::tuple<int, int, int>;  // dtype, device type, device index
  std::map<Key, std::pair<Bucket, int64_t>> open;  // bucket, bytes so far
  std::vector<Bucket> closed;
  bool first = true;
  for (size_t k = r.params.size(); k-- > 0;) {
    const at::Tensor &p = r.params[k];
    Key key{static_cast<int>(p.scalar_type()), static_cast<int>(p.device().type()), p.device().index()};
    auto &[b, n] = open[key];
    b.params.push_back(k);
    b.offsets.push_back(b.elements);
    b.elements += p.numel();
    n += p.numel() * static_cast<int64_t>(p.element_size());
    if (n >= (first ? first_bytes : bytes)) {
      closed.push_back(std::move(b));
      open.erase(key);
      first = false;
    }
  }
  // Still-open buckets, in the order of their first (latest-registered) parameter.
  std::vector<Bucket> rest;
  for (auto &[key, bn] : open) rest.push_back(std::move(bn.first));
  std::sort(rest.begin(), rest.end(), [](const Bucket &a, const Bucket &b) { return a.params[0] > b.params[0]; });
  for (auto &b : rest) closed.push_back(std::move(b));
  r.buckets = std::move(closed);
  r.bucket_of.assign(r.params.size(), 0);
  r.slot_of.assign(r.params.size(), 0);
  for (size_t bi = 0; bi < r.buckets.size(); ++bi) {
    Bucket &b = r.buckets[bi];
    int64_t extra = bi + 1 == r.buckets.size() ? static_cast<int64_t>(r.params.size()) : 0;
    const at::Tensor &p0 = r.params[b.params[0]];
    b.flat = at::zeros({b.elements + extra}, p0.options().requires_grad(false));
    for (size_t k = 0; k < b.params.size(); ++k) {
      r.bucket_of[b.params[k]] = bi;
      r.slot_of[b.params[k]] = k;
    }
  }
}

void check_same(const ct_ddp_reducer_s &r, const ct_tensor *params, int n) {
  TORCH_CHECK(n == static_cast<int>(r.params.size()) && (n == 0 || params != nullptr), "the reducer was built for ",
              r.params.size(), " parameters, got ", n, ": pass the same parameters as when it was built");
  for (int i = 0; i < n; ++i) {
    TORCH_CHECK(params[i] != nullptr && params[i]->t.is_same(r.params[i]), "parameter ", i,
                " is not the tensor the reducer was built for: pass the same parameters, in the same order");
  }
}

}  // namespace

extern "C" {

ct_ddp_reducer ct_ddp_reducer_new(ct_dist pg, const ct_tensor *params, int n, int64_t first_bucket_bytes,
                                  int64_t bucket_bytes) {
  CT_TRY(nullptr, {
    TORCH_CHECK(pg != nullptr, "no process group");
    TORCH_CHECK(n >= 1 && params != nullptr, "the reducer needs at least one parameter");
    TORCH_CHECK(first_bucket_bytes > 0 && bucket_bytes > 0, "bucket sizes must be positive, got ",
                first_bucket_bytes, " and ", bucket_bytes, " bytes");
    auto r = std::make_unique<ct_ddp_reducer_s>();
    r->backend = pg->pg;
    r->rank = pg->rank;
    r->size = pg->size;
    r->timeout = pg->timeout;
    for (int i = 0; i < n; ++i) {
      TORCH_CHECK(params[i] != nullptr, "parameter ", i, " is null");
      const at::Tensor &p = params[i]->t;
      TORCH_CHECK(p.is_leaf() && p.requires_grad(), "parameter ", i,
                  " is not a leaf tensor requiring grad: pass only trainable parameters");
      TORCH_CHECK(p.is_floating_point(), "parameter ", i, " is not floating point (", p.scalar_type(), ")");
      TORCH_CHECK(!p.is_sparse(), "parameter ", i, " is sparse: sparse gradients are not bucketed");
      for (int j = 0; j < i; ++j) {
        TORCH_CHECK(!p.is_same(r->params[j]), "parameter ", i, " is parameter ", j, " again: pass each once");
      }
      r->params.push_back(p);
    }
    r->used.assign(r->params.size(), 0);
    assign_buckets(*r, first_bucket_bytes, bucket_bytes);
    r->reset();
    ct_ddp_reducer_s *self = r.get();
    try {
      for (size_t i = 0; i < r->params.size(); ++i) {
        auto acc = torch::autograd::impl::grad_accumulator(r->params[i]);
        TORCH_CHECK(acc, "parameter ", i, " has no gradient accumulator");
        uintptr_t key = acc->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
            [self, i](const torch::autograd::variable_list &outputs, const torch::autograd::variable_list &) {
              self->on_gradient(i);
              return outputs;
            }));
        r->accumulators.push_back(std::move(acc));
        r->hook_keys.push_back(key);
      }
    } catch (...) {
      r->remove_hooks();
      throw;
    }
    return r.release();
  })
}

int ct_ddp_reducer_finish(ct_ddp_reducer r, const ct_tensor *params, int n) {
  CT_TRY(-1, {
    TORCH_CHECK(r != nullptr, "no reducer");
    std::lock_guard<std::mutex> lock(r->mu);
    // Whatever happens below, the next step starts clean.
    struct Reset {
      ct_ddp_reducer_s *r;
      ~Reset() { r->reset(); }
    } reset{r};
    check_same(*r, params, n);
    at::NoGradGuard no_grad;
    // Unused parameters: fill their slots so that every bucket is launched, in order, on every rank.
    for (size_t bi = r->next_bucket; bi < r->buckets.size(); ++bi) {
      Bucket &b = r->buckets[bi];
      for (size_t i : b.params) {
        if (!r->used[i]) {
          try {
            r->fill(i);
          } catch (const c10::Error &e) {
            r->record(std::string("gradient bucketing failed: ") + e.what_without_backtrace());
            --b.pending;
          }
        }
      }
    }
    r->launch_ready();
    auto t0 = std::chrono::steady_clock::now();
    for (auto &b : r->buckets) {
      if (!b.work) continue;
      try {
        b.work->wait(r->timeout);
      } catch (const c10::Error &e) {
        r->record(std::string("gradient all-reduce failed: ") + e.what_without_backtrace());
      } catch (const std::exception &e) {
        r->record(std::string("gradient all-reduce failed: ") + e.what());
      }
    }
    r->last_wait = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    TORCH_CHECK(r->error.empty(), r->error);
    at::Tensor flags = r->buckets.back().flat.narrow(0, r->buckets.back().elements,
                                                     static_cast<int64_t>(r->params.size()));
    std::vector<float> users(flags.numel());
    at::from_blob(users.data(), {flags.numel()}, at::kFloat).copy_(flags);
    for (auto &b : r->buckets) {
      if (r->size > 1) b.flat.narrow(0, 0, b.elements).div_(r->size);
      for (size_t k = 0; k < b.params.size(); ++k) {
        size_t i = b.params[k];
        if (users[i] == 0) continue;  // unused on every rank: gradient left as it was
        at::Tensor avg = r->slot(b, k);
        at::Tensor &p = r->params[i];
        if (p.grad().defined()) {
          p.mutable_grad().copy_(avg);
        } else {
          p.mutable_grad() = avg.clone(at::MemoryFormat::Preserve).view(p.sizes());
        }
      }
    }
    return 0;
  })
}

int ct_ddp_reducer_buckets(ct_ddp_reducer r, int64_t *sizes) {
  if (!r) return -1;
  for (size_t i = 0; sizes && i < r->buckets.size(); ++i) sizes[i] = static_cast<int64_t>(r->buckets[i].params.size());
  return static_cast<int>(r->buckets.size());
}

double ct_ddp_reducer_last_wait_seconds(ct_ddp_reducer r) { return r ? r->last_wait : -1; }

void ct_ddp_reducer_free(ct_ddp_reducer r) {
  if (!r) return;
  try {
    r->remove_hooks();  // Works still in flight hold their own references to the bucket tensors
    delete r;
  } catch (...) {
  }
}

}  // extern "C"
