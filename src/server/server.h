// The whole server: builds the store, the workers and the listeners from the
// options, runs the main event loop (accepting, ticking the clock, catching
// SIGINT/SIGTERM; SIGUSR1 and "shutdown graceful" first stop accepting;
// SIGHUP reloads what can be reloaded, see Reload()) and
// tears everything down in order. As memcached: TCP on
// -p and UDP on -U, each on every -l address; or, with -s, the unix socket
// alone.
#ifndef MEMCD_SERVER_SERVER_H_
#define MEMCD_SERVER_SERVER_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "net/dispatcher.h"
#include "net/listener.h"
#include "net/tls.h"
#include "net/udp_socket.h"
#include "net/worker.h"
#include "server/admin_commands.h"
#include "server/auth_file.h"
#include "server/conn_registry.h"
#include "server/metrics_http.h"
#include "server/options.h"
#include "server/prefix_stats.h"
#include "server/server_context.h"
#include "server/session.h"
#include "server/udp_session.h"
#include "stats/watch_log.h"
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
  static void OnGracefulSignal(int signal, short what, void* arg);
  static void OnReloadSignal(int signal, short what, void* arg);
  static void OnHeldTimer(int fd, short what, void* arg);
  // SIGHUP: re-reads the -Y file (a bad file keeps the old entries, as
  // memcached) and, under -Z, the TLS certificate and key (as
  // "refresh_certs": new connections get them, a failure keeps the old).
  void Reload();
  // Main thread: a new connection (to serve over TLS when `tls`). Under
  // -o no_maxconns_fast, past -c it is held (unserved, like one in the
  // listen backlog) until one closes.
  void OnAccepted(int fd, bool tls);
  // Registers the listening and UDP sockets for "stats conns".
  void RegisterListeningSockets();
  // The TCP and UDP addresses from -l, -p and -U (none with -s).
  bool ListenAddresses(std::vector<ListenAddress>* tcp, std::vector<ListenAddress>* udp,
                       std::string* error) const;
  void Shutdown();

  ServerOptions options_;
  RealClock clock_;
  // Admin state: declared before the sessions, which use it to the end.
  AuthFile auth_;
  // -Y's entries in force: replaced whole on SIGHUP (std::atomic_store),
  // read by the workers with std::atomic_load.
  std::shared_ptr<const AuthFile> live_auth_;
  std::unique_ptr<ConnRegistry> conns_;
  std::unique_ptr<PrefixStats> prefixes_;
  AdminState admin_;
  // Before the store, whose threads log evictions to it until they stop.
  std::unique_ptr<WatchLog> watch_log_;
  std::unique_ptr<Store> store_;
  event_base* base_ = nullptr;
  event* clock_timer_ = nullptr;
  uint32_t ticks_ = 0;  // clock ticks (seconds), for the daily log line
  std::vector<event*> signal_events_;
  // -Z: the certificates new connections get. Before the sessions, which
  // borrow it to the end.
  std::unique_ptr<TlsContext> tls_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<WorkerSessions>> sessions_;  // one per worker
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Listener> listener_;
  UdpSockets udp_sockets_;
  std::vector<std::unique_ptr<UdpSession>> udp_sessions_;  // per worker and socket
  std::deque<std::pair<int, bool>> held_;  // no_maxconns_fast: {fd, tls} waiting for a slot
  event* held_timer_ = nullptr;    // retries them while any wait
  StatsBaseline baseline_;
  ServerContext ctx_;
  // -o metrics_port: stopped first in Shutdown(), since it reads ctx_.
  std::unique_ptr<MetricsServer> metrics_;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_SERVER_H_
