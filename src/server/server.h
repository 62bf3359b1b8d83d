// The whole server: builds the store, the workers and the listeners from the
// options, runs the main event loop (accepting, ticking the clock, catching
// SIGINT/SIGTERM) and tears everything down in order.
#ifndef MEMCD_SERVER_SERVER_H_
#define MEMCD_SERVER_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "net/dispatcher.h"
#include "net/listener.h"
#include "net/worker.h"
#include "server/options.h"
#include "server/server_context.h"
#include "server/session.h"
#include "store/store.h"

struct event;
struct event_base;

namespace memcd {

class Server {
 public:
  explicit Server(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listeners, drops privileges (-u), starts the workers.
  bool Start(std::string* error);
  // Runs until SIGINT or SIGTERM, then stops everything. Returns the exit code.
  int Run();

 private:
  static void OnClockTick(int fd, short what, void* arg);
  static void OnStopSignal(int signal, short what, void* arg);
  void Shutdown();

  ServerOptions options_;
  RealClock clock_;
  std::unique_ptr<Store> store_;
  event_base* base_ = nullptr;
  event* clock_timer_ = nullptr;
  std::vector<event*> signal_events_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<WorkerSessions>> sessions_;  // one per worker
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Listener> listener_;
  StatsBaseline baseline_;
  ServerContext ctx_;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_SERVER_H_
