#include "server/metrics_http.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <glog/logging.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/thread_name.h"
#include "stats/prometheus_writer.h"

namespace memcd {
namespace {

// A scrape that stalls this long is dropped.
constexpr int kHttpTimeoutSeconds = 10;
constexpr int kHttpBacklog = 64;  // scrapers are few

int BoundPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  }
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  }
  return 0;
}

}  // namespace

bool MetricsAddresses(const std::vector<std::string>& listen, const std::string& unix_socket,
                      int port, std::vector<ListenAddress>* out, std::string* error) {
  out->clear();
  if (!unix_socket.empty()) {
    out->push_back({"127.0.0.1", port});
    return true;
  }
  if (listen.empty()) {
    out->push_back({"", port});
    return true;
  }
  for (const std::string& spec : listen) {
    ListenAddress a;
    if (!ParseListenAddress(spec, port, &a, error)) return false;
    const bool seen = std::any_of(out->begin(), out->end(),
                                  [&a](const ListenAddress& b) { return b.host == a.host; });
    if (!seen) out->push_back({a.host, port});
  }
  return true;
}

MetricsServer::MetricsServer(RenderFn render) : render_(std::move(render)) {}

MetricsServer::~MetricsServer() { Stop(); }

bool MetricsServer::Start(const std::vector<ListenAddress>& addresses, std::string* error) {
  CHECK(base_ == nullptr) << "MetricsServer started twice";
  base_ = event_base_new();
  if (base_ == nullptr) {
    *error = "metrics: event_base_new failed";
    return false;
  }
  http_ = evhttp_new(base_);
  if (http_ == nullptr) {
    *error = "metrics: evhttp_new failed";
    return false;
  }
  evhttp_set_timeout(http_, kHttpTimeoutSeconds);
  evhttp_set_allowed_methods(http_, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
  evhttp_set_gencb(http_, &MetricsServer::OnRequest, this);
  for (const ListenAddress& address : addresses) {
    const bool ok = BindEach(
        address, SOCK_STREAM, /*reuse_addr=*/true, "metrics ",
        [this](int fd, std::string* e) {
          // evhttp does not listen() on a socket it is given; it closes it
          // when freed.
          if (listen(fd, kHttpBacklog) != 0 ||
              evhttp_accept_socket_with_handle(http_, fd) == nullptr) {
            *e = std::string("metrics: listen: ") + strerror(errno);
            close(fd);
            return false;
          }
          if (port_ == 0) port_ = BoundPort(fd);
          return true;
        },
        error);
    if (!ok) {
      *error = "metrics port " + std::to_string(address.port) + ": " + *error;
      return false;
    }
  }
  if (pipe2(wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    *error = std::string("metrics: pipe: ") + strerror(errno);
    return false;
  }
  wake_event_ = event_new(base_, wake_fds_[0], EV_READ, &MetricsServer::OnWake, this);
  if (wake_event_ == nullptr || event_add(wake_event_, nullptr) != 0) {
    *error = "metrics: cannot watch the wake pipe";
    return false;
  }
  thread_ = std::thread([this] {
    SetThreadName("memcd-metrics");
    event_base_dispatch(base_);
  });
  LOG(INFO) << "serving /metrics on port " << port_;
  return true;
}

void MetricsServer::Stop() {
  if (thread_.joinable()) {
    const char byte = 0;
    // The pipe is empty and non-blocking: this one byte always fits.
    while (write(wake_fds_[1], &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
  if (http_ != nullptr) evhttp_free(http_);  // closes the listening sockets
  http_ = nullptr;
  if (wake_event_ != nullptr) event_free(wake_event_);
  wake_event_ = nullptr;
  for (int& fd : wake_fds_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  if (base_ != nullptr) event_base_free(base_);
  base_ = nullptr;
}

void MetricsServer::OnWake(int /*fd*/, short /*what*/, void* arg) {
  event_base_loopbreak(static_cast<MetricsServer*>(arg)->base_);
}

void MetricsServer::OnRequest(evhttp_request* req, void* arg) {
  auto* self = static_cast<MetricsServer*>(arg);
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
  const char* path = uri != nullptr ? evhttp_uri_get_path(uri) : nullptr;
  evbuffer* body = evhttp_request_get_output_buffer(req);
  evkeyvalq* headers = evhttp_request_get_output_headers(req);
  if (path == nullptr || std::strcmp(path, "/metrics") != 0) {
    evhttp_add_header(headers, "Content-Type", "text/plain; charset=utf-8");
    evbuffer_add_printf(body, "404 not found: memcd serves /metrics only\n");
    evhttp_send_reply(req, HTTP_NOTFOUND, "Not Found", body);
    return;
  }
  std::string page;
  self->render_(&page);
  evhttp_add_header(headers, "Content-Type", PrometheusWriter::kContentType);
  evbuffer_add(body, page.data(), page.size());
  evhttp_send_reply(req, HTTP_OK, "OK", body);
}

}  // namespace memcd
