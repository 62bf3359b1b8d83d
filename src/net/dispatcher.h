// Hands accepted connections round-robin to the workers and enforces the
// connection limit (-c), answering over-limit clients with a fixed line and
// closing them, as memcached's maxconns_fast does.
#ifndef MEMCD_NET_DISPATCHER_H_
#define MEMCD_NET_DISPATCHER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "net/worker.h"

namespace memcd {

class Dispatcher {
 public:
  // `workers` are borrowed. `reject_line` is written to connections over the
  // limit before they are closed.
  Dispatcher(std::vector<Worker*> workers, int max_conns, std::string reject_line);

  // Main thread: takes ownership of an accepted fd; `tls` travels with it
  // to the worker (Worker::Enqueue()).
  void Dispatch(int fd, bool tls = false);
  // Any thread: a connection handed out by Dispatch() has closed.
  void OnConnectionClosed() { curr_conns_.fetch_sub(1, std::memory_order_relaxed); }

  uint64_t curr_conns() const { return curr_conns_.load(std::memory_order_relaxed); }
  // The most connections open at once since start: memcd's analogue of
  // memcached's connection_structures, which never shrinks.
  uint64_t peak_conns() const { return peak_conns_.load(std::memory_order_relaxed); }
  uint64_t total_conns() const { return total_conns_.load(std::memory_order_relaxed); }
  uint64_t rejected_conns() const { return rejected_conns_.load(std::memory_order_relaxed); }
  int max_conns() const { return max_conns_; }

 private:
  std::vector<Worker*> workers_;
  const int max_conns_;
  const std::string reject_line_;
  size_t next_ = 0;  // main thread only
  // Relaxed: these are statistics and a soft limit, not synchronisation.
  std::atomic<uint64_t> curr_conns_{0};
  std::atomic<uint64_t> peak_conns_{0};  // written by the main thread only
  std::atomic<uint64_t> total_conns_{0};
  std::atomic<uint64_t> rejected_conns_{0};
};

}  // namespace memcd

#endif  // MEMCD_NET_DISPATCHER_H_
