// The fuzz target for a whole session (FuzzSession()): bytes in, replies
// out, against a real store. One worker's event base, dispatcher and
// WorkerSessions are made once; each input gets a fresh store and clock (so
// a crash replays alone) and a fresh socketpair connection, and this thread
// runs the worker's event loop itself, so nothing races and every run is
// deterministic.
//
// Input: one mode byte, then the client's bytes (text, meta, or binary when
// they start with 0x80, as -B auto decides).
//   mode & 0x0f  write the bytes in chunks of kChunkSizes[] (0: all at
//                once, at most kMaxChunks chunks), running the loop between
//                chunks: split reads;
//   mode & 0x10  -Y: the client must first authenticate ("set x 0 0 N"
//                with "fuzz fuzz" as data);
//   mode & 0x20  the LRU crawler runs, so "lru_crawler metadump" streams;
//   mode & 0x40  tiny socket buffers: replies block (back-pressure);
//   mode & 0x80  -R 1: the session yields after every request.
// After the bytes the client half-closes, reads every reply and closes.
// FUZZ_SESSION_ECHO=1 in the environment copies the replies to stderr.
// Checked after each input: the session went away, no item is still
// pinned (every chunk is free again once everything is flushed and
// crawled), and the store kept within its memory limit. And when the bytes
// were cut into chunks, the same input is run again written at once: the
// replies must be the same bytes.
#include <event2/event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/verbosity.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_targets.h"
#include "glog/logging.h"
#include "net/dispatcher.h"
#include "net/worker.h"
#include "proto/text_parser.h"
#include "server/admin_commands.h"
#include "server/auth_file.h"
#include "server/conn_registry.h"
#include "server/options.h"
#include "server/prefix_stats.h"
#include "server/server_context.h"
#include "server/session.h"
#include "store/store.h"

namespace memcd {
namespace {

// Loop passes one input may take, and how many bytes a tiny buffer holds.
constexpr int kMaxPasses = 20000;
constexpr int kTinyBuffer = 2048;
constexpr size_t kChunkSizes[16] = {0, 1, 2, 3, 4, 5, 7, 8, 13, 16, 24, 31, 64, 100, 512, 2048};
// Bounds the writes (and loop passes) of one input, so that a long input
// with a tiny chunk size still runs in milliseconds.
constexpr size_t kMaxChunks = 256;
// Reply bytes kept for the split-versus-whole comparison.
constexpr size_t kMaxReplies = 4u << 20;

ServerOptions MakeOptions(int reqs_per_event, bool crawler) {
  ServerOptions o;
  o.reqs_per_event = reqs_per_event;
  o.store.lru_crawler_thread = crawler;
  o.debug_time = true;
  o.shutdown_enabled = true;  // "shutdown" reaches a harmless hook
  o.hot_keys_sample = 1;
  o.store.memory_limit = 8u << 20;
  o.store.item_size_max = 1u << 20;
  o.store.slab_chunk_max = 2048;  // values over ~2 KiB are chained chunks
  o.store.hashpower = 12;
  o.store.hash_expand = false;    // no background thread
  return o;
}

class SessionHarness {
 public:
  SessionHarness()
      : options_{MakeOptions(20, false), MakeOptions(1, false), MakeOptions(20, true),
                 MakeOptions(1, true)},
        worker_(0, [this](Worker*, int fd) { sessions_->Open(fd); }) {
    std::string error;
    CHECK(worker_.Init(&error)) << error;  // never started: we run its loop
    dispatcher_ = std::make_unique<Dispatcher>(std::vector<Worker*>{&worker_}, 100,
                                               "ERROR Too many open connections\r\n");
    ctx_.options = &options_[0];
    ctx_.dispatcher = dispatcher_.get();
    ctx_.baseline = &baseline_;
    admin_.shutdown_enabled = true;
    admin_.request_shutdown = [](bool) {};
    AuthFile auth;
    CHECK(auth.Parse("fuzz:fuzz\nuser:pass\n"));
    auth_ = std::make_shared<const AuthFile>(auth);
    sessions_ = std::make_unique<WorkerSessions>(&ctx_, &worker_);
    sessions_->stats()->hot_keys.set_sample_every(1);
    sessions_->set_auth_source(&auth_);
    signal(SIGPIPE, SIG_IGN);  // the client writes to a session that may have closed
    FLAGS_minloglevel = 2;     // errors only, whatever "verbosity" asks
    ctx_.thread_stats.push_back(sessions_->stats());
  }

  void Run(const uint8_t* data, size_t size) {
    if (size == 0) return;
    const uint8_t mode = data[0];
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string split = RunOnce(mode, input);
    const bool split_complete = complete_;
    // How the bytes were cut must not change a single reply byte. Only where
    // the replies are a function of the input alone: not with "stats" (times,
    // rusage, counters across runs), the crawler thread, a line long enough
    // for its cut to decide "line too long", or a run cut short.
    if ((mode & 0x0f) == 0 || (mode & 0x20) || !split_complete || HasLongLine(input) ||
        !Deterministic(split)) {
      return;
    }
    const std::string whole = RunOnce(mode & 0xf0, input);
    if (!complete_ || !Deterministic(whole)) return;
    if (split != whole) {
      size_t at = 0;
      while (at < split.size() && at < whole.size() && split[at] == whole[at]) at++;
      fprintf(stderr, "replies differ at byte %zu of %zu (split) / %zu (whole)\n", at,
              split.size(), whole.size());
      fprintf(stderr, "split: %s\nwhole: %s\n", split.substr(at, 200).c_str(),
              whole.substr(at, 200).c_str());
    }
    FUZZ_CHECK(split == whole);
  }

 private:
  // Runs `input` in `mode` on a fresh store; returns the replies (the first
  // kMaxReplies bytes) and sets complete_ when the run finished in bounds.
  std::string RunOnce(uint8_t mode, std::string_view input) {
    replies_.clear();
    complete_ = true;
    ctx_.options = &options_[(mode & 0x80 ? 1 : 0) + (mode & 0x20 ? 2 : 0)];
    // A fresh store, clock and admin state: the input alone decides the run.
    clock_ = std::make_unique<FakeClock>();
    store_ = std::make_unique<Store>(ctx_.options->store, clock_.get());
    conns_ = std::make_unique<ConnRegistry>(clock_.get());
    prefixes_ = std::make_unique<PrefixStats>(':');
    ctx_.store = store_.get();
    ctx_.clock = clock_.get();
    ctx_.prefixes = prefixes_.get();
    admin_.conns = conns_.get();
    admin_.prefixes = prefixes_.get();
    admin_.auth = mode & 0x10 ? auth_.get() : nullptr;
    sessions_->set_admin(&admin_);

    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    server_fd_ = sv[0];
    client_fd_ = sv[1];
    if (mode & 0x40) {
      for (int fd : sv) {
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kTinyBuffer, sizeof(kTinyBuffer));
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kTinyBuffer, sizeof(kTinyBuffer));
      }
    }
    dispatcher_->Dispatch(server_fd_);
    passes_ = 0;
    Pump();
    FUZZ_CHECK(dispatcher_->curr_conns() == 1);

    const size_t wanted = kChunkSizes[mode & 0x0f];
    const size_t fewest = (input.size() + kMaxChunks - 1) / kMaxChunks;
    const size_t chunk = wanted == 0 ? input.size() : std::max(wanted, fewest);
    while (!input.empty() && !server_closed_ && passes_ < kMaxPasses) {
      const ssize_t n = write(client_fd_, input.data(), std::min(chunk, input.size()));
      if (n > 0) input.remove_prefix(static_cast<size_t>(n));
      if (n < 0 && errno != EAGAIN) break;  // the session closed on us
      Pump();
    }
    shutdown(client_fd_, SHUT_WR);
    Pump();
    close(client_fd_);
    // The session notices the close and goes away.
    for (int i = 0; i < 100 && dispatcher_->curr_conns() != 0; i++) {
      event_base_loop(worker_.base(), EVLOOP_NONBLOCK);
    }
    FUZZ_CHECK(dispatcher_->curr_conns() == 0);
    CheckStore();
    sessions_->set_admin(nullptr);
    ctx_.store = nullptr;
    store_.reset();
    SetVerbosityLevel(0);  // "verbosity" sets it; keep the next run quiet
    server_closed_ = false;
    if (passes_ >= kMaxPasses || replies_.size() >= kMaxReplies) complete_ = false;
    return std::move(replies_);
  }

  static bool HasLongLine(std::string_view input) {
    size_t run = 0;
    for (char c : input) {
      run = c == '\n' ? 0 : run + 1;
      if (run > kMaxCommandLine - 100) return true;
    }
    return false;
  }

  static bool Deterministic(const std::string& replies) {
    for (const char* word : {"STAT", "uptime", "pid"}) {
      if (replies.find(word) != std::string::npos) return false;
    }
    return true;
  }

  // Runs the loop and reads every reply until the session has nothing
  // left to do: no event pending, no unread input, no reply in flight.
  void Pump() {
    while (passes_++ < kMaxPasses) {
      event_base_loop(worker_.base(), EVLOOP_NONBLOCK);
      const size_t got = DrainReplies();
      if (server_closed_) return;
      int unread = 0;
      if (dispatcher_->curr_conns() != 0) ioctl(server_fd_, FIONREAD, &unread);
      if (got == 0 && unread == 0 &&
          event_base_get_num_events(worker_.base(), EVENT_BASE_COUNT_ACTIVE) == 0) {
        return;
      }
    }
  }

  // Reads what the session wrote; notes when it closed the connection.
  size_t DrainReplies() {
    size_t total = 0;
    char buf[65536];
    while (true) {
      const ssize_t n = read(client_fd_, buf, sizeof(buf));
      if (n > 0) {
        if (echo_) fwrite(buf, 1, static_cast<size_t>(n), stderr);
        if (replies_.size() < kMaxReplies) {
          replies_.append(buf, std::min(static_cast<size_t>(n), kMaxReplies - replies_.size()));
        }
        total += static_cast<size_t>(n);
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) server_closed_ = true;
      return total;
    }
  }

  // Every item reference the session took has been released: once all is
  // flushed and crawled, no chunk stays in use. And -m held.
  void CheckStore() {
    store_->StopLruCrawler();  // its passes run here from now on
    clock_->AddOffset(1);
    store_->FlushAll(clock_->Now());
    while (store_->RunLruCrawlerPass() >= 0) {
    }
    FUZZ_CHECK(store_->CrawlLrus({}) == Store::CrawlResult::kOk);
    FUZZ_CHECK(store_->RunLruCrawlerPass() >= 0);
    std::vector<SlabClassStats> classes;
    store_->GetSlabStats(&classes);
    for (const SlabClassStats& c : classes) FUZZ_CHECK(c.used_chunks == 0);
    StoreStats stats;
    store_->GetStats(&stats);
    FUZZ_CHECK(stats.curr_items == 0);
    FUZZ_CHECK(stats.total_malloced <= std::max<uint64_t>(stats.limit_maxbytes, 8u << 20));
  }

  ServerOptions options_[4];  // -R 20 / -R 1, then the same with the crawler
  std::shared_ptr<const AuthFile> auth_;  // -Y's entries
  StatsBaseline baseline_;
  ServerContext ctx_;
  AdminState admin_;
  Worker worker_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<WorkerSessions> sessions_;
  std::unique_ptr<FakeClock> clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ConnRegistry> conns_;
  std::unique_ptr<PrefixStats> prefixes_;
  int server_fd_ = -1;
  int client_fd_ = -1;
  bool server_closed_ = false;
  int passes_ = 0;
  std::string replies_;    // this run's replies so far
  bool complete_ = false;  // the last run stayed within its bounds
  // FUZZ_SESSION_ECHO=1: replies go to stderr (to see what an input does).
  const bool echo_ = getenv("FUZZ_SESSION_ECHO") != nullptr;
};

}  // namespace
}  // namespace memcd

namespace memcd {

void FuzzSession(std::string_view input) {
  // Made once, on first use, and kept for the process: libFuzzer calls this
  // millions of times.
  static SessionHarness* harness = new SessionHarness();
  harness->Run(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace memcd
