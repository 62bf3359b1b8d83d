#include "server/server.h"

#include <event2/event.h>
#include <glog/logging.h>

#include <csignal>

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
  ctx_.options = &options_;
  ctx_.clock = &clock_;
  ctx_.baseline = &baseline_;

  std::vector<Worker*> raw_workers;
  for (int i = 0; i < options_.threads; i++) {
    // Runs on worker i's thread; sessions_ is complete before any worker starts.
    auto worker = std::make_unique<Worker>(
        i, [this](Worker* w, int fd) { sessions_[w->id()]->Open(fd); });
    if (!worker->Init(error)) return false;
    sessions_.push_back(std::make_unique<WorkerSessions>(&ctx_, worker.get()));
    ctx_.thread_stats.push_back(sessions_.back()->stats());
    raw_workers.push_back(worker.get());
    workers_.push_back(std::move(worker));
  }
  dispatcher_ = std::make_unique<Dispatcher>(raw_workers, options_.max_conns,
                                             "ERROR Too many open connections\r\n");
  ctx_.dispatcher = dispatcher_.get();

  std::vector<ListenAddress> addresses;
  if (options_.port != 0) {
    if (options_.listen.empty()) {
      addresses.push_back({"", options_.port});
    }
    for (const std::string& spec : options_.listen) {
      ListenAddress a;
      if (!ParseListenAddress(spec, options_.port, &a, error)) return false;
      addresses.push_back(a);
    }
  }
  Dispatcher* dispatcher = dispatcher_.get();
  listener_ = std::make_unique<Listener>(base_, [dispatcher](int fd) { dispatcher->Dispatch(fd); });
  if (!listener_->Open(addresses, options_.backlog, error)) return false;

  // Listeners are bound (a port below 1024 needs root); drop root before any
  // thread exists, so nothing ever runs with more than it needs.
  if (!DropPrivileges(options_.user, error)) return false;

  clock_.Tick();
  store_ = std::make_unique<Store>(options_.store, &clock_);  // starts its threads
  ctx_.store = store_.get();
  ctx_.started = clock_.Now();

  clock_timer_ = event_new(base_, -1, EV_PERSIST, &Server::OnClockTick, this);
  timeval second{1, 0};
  event_add(clock_timer_, &second);
  for (int sig : {SIGINT, SIGTERM}) {
    event* e = evsignal_new(base_, sig, &Server::OnStopSignal, this);
    event_add(e, nullptr);
    signal_events_.push_back(e);
  }
  signal(SIGPIPE, SIG_IGN);

  for (auto& w : workers_) w->Start();
  LOG(INFO) << "memcd " << ServerVersion() << " serving on port " << options_.port
            << " with " << options_.threads << " threads, "
            << (options_.store.memory_limit >> 20) << " MB of item memory";
  return true;
}

int Server::Run() {
  event_base_dispatch(base_);
  Shutdown();
  LOG(INFO) << "memcd stopped";
  return 0;
}

void Server::Shutdown() {
  if (listener_ != nullptr) listener_->Close();
  for (auto& w : workers_) w->Stop();
  // Workers are gone: their sessions can be torn down from this thread.
  for (auto& s : sessions_) s->CloseAll();
  sessions_.clear();
  workers_.clear();
  listener_.reset();
}

void Server::OnClockTick(int /*fd*/, short /*what*/, void* arg) {
  static_cast<Server*>(arg)->clock_.Tick();
}

void Server::OnStopSignal(int signal, short /*what*/, void* arg) {
  LOG(INFO) << "caught signal " << signal << ", shutting down";
  event_base_loopexit(static_cast<Server*>(arg)->base_, nullptr);
}

}  // namespace memcd
