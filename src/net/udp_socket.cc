#include "net/udp_socket.h"

#include <arpa/inet.h>
#include <glog/logging.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/verbosity.h"
#include "net/udp_frame.h"

namespace memcd {

bool UdpSockets::Open(const std::vector<ListenAddress>& addresses, std::string* error) {
  for (const ListenAddress& a : addresses) {
    if (!Bind(a, error)) {
      Close();
      return false;
    }
  }
  return true;
}

bool UdpSockets::Bind(const ListenAddress& address, std::string* error) {
  return BindEach(
      address, SOCK_DGRAM, /*reuse_addr=*/false, "UDP ",
      [&](int fd, std::string* /*error*/) {
        fds_.push_back(fd);
        return true;
      },
      error);
}

void UdpSockets::Close() {
  for (int fd : fds_) close(fd);
  fds_.clear();
}

std::vector<int> UdpSockets::BoundPorts() const {
  std::vector<int> ports;
  for (int fd : fds_) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) continue;
    if (ss.ss_family == AF_INET) {
      ports.push_back(ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port));
    } else if (ss.ss_family == AF_INET6) {
      ports.push_back(ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port));
    }
  }
  return ports;
}

ssize_t ReceiveDatagram(int fd, char* buf, size_t cap, UdpPeer* from) {
  while (true) {
    from->len = sizeof(from->addr);
    ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT,
                         reinterpret_cast<sockaddr*>(&from->addr), &from->len);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    // Another worker took it, or nothing came.
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
}

size_t SendUdpReply(int fd, const UdpPeer& to, uint16_t request_id, std::string_view reply) {
  size_t sent = 0;
  for (UdpDatagram& d : SplitUdpReply(request_id, reply)) {
    iovec iov[2] = {{d.header, kUdpHeaderSize},
                    {const_cast<char*>(d.payload.data()), d.payload.size()}};
    msghdr msg{};
    msg.msg_name = const_cast<sockaddr_storage*>(&to.addr);
    msg.msg_namelen = to.len;
    msg.msg_iov = iov;
    msg.msg_iovlen = d.payload.empty() ? 1 : 2;
    ssize_t n;
    do {
      n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      MEMCD_VLOG(1) << "udp reply to request " << request_id << " cut short: " << strerror(errno);
      break;
    }
    sent += static_cast<size_t>(n);
  }
  return sent;
}

}  // namespace memcd
