#include "server/server.h"

#include <event2/event.h>
#include <glog/logging.h>

#include <sys/socket.h>
#include <sys/resource.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <csignal>

#include "base/verbosity.h"
#include "server/metrics_report.h"
#include "server/privileges.h"

namespace memcd {

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.0.0"
#endif

const char* ServerVersion() { return "1.6.0-memcd-" PACKAGE_VERSION; }

Server::Server(const ServerOptions& options) : options_(options) {}

Server::~Server() {
  Shutdown();
  for (event* e : signal_events_) event_free(e);
  if (clock_timer_ != nullptr) event_free(clock_timer_);
  if (held_timer_ != nullptr) event_free(held_timer_);
  if (base_ != nullptr) event_base_free(base_);
}

bool Server::Start(std::string* error) {
  std::string store_error;
  if (!Store::ValidateOptions(options_.store, &store_error)) {
    *error = store_error;
    return false;
  }
  base_ = event_base_new();
  if (base_ == nullptr) {
    *error = "event_base_new failed";
    return false;
  }
  // Handlers before any socket is open: a client (or a test) that sees the
  // port accept may signal us at once, and must get a clean exit.
  for (int sig : {SIGINT, SIGTERM}) {
    event* e = evsignal_new(base_, sig, &Server::OnStopSignal, this);
    event_add(e, nullptr);
    signal_events_.push_back(e);
  }
  event* graceful = evsignal_new(base_, SIGUSR1, &Server::OnGracefulSignal, this);
  event_add(graceful, nullptr);
  signal_events_.push_back(graceful);
  event* reload = evsignal_new(base_, SIGHUP, &Server::OnReloadSignal, this);
  event_add(reload, nullptr);
  signal_events_.push_back(reload);
  signal(SIGPIPE, SIG_IGN);
  ctx_.options = &options_;
  ctx_.clock = &clock_;
  ctx_.baseline = &baseline_;
  if (!options_.auth_file.empty() && !auth_.Load(options_.auth_file, error)) return false;
  live_auth_ = std::make_shared<const AuthFile>(auth_);
  conns_ = std::make_unique<ConnRegistry>(&clock_);
  prefixes_ = std::make_unique<PrefixStats>(options_.prefix_delimiter);
  admin_.conns = conns_.get();
  admin_.prefixes = prefixes_.get();
  ctx_.prefixes = prefixes_.get();
  admin_.auth = options_.auth_file.empty() ? nullptr : &auth_;
  admin_.shutdown_enabled = options_.shutdown_enabled;
  admin_.flush_enabled = options_.flush_enabled;
  // As memcached, the command raises the signal: the main loop's handler
  // then stops the server, whichever worker thread asked.
  admin_.request_shutdown = [](bool graceful) { raise(graceful ? SIGUSR1 : SIGINT); };

  // -Z: as root, before privileges are dropped (the key may be root's).
  if (options_.tls.enabled) {
    tls_ = TlsContext::Create(options_.tls, error);
    if (tls_ == nullptr) return false;
    ctx_.tls = tls_.get();
  }

  std::vector<Worker*> raw_workers;
  for (int i = 0; i < options_.threads; i++) {
    // Runs on worker i's thread; sessions_ is complete before any worker starts.
    auto worker = std::make_unique<Worker>(i, [this](Worker* w, int fd, bool tls) {
      sessions_[w->id()]->Open(fd, tls);
    });
    if (!worker->Init(error)) return false;
    sessions_.push_back(std::make_unique<WorkerSessions>(&ctx_, worker.get()));
    sessions_.back()->set_admin(&admin_);
    sessions_.back()->set_auth_source(&live_auth_);
    if (options_.idle_timeout > 0 && !sessions_.back()->StartIdleTimer(options_.idle_timeout)) {
      *error = "cannot start the idle timeout timer";
      return false;
    }
    sessions_.back()->stats()->hot_keys.set_sample_every(options_.hot_keys_sample);
    ctx_.thread_stats.push_back(sessions_.back()->stats());
    raw_workers.push_back(worker.get());
    workers_.push_back(std::move(worker));
  }
  // no_maxconns_fast: OnAccepted() enforces -c by holding, never rejecting.
  dispatcher_ = std::make_unique<Dispatcher>(
      raw_workers, options_.maxconns_fast ? options_.max_conns : INT_MAX,
      "ERROR Too many open connections\r\n");
  ctx_.dispatcher = dispatcher_.get();

  std::vector<ListenAddress> tcp_addresses, udp_addresses;
  if (!ListenAddresses(&tcp_addresses, &udp_addresses, error)) return false;
  listener_ = std::make_unique<Listener>(
      base_, [this](int fd, bool notls) { OnAccepted(fd, tls_ != nullptr && !notls); });
  ctx_.listen_pauses = listener_->pauses();
  if (!listener_->Open(tcp_addresses, options_.backlog, error)) return false;
  if (!udp_sockets_.Open(udp_addresses, error)) return false;

  // Listeners are bound (a port below 1024 needs root); drop root before any
  // thread exists, so nothing ever runs with more than it needs.
  if (!DropPrivileges(options_.user, error)) return false;
  // As memcached, the unix socket is made after the drop: its file belongs
  // to the -u user, who can then remove it at exit.
  if (!options_.unix_socket.empty() &&
      !listener_->OpenUnix(options_.unix_socket, options_.unix_mask, options_.backlog, error)) {
    return false;
  }
  RegisterListeningSockets();
  for (auto& s : sessions_) {
    for (int fd : udp_sockets_.fds()) {
      udp_sessions_.push_back(std::make_unique<UdpSession>(s.get(), fd));
      if (!udp_sessions_.back()->Start(error)) return false;
    }
  }

  clock_.Tick();
  if (options_.watch_enabled) {
    WatchLog::Options watch;
    watch.watcher_buffer_size = options_.watcher_logbuf_size;
    watch.worker_buffer_size = options_.worker_logbuf_size;
    watch_log_ = std::make_unique<WatchLog>(watch);
    watch_log_->Start();
    options_.store.watch_log = watch_log_.get();
    ctx_.watch_log = watch_log_.get();
  }
  store_ = std::make_unique<Store>(options_.store, &clock_);  // starts its threads
  ctx_.store = store_.get();
  ctx_.started = clock_.Now();

  clock_timer_ = event_new(base_, -1, EV_PERSIST, &Server::OnClockTick, this);
  timeval second{1, 0};
  event_add(clock_timer_, &second);

  for (auto& w : workers_) w->Start();
  if (options_.metrics_port != 0) {
    std::vector<ListenAddress> addresses;
    if (!MetricsAddresses(options_.listen, options_.unix_socket, options_.metrics_port,
                          &addresses, error)) {
      return false;
    }
    metrics_ = std::make_unique<MetricsServer>(
        [this](std::string* page) { WriteMetrics(ctx_, page); });
    if (!metrics_->Start(addresses, error)) return false;
  }
  if (options_.unix_socket.empty()) {
    LOG(INFO) << "memcd " << ServerVersion() << " serving on TCP port " << options_.port
              << ", UDP port " << options_.udp_port << " with " << options_.threads
              << " threads, " << (options_.store.memory_limit >> 20) << " MB of item memory";
  } else {
    LOG(INFO) << "memcd " << ServerVersion() << " serving on " << options_.unix_socket
              << " with " << options_.threads << " threads, "
              << (options_.store.memory_limit >> 20) << " MB of item memory";
  }
  return true;
}

int Server::Run() {
  event_base_dispatch(base_);
  Shutdown();
  LOG(INFO) << "memcd stopped";
  return 0;
}

bool Server::ListenAddresses(std::vector<ListenAddress>* tcp,
                             std::vector<ListenAddress>* udp, std::string* error) const {
  if (!options_.unix_socket.empty()) return true;  // -s: no network, as memcached
  // Each transport binds every -l entry, on the entry's own port if it names
  // one (memcached uses that port for UDP too), else on -p / -U.
  auto resolve = [this, error](int port, std::vector<ListenAddress>* out) {
    if (port == 0) return true;
    if (options_.listen.empty()) out->push_back({"", port});
    for (const std::string& spec : options_.listen) {
      ListenAddress a;
      if (!ParseListenAddress(spec, port, &a, error)) return false;
      out->push_back(a);
    }
    return true;
  };
  return resolve(options_.port, tcp) && resolve(options_.udp_port, udp);
}

void Server::Shutdown() {
  if (metrics_ != nullptr) metrics_->Stop();
  if (listener_ != nullptr) listener_->Close();
  for (const auto& held : held_) close(held.first);
  held_.clear();
  for (auto& w : workers_) w->Stop();
  // Workers are gone: their sessions can be torn down from this thread.
  udp_sessions_.clear();
  udp_sockets_.Close();
  for (auto& s : sessions_) s->CloseAll();
  sessions_.clear();
  workers_.clear();
  ctx_.listen_pauses = nullptr;
  listener_.reset();
  // Closes the watchers while the dispatcher they report to still exists.
  if (watch_log_ != nullptr) watch_log_->Stop();
}

void Server::RegisterListeningSockets() {
  if (listener_ != nullptr) {
    for (int fd : listener_->fds()) conns_->Add(fd, ConnRegistry::Kind::kListener);
  }
  for (int fd : udp_sockets_.fds()) conns_->Add(fd, ConnRegistry::Kind::kUdp);
}

void Server::OnClockTick(int /*fd*/, short /*what*/, void* arg) {
  auto* self = static_cast<Server*>(arg);
  self->clock_.Tick();
  // A line a day keeps the current glog file fresh, so that expiring old
  // log files by age (contrib/logrotate.d/memcd) never takes it.
  constexpr uint32_t kDay = 24 * 60 * 60;
  if (++self->ticks_ % kDay == 0) {
    LOG(INFO) << "memcd up " << self->ticks_ / kDay << " days, "
              << self->dispatcher_->curr_conns() << " connections";
  }
}

void Server::OnStopSignal(int signal, short /*what*/, void* arg) {
  LOG(INFO) << "caught signal " << signal << ", shutting down";
  event_base_loopexit(static_cast<Server*>(arg)->base_, nullptr);
}

void Server::OnReloadSignal(int /*signal*/, short /*what*/, void* arg) {
  static_cast<Server*>(arg)->Reload();
}

void Server::Reload() {
  LOG(INFO) << "caught SIGHUP, reloading";
  if (!options_.auth_file.empty()) {
    auto fresh = std::make_shared<AuthFile>();
    std::string error;
    if (fresh->Load(options_.auth_file, &error)) {
      std::atomic_store(&live_auth_, std::shared_ptr<const AuthFile>(std::move(fresh)));
      LOG(INFO) << "reloaded " << options_.auth_file;
    } else {
      LOG(ERROR) << "keeping the old authentication entries: " << error;
    }
  }
  if (tls_ != nullptr) {
    std::string error;
    if (tls_->Reload(&error)) {
      LOG(INFO) << "reloaded the TLS certificate and key";
    } else {
      LOG(ERROR) << "keeping the old TLS certificate: " << error;
    }
  }
}

void Server::OnAccepted(int fd, bool tls) {
  const uint64_t limit = static_cast<uint64_t>(options_.max_conns);
  if (options_.maxconns_fast || (held_.empty() && dispatcher_->curr_conns() < limit)) {
    dispatcher_->Dispatch(fd, tls);
    return;
  }
  // memcached's backlog holds at most -b waiting clients; so do we.
  if (held_.size() >= static_cast<size_t>(std::max(options_.backlog, 1))) {
    close(fd);
    return;
  }
  if (held_.empty()) {
    MEMCD_VLOG(1) << "connection limit of " << limit << " reached: new connections wait";
    listener_->pauses()->Pause();  // memcached stops accepting here
    if (held_timer_ == nullptr) held_timer_ = evtimer_new(base_, &Server::OnHeldTimer, this);
  }
  held_.emplace_back(fd, tls);
  const timeval retry{0, 10 * 1000};  // memcached's maxconns_handler period
  if (!evtimer_pending(held_timer_, nullptr)) evtimer_add(held_timer_, &retry);
}

void Server::OnHeldTimer(int /*fd*/, short /*what*/, void* arg) {
  auto* self = static_cast<Server*>(arg);
  const uint64_t limit = static_cast<uint64_t>(self->options_.max_conns);
  while (!self->held_.empty() && self->dispatcher_->curr_conns() < limit) {
    self->dispatcher_->Dispatch(self->held_.front().first, self->held_.front().second);
    self->held_.pop_front();
  }
  const timeval retry{0, 10 * 1000};
  if (!self->held_.empty()) {
    evtimer_add(self->held_timer_, &retry);
  } else {
    self->listener_->pauses()->Resume();
  }
}

void Server::OnGracefulSignal(int /*signal*/, short /*what*/, void* arg) {
  LOG(INFO) << "gracefully stopping";
  auto* self = static_cast<Server*>(arg);
  // No new connections; Run() then stops the workers, each finishing the
  // event it is in, so requests already being handled complete.
  if (self->listener_ != nullptr) self->listener_->Close();
  event_base_loopexit(self->base_, nullptr);
}

}  // namespace memcd
