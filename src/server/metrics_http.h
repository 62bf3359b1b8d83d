// -o metrics_port=N: a small HTTP server (libevent's evhttp) on its own
// thread and event base. "GET /metrics" (or HEAD; any query string) answers
// 200 with the page `render` builds; every other path 404, every other
// method 501 (evhttp's own answer). Rendering runs on the metrics thread,
// so a scrape costs the workers nothing beyond the locks "stats" takes.
#ifndef MEMCD_SERVER_METRICS_HTTP_H_
#define MEMCD_SERVER_METRICS_HTTP_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "net/listener.h"

struct event;
struct event_base;
struct evhttp;
struct evhttp_request;

namespace memcd {

// Where the metrics port listens, given -l and -s: the host of every -l
// entry (its port part ignored), in order, duplicates dropped; with no -l,
// every interface (IPv4 and IPv6, as the cache port); with -s (no network
// listener at all), 127.0.0.1 only.
// False (with *error) for an -l entry that does not parse.
bool MetricsAddresses(const std::vector<std::string>& listen, const std::string& unix_socket,
                      int port, std::vector<ListenAddress>* out, std::string* error);

class MetricsServer {
 public:
  using RenderFn = std::function<void(std::string* page)>;

  explicit MetricsServer(RenderFn render);
  ~MetricsServer();  // Stop()s
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds every address (fatal if any port is taken, as for the cache
  // port), then starts the thread.
  bool Start(const std::vector<ListenAddress>& addresses, std::string* error);
  // Stops the thread and closes the sockets. Idempotent.
  void Stop();
  // The bound port (useful when asked for port 0); 0 before Start().
  int port() const { return port_; }

 private:
  static void OnRequest(evhttp_request* req, void* arg);
  static void OnWake(int fd, short what, void* arg);

  RenderFn render_;
  event_base* base_ = nullptr;
  evhttp* http_ = nullptr;
  event* wake_event_ = nullptr;
  int wake_fds_[2] = {-1, -1};  // pipe: Stop() writes, the thread wakes and exits
  int port_ = 0;
  std::thread thread_;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_METRICS_HTTP_H_
