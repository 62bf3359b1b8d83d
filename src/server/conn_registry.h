// Every open socket of the server, for "stats conns": listeners, UDP
// sockets and client connections. Updated on open and close under a mutex;
// on the request path a connection only stores its last-command time
// (relaxed). Read when a client asks.
#ifndef MEMCD_SERVER_CONN_REGISTRY_H_
#define MEMCD_SERVER_CONN_REGISTRY_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"

namespace memcd {

// memcached's text for a socket address: "tcp:1.2.3.4:5", "tcp6:[::1]:5",
// "udp:...", "unix:/path", and "?:<AF n>" for an address it cannot name
// (an accepted unix-socket client has none).
std::string SocketAddressText(const void* sockaddr, size_t len, bool udp);

class ConnRegistry {
 public:
  enum class Kind { kListener, kUdp, kClient };

  // One socket. Fields other than the atomics never change after Add().
  struct Entry {
    int fd = -1;
    Kind kind = Kind::kClient;
    std::string addr;         // peer (clients) or local address
    std::string listen_addr;  // clients: the local address they came in on
    std::atomic<RelTime> last_cmd{0};  // relaxed: a statistic
    std::atomic<bool> active{false};   // relaxed: has sent anything yet
  };

  explicit ConnRegistry(const Clock* clock) : clock_(clock) {}
  ConnRegistry(const ConnRegistry&) = delete;
  ConnRegistry& operator=(const ConnRegistry&) = delete;

  // Registers socket `fd`, naming it from getsockname()/getpeername(). The
  // entry stays valid until Remove(fd); `fd` must be open and unregistered.
  Entry* Add(int fd, Kind kind);
  void Remove(int fd);

  // "stats conns": per socket, by fd, memcached's lines
  //   STAT <fd>:addr <addr>           (UDP sockets: "STAT <fd>:UDP UDP" first)
  //   STAT <fd>:listen_addr <addr>    (clients only)
  //   STAT <fd>:state <state>
  //   STAT <fd>:secs_since_last_cmd <n>
  // then "END\r\n". `asking_fd` is the connection running the command
  // (state conn_parse_cmd); other clients are conn_read, or conn_new_cmd
  // before their first bytes.
  std::string Report(int asking_fd) const;

 private:
  const Clock* clock_;
  mutable std::mutex mu_;  // guards entries_ (not the entries' atomics)
  std::map<int, std::unique_ptr<Entry>> entries_;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_CONN_REGISTRY_H_
