#include "net/worker.h"

#include <event2/event.h>
#include <glog/logging.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/thread_name.h"
#include "base/verbosity.h"

namespace memcd {

Worker::Worker(int id, NewConnectionFn on_new_connection)
    : id_(id),
      on_new_connection_([fn = std::move(on_new_connection)](Worker* w, int fd, bool) {
        fn(w, fd);
      }) {}

Worker::Worker(int id, TaggedConnectionFn on_new_connection)
    : id_(id), on_new_connection_(std::move(on_new_connection)) {}

Worker::~Worker() {
  Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Pending& p : pending_) close(p.fd);
    pending_.clear();
  }
  if (wake_event_ != nullptr) event_free(wake_event_);
  if (wake_fd_ >= 0) close(wake_fd_);
  if (base_ != nullptr) event_base_free(base_);
}

bool Worker::Init(std::string* error) {
  base_ = event_base_new();
  if (base_ == nullptr) {
    *error = "event_base_new failed";
    return false;
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    *error = std::string("eventfd: ") + strerror(errno);
    return false;
  }
  wake_event_ = event_new(base_, wake_fd_, EV_READ | EV_PERSIST, &Worker::OnWake, this);
  if (wake_event_ == nullptr || event_add(wake_event_, nullptr) != 0) {
    *error = "cannot register the worker's wake-up event";
    return false;
  }
  return true;
}

void Worker::Start() {
  thread_ = std::thread([this] {
    SetThreadName("memcd-worker");
    MEMCD_VLOG(3) << "worker " << id_ << " started";
    event_base_loop(base_, 0);
    MEMCD_VLOG(3) << "worker " << id_ << " stopped";
  });
}

void Worker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  if (thread_.joinable()) {
    Wake();
    thread_.join();
  }
}

void Worker::Enqueue(int fd, bool tls) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      close(fd);
      return;
    }
    pending_.push_back({fd, tls});
  }
  Wake();
}

void Worker::Wake() {
  uint64_t one = 1;
  // A full counter (never in practice) still leaves the fd readable.
  ssize_t n = write(wake_fd_, &one, sizeof(one));
  (void)n;
}

void Worker::OnWake(int fd, short /*what*/, void* arg) {
  auto* self = static_cast<Worker*>(arg);
  uint64_t count;
  ssize_t n = read(fd, &count, sizeof(count));
  (void)n;
  self->DrainQueue();
}

void Worker::DrainQueue() {
  std::vector<Pending> fds;
  bool stopping;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fds.swap(pending_);
    stopping = stopping_;
  }
  for (const Pending& p : fds) {
    if (stopping) {
      close(p.fd);
    } else {
      on_new_connection_(this, p.fd, p.tls);
    }
  }
  if (stopping) event_base_loopbreak(base_);
}

}  // namespace memcd
