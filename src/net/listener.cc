#include "net/listener.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <glog/logging.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "base/numbers.h"

namespace memcd {

bool ParseListenAddress(const std::string& spec, int default_port,
                        ListenAddress* out, std::string* error) {
  constexpr std::string_view kNoTls = "notls:";
  std::string host = spec;
  std::string port;
  out->notls = host.compare(0, kNoTls.size(), kNoTls) == 0;
  if (out->notls) host.erase(0, kNoTls.size());
  if (!host.empty() && host[0] == '[') {
    size_t close = host.find(']');
    if (close == std::string::npos) {
      *error = "bad listen address (missing ']'): " + spec;
      return false;
    }
    std::string rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        *error = "bad listen address: " + spec;
        return false;
      }
      port = rest.substr(1);
    }
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    size_t colon = host.find(':');
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  out->host = host == "*" ? std::string() : host;
  out->port = default_port;
  if (!port.empty()) {
    uint32_t p;
    if (!ParseUint32(port, &p) || p > 65535) {
      *error = "bad port in listen address: " + spec;
      return false;
    }
    out->port = static_cast<int>(p);
  }
  return true;
}

Listener::Listener(event_base* base, AcceptFn on_accept)
    : base_(base), on_accept_([fn = std::move(on_accept)](int fd, bool) { fn(fd); }) {}

Listener::Listener(event_base* base, TaggedAcceptFn on_accept)
    : base_(base), on_accept_(std::move(on_accept)) {}

Listener::~Listener() { Close(); }

bool Listener::Open(const std::vector<ListenAddress>& addresses, int backlog,
                    std::string* error) {
  for (const ListenAddress& a : addresses) {
    if (!Bind(a, backlog, error)) {
      Close();
      return false;
    }
  }
  return EnsureRetryTimer(error);
}

bool Listener::EnsureRetryTimer(std::string* error) {
  if (retry_timer_ == nullptr) {
    retry_timer_ = evtimer_new(base_, &Listener::OnRetry, this);
  }
  if (retry_timer_ == nullptr) *error = "cannot create the accept retry timer";
  return retry_timer_ != nullptr;
}

bool BindEach(const ListenAddress& address, int socktype, bool reuse_addr,
              const char* what,
              const std::function<bool(int fd, std::string* error)>& use,
              std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  hints.ai_flags = AI_PASSIVE | AI_ADDRCONFIG;
  const std::string port = std::to_string(address.port);
  addrinfo* result = nullptr;
  const char* host = address.host.empty() ? nullptr : address.host.c_str();
  int rc = getaddrinfo(host, port.c_str(), &hints, &result);
  if (rc != 0) {
    *error = "getaddrinfo(" + address.host + "): " + gai_strerror(rc);
    return false;
  }
  int bound = 0;
  bool in_use = false;  // a port in use is fatal, as in memcached
  std::string last_error;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0) {
      last_error = strerror(errno);
      continue;
    }
    int on = 1;
    if (reuse_addr) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (ai->ai_family == AF_INET6) {
      // Keep v4 on its own socket, as memcached does.
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      int err = errno;
      last_error = std::string("bind: ") + strerror(err);
      close(fd);
      if (err == EADDRINUSE) {
        in_use = true;
        break;
      }
      continue;
    }
    if (!use(fd, &last_error)) continue;
    bound++;
  }
  freeaddrinfo(result);
  if (bound == 0 || in_use) {
    *error = std::string("failed to listen on ") + what +
             (address.host.empty() ? std::string("*") : address.host) + ":" +
             port + ": " + last_error;
    return false;
  }
  return true;
}

bool Listener::Bind(const ListenAddress& address, int backlog,
                    std::string* error) {
  return BindEach(
      address, SOCK_STREAM, /*reuse_addr=*/true, "",
      [&](int fd, std::string* e) { return Listen(fd, backlog, address.notls, e); }, error);
}

// Takes ownership of the bound `fd`, closing it on failure.
bool Listener::Listen(int fd, int backlog, bool notls, std::string* error) {
  evconnlistener* l = evconnlistener_new(
      base_, &Listener::OnAccept, this,
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, backlog, fd);
  if (l == nullptr) {
    *error = std::string("listen: ") + strerror(errno);
    close(fd);
    return false;
  }
  evconnlistener_set_error_cb(l, &Listener::OnError);
  listeners_.push_back(l);
  notls_.push_back(notls);
  return true;
}

bool Listener::OpenUnix(const std::string& path, int mask, int backlog,
                        std::string* error) {
  const std::string what = "failed to listen on UNIX socket " + path + ": ";
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    *error = what + "path empty or too long";
    return false;
  }
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path.data(), path.size());
  // Only a socket is fair game: memcached's lstat() check.
  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = what + strerror(errno);
    return false;
  }
  // bind() creates the file: the umask gives it the -a bits, as memcached.
  const mode_t old_umask = umask(static_cast<mode_t>(~mask & 0777));
  const int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  const int bind_errno = errno;
  umask(old_umask);
  if (rc != 0) {
    *error = what + strerror(bind_errno);
    close(fd);
    return false;
  }
  if (lstat(path.c_str(), &st) == 0) {
    unix_path_ = path;
    unix_dev_ = st.st_dev;
    unix_ino_ = st.st_ino;
  }
  std::string listen_error;
  if (!Listen(fd, backlog, /*notls=*/true, &listen_error)) {
    *error = what + listen_error;
    return false;
  }
  return EnsureRetryTimer(error);
}

void Listener::Close() {
  for (evconnlistener* l : listeners_) evconnlistener_free(l);
  listeners_.clear();
  notls_.clear();
  if (!unix_path_.empty()) {
    struct stat st;
    if (lstat(unix_path_.c_str(), &st) == 0 && st.st_dev == unix_dev_ &&
        st.st_ino == unix_ino_ && unlink(unix_path_.c_str()) != 0) {
      LOG(WARNING) << "cannot remove " << unix_path_ << ": " << strerror(errno);
    }
    unix_path_.clear();
  }
  if (retry_timer_ != nullptr) {
    event_free(retry_timer_);
    retry_timer_ = nullptr;
  }
}

std::vector<int> Listener::fds() const {
  std::vector<int> fds;
  for (evconnlistener* l : listeners_) fds.push_back(evconnlistener_get_fd(l));
  return fds;
}

std::vector<int> Listener::BoundPorts() const {
  std::vector<int> ports;
  for (evconnlistener* l : listeners_) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    if (getsockname(evconnlistener_get_fd(l), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
      continue;
    }
    if (ss.ss_family == AF_INET) {
      ports.push_back(ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port));
    } else if (ss.ss_family == AF_INET6) {
      ports.push_back(ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port));
    }
  }
  return ports;
}

void Listener::OnAccept(evconnlistener* listener, int fd,
                        struct sockaddr* addr, int /*socklen*/, void* arg) {
  if (addr == nullptr || addr->sa_family != AF_UNIX) {
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  }
  auto* self = static_cast<Listener*>(arg);
  // A handful of listeners: a scan beats a map.
  const auto it = std::find(self->listeners_.begin(), self->listeners_.end(), listener);
  const bool notls = it == self->listeners_.end() || self->notls_[it - self->listeners_.begin()];
  self->on_accept_(fd, notls);
}

void ListenPauses::Pause() {
  if (paused_.load(std::memory_order_relaxed)) return;
  since_ = std::chrono::steady_clock::now();
  count_.fetch_add(1, std::memory_order_relaxed);
  paused_.store(true, std::memory_order_relaxed);
}

void ListenPauses::Resume() {
  if (!paused_.load(std::memory_order_relaxed)) return;
  const auto paused = std::chrono::steady_clock::now() - since_;
  micros_.fetch_add(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(paused).count()),
      std::memory_order_relaxed);
  paused_.store(false, std::memory_order_relaxed);
}

void Listener::OnError(evconnlistener* /*listener*/, void* arg) {
  // Typically EMFILE/ENFILE: stop accepting briefly instead of spinning.
  auto* self = static_cast<Listener*>(arg);
  LOG(WARNING) << "accept failed: " << strerror(errno) << "; pausing accepts";
  self->pauses_.Pause();
  for (evconnlistener* l : self->listeners_) evconnlistener_disable(l);
  timeval delay{0, 100 * 1000};
  evtimer_add(self->retry_timer_, &delay);
}

void Listener::OnRetry(int /*fd*/, short /*what*/, void* arg) {
  auto* self = static_cast<Listener*>(arg);
  for (evconnlistener* l : self->listeners_) evconnlistener_enable(l);
  self->pauses_.Resume();
}

}  // namespace memcd
