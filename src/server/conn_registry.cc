#include "server/conn_registry.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "stats/stats_writer.h"

namespace memcd {

std::string SocketAddressText(const void* sockaddr, size_t len, bool udp) {
  sockaddr_storage ss{};
  memcpy(&ss, sockaddr, std::min(len, sizeof(ss)));
  char text[INET6_ADDRSTRLEN + 2] = "";
  unsigned port = 0;
  const char* proto = "?";
  std::string path;
  switch (ss.ss_family) {
    case AF_INET: {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
      inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
      port = ntohs(in->sin_port);
      proto = udp ? "udp" : "tcp";
      break;
    }
    case AF_INET6: {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      text[0] = '[';
      if (inet_ntop(AF_INET6, &in6->sin6_addr, text + 1, sizeof(text) - 2)) {
        strcat(text, "]");
      }
      port = ntohs(in6->sin6_port);
      proto = udp ? "udp6" : "tcp6";
      break;
    }
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
      path.assign(un->sun_path, strnlen(un->sun_path, sizeof(un->sun_path)));
      proto = "unix";
      break;
    }
    default:
      break;
  }
  std::string out = proto;
  out += ':';
  if (ss.ss_family == AF_UNIX) {
    out += path;
  } else if (strlen(text) < 2) {
    out += "<AF " + std::to_string(ss.ss_family) + ">";
  } else {
    out += text;
  }
  if (port != 0) out += ":" + std::to_string(port);
  return out;
}

namespace {

std::string LocalAddress(int fd, bool udp) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) len = 0;
  return SocketAddressText(&ss, len, udp);
}

std::string PeerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) len = 0;
  // memcached keeps no peer address for unix-socket clients.
  if (ss.ss_family == AF_UNIX) ss.ss_family = 0;
  return SocketAddressText(&ss, len, false);
}

}  // namespace

ConnRegistry::Entry* ConnRegistry::Add(int fd, Kind kind) {
  auto e = std::make_unique<Entry>();
  e->fd = fd;
  e->kind = kind;
  if (kind == Kind::kClient) {
    e->addr = PeerAddress(fd);
    e->listen_addr = LocalAddress(fd, false);
  } else {
    e->addr = LocalAddress(fd, kind == Kind::kUdp);
  }
  e->last_cmd.store(clock_->Now(), std::memory_order_relaxed);
  Entry* raw = e.get();
  std::lock_guard<std::mutex> lock(mu_);
  entries_[fd] = std::move(e);
  return raw;
}

void ConnRegistry::Remove(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(fd);
}

std::string ConnRegistry::Report(int asking_fd) const {
  const RelTime now = clock_->Now();
  std::string out;
  StatsWriter w(&out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [fd, e] : entries_) {
    const std::string p = std::to_string(fd) + ":";
    if (e->kind == Kind::kUdp) w.Add(p + "UDP", "UDP");
    w.Add(p + "addr", e->addr);
    if (e->kind == Kind::kClient) w.Add(p + "listen_addr", e->listen_addr);
    const char* state = "conn_read";
    if (e->kind == Kind::kListener) {
      state = "conn_listening";
    } else if (fd == asking_fd) {
      state = "conn_parse_cmd";
    } else if (e->kind == Kind::kClient &&
               !e->active.load(std::memory_order_relaxed)) {
      state = "conn_new_cmd";
    }
    w.Add(p + "state", state);
    const RelTime last = e->last_cmd.load(std::memory_order_relaxed);
    w.Add(p + "secs_since_last_cmd", uint64_t{now >= last ? now - last : 0});
  }
  w.End();
  return out;
}

}  // namespace memcd
