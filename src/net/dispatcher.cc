#include "net/dispatcher.h"

#include <glog/logging.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/verbosity.h"

namespace memcd {

Dispatcher::Dispatcher(std::vector<Worker*> workers, int max_conns,
                       std::string reject_line)
    : workers_(std::move(workers)),
      max_conns_(max_conns),
      reject_line_(std::move(reject_line)) {
  CHECK(!workers_.empty());
}

void Dispatcher::Dispatch(int fd, bool tls) {
  if (curr_conns_.load(std::memory_order_relaxed) >=
      static_cast<uint64_t>(max_conns_)) {
    rejected_conns_.fetch_add(1, std::memory_order_relaxed);
    // Best effort: the socket is new, so its send buffer has room.
    ssize_t n = send(fd, reject_line_.data(), reject_line_.size(), MSG_NOSIGNAL);
    (void)n;
    close(fd);
    MEMCD_VLOG(1) << "rejected connection: limit of " << max_conns_ << " reached";
    return;
  }
  uint64_t open = curr_conns_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (open > peak_conns_.load(std::memory_order_relaxed)) {
    peak_conns_.store(open, std::memory_order_relaxed);
  }
  total_conns_.fetch_add(1, std::memory_order_relaxed);
  Worker* w = workers_[next_];
  next_ = (next_ + 1) % workers_.size();
  w->Enqueue(fd, tls);
}

}  // namespace memcd
