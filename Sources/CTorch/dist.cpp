// c10d rendezvous (TCPStore) and a Gloo process group, from the c10d objects compiled into libtorch_cpu.so.
//
// The PyPI wheel ships ProcessGroupGloo.hpp but not the Gloo headers it includes, so that header cannot be
// compiled. The Gloo backend is therefore reached through the symbols libtorch_cpu.so exports (resolved once with
// dlsym by their Itanium names) and used only through its base class `c10d::Backend`, whose header ships:
//   * `ProcessGroupGloo::Options::Options(milliseconds)` constructs the options; `GlooOptions` below mirrors the
//     two members the class adds to `Backend::Options` (ProcessGroupGloo.hpp: `devices`, `threads`);
//   * `ProcessGroupGloo::createDeviceForHostname` / `createDefaultDevice` make the TCP transport device;
//   * `ProcessGroupGloo::ProcessGroupGloo(store, rank, size, options)` constructs the group in memory allocated
//     here with room to spare (the class is 0x220 bytes in 2.15; kGlooBytes leaves 8x that), and the object is
//     owned by an intrusive_ptr<Backend> (the base is at offset 0: single inheritance), deleted by its own virtual
//     destructor.
#include "ctorch_internal.h"
#include "ctorch_dist.h"
#include "dist_internal.h"

#include <dlfcn.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace gloo::transport {
class Device;
}

namespace {

using std::chrono::milliseconds;

// Layout of c10d::ProcessGroupGloo::Options (never constructed here: the library's constructor fills it).
struct GlooOptions : c10d::Backend::Options {
  GlooOptions() = delete;
  std::vector<std::shared_ptr<gloo::transport::Device>> devices;
  int threads{2};
};

constexpr size_t kGlooBytes = 0x1100;

using OptionsCtor = void (*)(void *self, milliseconds timeout);
using DeviceForHost = std::shared_ptr<gloo::transport::Device> (*)(const std::string &host, bool lazy);
using DefaultDevice = std::shared_ptr<gloo::transport::Device> (*)(bool lazy);
using GlooCtor = void (*)(void *self, const c10::intrusive_ptr<c10d::Store> &store, int rank, int size,
                          c10::intrusive_ptr<GlooOptions> options);

void *symbol(const char *name) {
  void *p = dlsym(RTLD_DEFAULT, name);
  TORCH_CHECK(p != nullptr, "this libtorch has no Gloo process group (symbol ", name,
              " not found); use a libtorch built with USE_DISTRIBUTED and USE_GLOO (the PyPI wheel's is)");
  return p;
}

c10::intrusive_ptr<c10d::Backend> make_gloo(const c10::intrusive_ptr<c10d::Store> &store, int rank, int size,
                                            milliseconds timeout, const std::string &bind_host) {
  static auto options_ctor = reinterpret_cast<OptionsCtor>(
      symbol("_ZN4c10d16ProcessGroupGloo7OptionsC1ENSt6chrono8durationIlSt5ratioILl1ELl1000EEEE"));
  static auto for_host = reinterpret_cast<DeviceForHost>(symbol(
      "_ZN4c10d16ProcessGroupGloo23createDeviceForHostnameERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEEb"));
  static auto default_device =
      reinterpret_cast<DefaultDevice>(symbol("_ZN4c10d16ProcessGroupGloo19createDefaultDeviceEb"));
  static auto gloo_ctor = reinterpret_cast<GlooCtor>(symbol(
      "_ZN4c10d16ProcessGroupGlooC1ERKN3c1013intrusive_ptrINS_5StoreENS1_6detail34intrusive_target_default_null_"
      "typeIS3_EEEEiiNS2_INS0_7OptionsENS5_ISA_EEEE"));

  void *omem = ::operator new(sizeof(GlooOptions));
  try {
    options_ctor(omem, timeout);
  } catch (...) {
    ::operator delete(omem);
    throw;
  }
  auto options = c10::intrusive_ptr<GlooOptions>::unsafe_steal_from_new(static_cast<GlooOptions *>(omem));
  options->devices.push_back(bind_host.empty() ? default_device(false) : for_host(bind_host, false));
  options->threads = 2;

  void *mem = ::operator new(kGlooBytes);
  try {
    gloo_ctor(mem, store, rank, size, options);
  } catch (...) {
    ::operator delete(mem);
    throw;
  }
  return c10::intrusive_ptr<c10d::Backend>::unsafe_steal_from_new(static_cast<c10d::Backend *>(mem));
}

bool is_loopback(const std::string &host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

}  // namespace

namespace {
std::vector<at::Tensor> unwrap(const ct_tensor *tensors, int n) {
  TORCH_CHECK(n >= 0 && (n == 0 || tensors != nullptr), "bad tensor list");
  std::vector<at::Tensor> v;
  v.reserve(n);
  for (int i = 0; i < n; ++i) {
    TORCH_CHECK(tensors[i] != nullptr, "tensor ", i, " is null");
    TORCH_CHECK(tensors[i]->t.is_contiguous(), "collectives need contiguous tensors (tensor ", i, " is not)");
    v.push_back(tensors[i]->t);
  }
  return v;
}
}  // namespace

extern "C" {

ct_dist ct_dist_init(const char *master_addr, int master_port, int world_size, int rank, int64_t timeout_ms,
                     const char *bind_host) {
  CT_TRY(nullptr, {
    TORCH_CHECK(master_addr != nullptr && *master_addr != 0, "master address is empty");
    TORCH_CHECK(master_port > 0 && master_port < 65536, "master port must be in 1…65535, got ", master_port);
    TORCH_CHECK(world_size >= 1, "world size must be ≥ 1, got ", world_size);
    TORCH_CHECK(rank >= 0 && rank < world_size, "rank must be in 0…", world_size - 1, ", got ", rank);
    TORCH_CHECK(timeout_ms > 0, "timeout must be positive, got ", timeout_ms, " ms");
    auto h = std::make_unique<ct_dist_s>();
    h->rank = rank;
    h->size = world_size;
    h->timeout = milliseconds(timeout_ms);
    std::string addr(master_addr);
    c10d::TCPStoreOptions o;
    o.port = static_cast<uint16_t>(master_port);
    o.isServer = rank == 0;
    o.numWorkers = static_cast<size_t>(world_size);
    o.waitWorkers = true;
    o.timeout = h->timeout;
    try {
      h->store = c10::make_intrusive<c10d::TCPStore>(addr, o);
    } catch (const c10::Error &e) {
      throw std::runtime_error("rank " + std::to_string(rank) + " of " + std::to_string(world_size) +
                               ": rendezvous at " + addr + ":" + std::to_string(master_port) + " failed within " +
                               std::to_string(timeout_ms / 1000.0) + " s (" + e.what_without_backtrace() +
                               "); check that every rank was started with the same MASTER_ADDR, MASTER_PORT and "
                               "WORLD_SIZE and that the port is free on the master");
    }
    std::string bind = bind_host && *bind_host ? std::string(bind_host) : (is_loopback(addr) ? "127.0.0.1" : "");
    try {
      h->pg = make_gloo(h->store, rank, world_size, h->timeout, bind);
    } catch (const c10::Error &e) {
      throw std::runtime_error(h->where("Gloo process group setup") + e.what_without_backtrace());
    }
    return h.release();
  })
}

void ct_dist_free(ct_dist pg) {
  if (!pg) return;
  try {
    delete pg;
  } catch (...) {
  }
}

int ct_dist_rank(ct_dist pg) { return pg ? pg->rank : -1; }
int ct_dist_world_size(ct_dist pg) { return pg ? pg->size : -1; }

int ct_dist_allreduce(ct_dist pg, const ct_tensor *tensors, int n, int op) {
  CT_TRY(-1, {
    TORCH_CHECK(pg != nullptr, "no process group");
    auto v = unwrap(tensors, n);
    if (v.empty()) return 0;
    c10d::AllreduceOptions o;
    switch (op) {
      case CT_REDUCE_SUM:
      case CT_REDUCE_AVG: o.reduceOp = c10d::ReduceOp::SUM; break;
      case CT_REDUCE_MAX: o.reduceOp = c10d::ReduceOp::MAX; break;
      case CT_REDUCE_MIN: o.reduceOp = c10d::ReduceOp::MIN; break;
      default: TORCH_CHECK(false, "unknown reduce op ", op);
    }
    o.timeout = pg->timeout;
    pg->run("allreduce", [&] { return pg->pg->allreduce(v, o); });
    if (op == CT_REDUCE_AVG && pg->size > 1) {
      for (auto &t : v) t.div_(pg->size);
    }
    return 0;
  })
}

int ct_dist_broadcast(ct_dist pg, const ct_tensor *tensors, int n, int root) {
  CT_TRY(-1, {
    TORCH_CHECK(pg != nullptr, "no process group");
    TORCH_CHECK(root >= 0 && root < pg->size, "broadcast root ", root, " is not a rank");
    auto v = unwrap(tensors, n);
    for (auto &t : v) {
      std::vector<at::Tensor> one{t};
      c10d::BroadcastOptions o;
      o.rootRank = root;
      o.timeout = pg->timeout;
      pg->run("broadcast", [&] { return pg->pg->broadcast(one, o); });
    }
    return 0;
  })
}

int ct_dist_allgather(ct_dist pg, ct_tensor input, const ct_tensor *outputs) {
  CT_TRY(-1, {
    TORCH_CHECK(pg != nullptr, "no process group");
    std::vector<at::Tensor> in = unwrap(&input, 1);
    std::vector<std::vector<at::Tensor>> out{unwrap(outputs, pg->size)};
    c10d::AllgatherOptions o;
    o.timeout = pg->timeout;
    pg->run("allgather", [&] { return pg->pg->allgather(out, in, o); });
    return 0;
  })
}

int ct_dist_barrier(ct_dist pg) {
  CT_TRY(-1, {
    TORCH_CHECK(pg != nullptr, "no process group");
    c10d::BarrierOptions o;
    o.timeout = pg->timeout;
    pg->run("barrier", [&] { return pg->pg->barrier(o); });
    return 0;
  })
}

int ct_dist_allreduce_grad_hook(ct_dist pg, ct_tensor t) {
  CT_TRY(-1, {
    TORCH_CHECK(pg != nullptr && t != nullptr, "no process group or tensor");
    TORCH_CHECK(t->t.requires_grad(), "the tensor does not require grad");
    c10::intrusive_ptr<c10d::Backend> backend = pg->pg;
    milliseconds timeout = pg->timeout;
    int rank = pg->rank, size = pg->size;
    t->t.register_hook([backend, timeout, rank, size](const at::Tensor &grad) {
      std::vector<at::Tensor> v{grad.contiguous().clone()};
      c10d::AllreduceOptions o;
      o.timeout = timeout;
      try {
        backend->allreduce(v, o)->wait();
      } catch (const c10::Error &e) {
        TORCH_CHECK(false, "rank ", rank, " of ", size, ": gradient allreduce failed: ", e.what_without_backtrace());
      }
      return v[0];
    });
    return 0;
  })
}

}  // extern "C"
