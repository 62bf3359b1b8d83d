// Stream listeners on the main thread's event base: TCP, one per bound
// address, and memcached's unix socket (-s). Each accepted socket is tagged
// with whether its address was given as "notls:" (-Z serves TLS elsewhere).
#ifndef MEMCD_NET_LISTENER_H_
#define MEMCD_NET_LISTENER_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct event;
struct event_base;
struct evconnlistener;
struct sockaddr;

namespace memcd {

// One entry of memcached's -l syntax: "host", "host:port", "[v6]:port" or a
// bare IPv6 address, each optionally prefixed "notls:". An empty host (or
// "*") means every interface.
struct ListenAddress {
  std::string host;
  int port = 0;
  bool notls = false;  // "notls:": plaintext even under -Z
};
// Parses one -l entry; `default_port` applies when it names none.
bool ParseListenAddress(const std::string& spec, int default_port,
                        ListenAddress* out, std::string* error);

// Creates and binds a socket of `socktype` (SOCK_STREAM or SOCK_DGRAM; made
// non-blocking and close-on-exec) for every address `address` resolves to
// (IPv4 and IPv6 for an empty host; IPv6 sockets are v6-only, as
// memcached's), with SO_REUSEADDR when `reuse_addr`. Each bound socket goes
// to `use`, which owns it from then on and returns false (with *error) when
// it could not use it. False when nothing was bound, or when the port is in
// use anywhere (fatal, as in memcached); `what` names the socket kind in
// the error ("" for TCP, "UDP ").
bool BindEach(const ListenAddress& address, int socktype, bool reuse_addr,
              const char* what,
              const std::function<bool(int fd, std::string* error)>& use,
              std::string* error);

// memcached's accepting_conns, listen_disabled_num and
// time_in_listen_disabled_us: pauses in accepting (accept() failing, or -c
// reached under no_maxconns_fast). Changed on the main thread; read by any.
class ListenPauses {
 public:
  void Pause();   // nothing while paused
  void Resume();  // nothing while accepting
  bool accepting() const { return !paused_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Time spent in ended pauses, as memcached (which adds it on resuming).
  uint64_t paused_micros() const { return micros_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> paused_{false};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> micros_{0};
  std::chrono::steady_clock::time_point since_;  // main thread only
};

class Listener {
 public:
  // Called on the main thread with each accepted, non-blocking socket.
  using AcceptFn = std::function<void(int fd)>;
  // The same, told whether the socket came through a "notls:" address or
  // the unix socket (always plaintext, as memcached's).
  using TaggedAcceptFn = std::function<void(int fd, bool notls)>;

  Listener(event_base* base, AcceptFn on_accept);
  Listener(event_base* base, TaggedAcceptFn on_accept);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds and listens on every address (IPv4 and IPv6 for an empty host).
  bool Open(const std::vector<ListenAddress>& addresses, int backlog,
            std::string* error);
  // Listens on a unix stream socket at `path` whose file gets the permission
  // bits `mask` (-a). A socket file already there is removed first (a stale
  // one from an earlier run; any other file makes this fail), and Close()
  // removes ours again. REQUIRES: no other thread creates files meanwhile
  // (the mode comes from the process-wide umask, as in memcached).
  bool OpenUnix(const std::string& path, int mask, int backlog, std::string* error);
  // Closes every listening socket (and removes the unix socket's file).
  void Close();

  // Local ports actually bound (useful with port 0).
  std::vector<int> BoundPorts() const;
  // The listening sockets (still owned here), for "stats conns".
  std::vector<int> fds() const;

  // Counts this listener's own pauses (accept() failing); the server adds
  // the ones its connection limit makes.
  ListenPauses* pauses() { return &pauses_; }

 private:
  bool Bind(const ListenAddress& address, int backlog, std::string* error);
  bool Listen(int fd, int backlog, bool notls, std::string* error);
  bool EnsureRetryTimer(std::string* error);
  static void OnAccept(evconnlistener* listener, int fd, struct sockaddr* addr,
                       int socklen, void* arg);
  static void OnError(evconnlistener* listener, void* arg);
  static void OnRetry(int fd, short what, void* arg);

  event_base* base_;
  TaggedAcceptFn on_accept_;
  std::vector<evconnlistener*> listeners_;
  std::vector<bool> notls_;       // per entry of listeners_
  event* retry_timer_ = nullptr;  // re-enables accepting after EMFILE and the like
  std::string unix_path_;         // our socket file, removed by Close()
  dev_t unix_dev_ = 0;            // its identity: a file that replaced it stays
  ino_t unix_ino_ = 0;
  ListenPauses pauses_;
};

}  // namespace memcd

#endif  // MEMCD_NET_LISTENER_H_
