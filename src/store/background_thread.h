// A store background thread (LRU maintainer, LRU crawler): calls `pass`
// again and again until stopped, sleeping between passes. After a pass that
// did work (returned > 0) it sleeps `min_sleep`; while passes find nothing
// the sleep doubles up to `max_sleep`. Wake() cuts the current sleep short;
// WakeIfNapping() does so only while the thread sleeps after a pass that
// found nothing (it cannot know about work that came since), cheaply enough
// for a request path. The store owns it; it knows nothing about items.
#ifndef MEMCD_STORE_BACKGROUND_THREAD_H_
#define MEMCD_STORE_BACKGROUND_THREAD_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace memcd {

class BackgroundThread {
 public:
  using Pass = std::function<int()>;

  // `name` (static storage, at most 15 bytes) names the thread (ps -L).
  BackgroundThread(const char* name, Pass pass, std::chrono::microseconds min_sleep,
                   std::chrono::microseconds max_sleep);
  // Stops and joins.
  ~BackgroundThread();
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;

  // Start() on a running thread and Stop() on a stopped one do nothing.
  void Start();
  void Stop();
  void Wake();
  // One relaxed load while the thread is busy or already woken; of the
  // callers during one nap, only the first pays for the wake-up.
  void WakeIfNapping();
  // True while the thread sleeps after a pass that returned 0.
  bool napping() const { return napping_.load(std::memory_order_relaxed); }
  bool running() const;

 private:
  void Loop();

  const char* const name_;
  const Pass pass_;
  const std::chrono::microseconds min_sleep_;
  const std::chrono::microseconds max_sleep_;
  mutable std::mutex mu_;       // guards stop_, wake_, running_
  std::condition_variable cv_;  // signalled by Stop() and Wake()
  bool stop_ = false;
  bool wake_ = false;
  bool running_ = false;
  std::mutex start_stop_mu_;  // serializes Start/Stop; guards thread_
  std::thread thread_;
  // Read on request paths: a line of its own, away from mu_, which the
  // thread locks every pass.
  alignas(64) std::atomic<bool> napping_{false};
};

}  // namespace memcd

#endif  // MEMCD_STORE_BACKGROUND_THREAD_H_
