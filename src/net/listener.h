// TCP listeners on the main thread's event base, one per bound address.
#ifndef MEMCD_NET_LISTENER_H_
#define MEMCD_NET_LISTENER_H_

#include <functional>
#include <string>
#include <vector>

struct event;
struct event_base;
struct evconnlistener;
struct sockaddr;

namespace memcd {

// One entry of memcached's -l syntax: "host", "host:port", "[v6]:port" or a
// bare IPv6 address. An empty host means every interface.
struct ListenAddress {
  std::string host;
  int port = 0;
};
// Parses one -l entry; `default_port` applies when it names none.
bool ParseListenAddress(const std::string& spec, int default_port,
                        ListenAddress* out, std::string* error);

class Listener {
 public:
  // Called on the main thread with each accepted, non-blocking socket.
  using AcceptFn = std::function<void(int fd)>;

  Listener(event_base* base, AcceptFn on_accept);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds and listens on every address (IPv4 and IPv6 for an empty host).
  bool Open(const std::vector<ListenAddress>& addresses, int backlog,
            std::string* error);
  // Closes every listening socket.
  void Close();

  // Local ports actually bound (useful with port 0).
  std::vector<int> BoundPorts() const;

 private:
  bool Bind(const ListenAddress& address, int backlog, std::string* error);
  static void OnAccept(evconnlistener* listener, int fd, struct sockaddr* addr,
                       int socklen, void* arg);
  static void OnError(evconnlistener* listener, void* arg);
  static void OnRetry(int fd, short what, void* arg);

  event_base* base_;
  AcceptFn on_accept_;
  std::vector<evconnlistener*> listeners_;
  event* retry_timer_ = nullptr;  // re-enables accepting after EMFILE and the like
};

}  // namespace memcd

#endif  // MEMCD_NET_LISTENER_H_
