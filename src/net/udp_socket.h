// UDP sockets for memcached's -U: bound once on the -l addresses and shared
// by every worker, which race to receive datagrams (memcached's model). A
// reply goes back to the sender as framed datagrams (net/udp_frame.h).
#ifndef MEMCD_NET_UDP_SOCKET_H_
#define MEMCD_NET_UDP_SOCKET_H_

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/listener.h"

namespace memcd {

class UdpSockets {
 public:
  UdpSockets() = default;
  ~UdpSockets() { Close(); }
  UdpSockets(const UdpSockets&) = delete;
  UdpSockets& operator=(const UdpSockets&) = delete;

  // Binds a socket per address (IPv4 and IPv6 for an empty host). The
  // sockets block on send, so a full send buffer delays a reply instead of
  // cutting it short; receives never block (ReceiveDatagram).
  bool Open(const std::vector<ListenAddress>& addresses, std::string* error);
  void Close();

  const std::vector<int>& fds() const { return fds_; }
  // Local ports actually bound (useful with port 0).
  std::vector<int> BoundPorts() const;

 private:
  bool Bind(const ListenAddress& address, std::string* error);

  std::vector<int> fds_;
};

// Where a datagram came from, to send the reply back.
struct UdpPeer {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

// Receives one datagram into buf[0, cap) without blocking. Returns its size,
// 0 when none is waiting, -1 on another error (errno set).
ssize_t ReceiveDatagram(int fd, char* buf, size_t cap, UdpPeer* from);

// Sends `reply` to `to` as the datagrams of one message for `request_id`
// (SplitUdpReply). Returns the bytes sent, headers included; stops at the
// first failed send.
size_t SendUdpReply(int fd, const UdpPeer& to, uint16_t request_id, std::string_view reply);

}  // namespace memcd

#endif  // MEMCD_NET_UDP_SOCKET_H_
