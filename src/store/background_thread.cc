#include "store/background_thread.h"

#include <algorithm>
#include <utility>

#include "base/thread_name.h"

namespace memcd {

BackgroundThread::BackgroundThread(const char* name, Pass pass,
                                   std::chrono::microseconds min_sleep,
                                   std::chrono::microseconds max_sleep)
    : name_(name),
      pass_(std::move(pass)), min_sleep_(min_sleep), max_sleep_(max_sleep) {}

BackgroundThread::~BackgroundThread() { Stop(); }

void BackgroundThread::Start() {
  std::lock_guard<std::mutex> guard(start_stop_mu_);
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
    running_ = true;
  }
  thread_ = std::thread([this] {
    SetThreadName(name_);
    Loop();
  });
}

void BackgroundThread::Stop() {
  std::lock_guard<std::mutex> guard(start_stop_mu_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  running_ = false;
}

void BackgroundThread::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void BackgroundThread::WakeIfNapping() {
  if (napping_.load(std::memory_order_relaxed) &&
      napping_.exchange(false, std::memory_order_relaxed)) {
    Wake();
  }
}

bool BackgroundThread::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void BackgroundThread::Loop() {
  std::chrono::microseconds sleep = min_sleep_;
  while (true) {
    const int did = pass_();
    sleep = did > 0 ? min_sleep_ : std::min(sleep * 2, max_sleep_);
    std::unique_lock<std::mutex> lock(mu_);
    // Set under mu_: a WakeIfNapping() that sees it waits for the wait
    // below to release mu_, so its Wake() is not lost.
    if (did == 0) napping_.store(true, std::memory_order_relaxed);
    cv_.wait_for(lock, sleep, [this] { return stop_ || wake_; });
    if (did == 0) napping_.store(false, std::memory_order_relaxed);
    if (stop_) return;
    if (wake_) sleep = min_sleep_;
    wake_ = false;
  }
}

}  // namespace memcd
