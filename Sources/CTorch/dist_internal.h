// The process-group handle behind `ct_dist`, shared by dist.cpp (collectives) and ddp_reducer.cpp (gradient
// buckets all-reduced from autograd hooks).
#pragma once
#include <chrono>
#include <stdexcept>
#include <string>

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

struct ct_dist_s {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> pg;
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{0};

  std::string where(const char *op) const {
    return "rank " + std::to_string(rank) + " of " + std::to_string(size) + ": " + op + " failed: ";
  }
  // Runs a collective and waits for it; failures name this rank and the operation.
  template <class F>
  void run(const char *op, F &&f) {
    try {
      c10::intrusive_ptr<c10d::Work> work = f();
      work->wait();
    } catch (const c10::Error &e) {
      throw std::runtime_error(where(op) + e.what_without_backtrace());
    } catch (const std::exception &e) {
      throw std::runtime_error(where(op) + e.what());
    }
  }
};

