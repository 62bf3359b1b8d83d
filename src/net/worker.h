// A worker thread: its own libevent base, an eventfd to wake it, and a queue
// of new connections handed over by the dispatcher (memcached's model). Every
// connection handed to a worker lives on its base until it closes.
#ifndef MEMCD_NET_WORKER_H_
#define MEMCD_NET_WORKER_H_

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct event;
struct event_base;

namespace memcd {

class Worker {
 public:
  // Runs on the worker thread for each connection handed to it; takes
  // ownership of the fd. The tagged form also gets Enqueue()'s `tls`.
  using NewConnectionFn = std::function<void(Worker* worker, int fd)>;
  using TaggedConnectionFn = std::function<void(Worker* worker, int fd, bool tls)>;

  Worker(int id, NewConnectionFn on_new_connection);
  Worker(int id, TaggedConnectionFn on_new_connection);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Creates the event base and the wake-up eventfd.
  bool Init(std::string* error);
  // Starts the thread, which runs the event loop until Stop().
  void Start();
  // Asks the loop to exit and joins the thread. Connections left on the base
  // are the owner's to tear down afterwards (from any thread, the worker being
  // gone). Idempotent.
  void Stop();

  // Any thread: queue a new connection fd (to be served over TLS when
  // `tls`) and wake the worker.
  void Enqueue(int fd, bool tls = false);

  int id() const { return id_; }
  event_base* base() const { return base_; }

 private:
  static void OnWake(int fd, short what, void* arg);
  void Wake();
  void DrainQueue();

  const int id_;
  TaggedConnectionFn on_new_connection_;
  event_base* base_ = nullptr;
  event* wake_event_ = nullptr;
  int wake_fd_ = -1;  // eventfd: one write wakes the loop

  struct Pending {
    int fd;
    bool tls;
  };
  std::mutex mu_;                // guards pending_ and stopping_
  std::vector<Pending> pending_;  // connections not yet picked up by the worker
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace memcd

#endif  // MEMCD_NET_WORKER_H_
