#include "stats/watch_log.h"

#include <poll.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <utility>

#include "base/thread_name.h"

namespace memcd {
namespace {

// Each WatchLog gets a process-unique id, so a thread's cached buffer
// pointer (below) is never mistaken for one of a later log that happens to
// sit at the same address (tests create many).
std::atomic<uint64_t> next_log_id{1};

// The calling thread's buffer in the log it last logged to. thread_local
// because producers deep in the store (evictions) have no worker object to
// carry it; the pointer is only a cache of buffers_ (see LocalBuffer()).
struct LocalSlot {
  uint64_t log_id = 0;
  void* buffer = nullptr;
};
thread_local LocalSlot local_slot;

// Room kept free after each line for a "skipped=<n>\n" line (memcached's).
constexpr size_t kSkipLineRoom = 128;
// The log thread's pause between passes: halved after a pass that found
// records, grown by 1/8 after an idle one (memcached's rule, with a lower
// ceiling so a quiet watcher still sees a line within 100 ms).
constexpr auto kMinSleep = std::chrono::microseconds(1000);
constexpr auto kMaxSleep = std::chrono::microseconds(100000);

uint32_t FlagOf(WatchRecord::Type type) {
  switch (type) {
    case WatchRecord::Type::kGet:
      return kWatchFetchers;
    case WatchRecord::Type::kStore:
      return kWatchMutations;
    case WatchRecord::Type::kEviction:
      return kWatchEvictions;
    case WatchRecord::Type::kConnNew:
    case WatchRecord::Type::kConnClose:
      return kWatchConnEvents;
    case WatchRecord::Type::kDelete:
      return kWatchDeletions;
  }
  return 0;
}

void SetText(WatchRecord* r, std::string_view text) {
  const size_t n = std::min(text.size(), WatchRecord::kMaxText);
  std::memcpy(r->text, text.data(), n);
  r->text_length = static_cast<uint8_t>(n);
}

template <typename T, size_t N>
const char* NameOf(const char* const (&names)[N], T value) {
  const size_t i = static_cast<size_t>(value);
  return i < N ? names[i] : "na";
}

}  // namespace

bool ParseWatchArgs(std::string_view args, uint32_t* mask) {
  static constexpr struct {
    std::string_view name;
    uint32_t flag;
  } kNames[] = {
      {"rawcmds", kWatchRawCmds},         {"evictions", kWatchEvictions},
      {"fetchers", kWatchFetchers},       {"mutations", kWatchMutations},
      {"sysevents", kWatchSysEvents},     {"connevents", kWatchConnEvents},
      {"proxyreqs", kWatchProxyReqs},     {"proxyevents", kWatchProxyEvents},
      {"proxyuser", kWatchProxyUser},     {"deletions", kWatchDeletions},
  };
  uint32_t m = 0;
  bool any = false;
  while (!args.empty()) {
    const size_t space = args.find(' ');
    const std::string_view word = args.substr(0, space);
    args.remove_prefix(space == std::string_view::npos ? args.size() : space + 1);
    if (word.empty()) continue;
    any = true;
    bool known = false;
    for (const auto& n : kNames) {
      if (n.name == word) {
        m |= n.flag;
        known = true;
      }
    }
    if (!known) return false;
  }
  *mask = any ? m : kWatchFetchers;
  return true;
}

std::string UriEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                       c == '_' || c == '~';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FormatWatchRecord(const WatchRecord& r) {
  static const char* const kGetStatus[] = {"not_found", "found", "flushed", "expired"};
  static const char* const kStoreStatus[] = {"not_stored", "stored",    "exists",
                                             "not_found",  "too_large", "no_memory"};
  static const char* const kCmd[] = {"null",   "add",     "set", "replace",
                                     "append", "prepend", "cas"};
  static const char* const kTransport[] = {"local", "tcp", "udp"};
  static const char* const kReason[] = {"error", "normal", "idle_timeout", "shutdown"};
  static const char* const kDeleteCmd[] = {"null", "delete", "md"};
  // memcached prints the microseconds with %d: not zero padded.
  char head[96];
  std::snprintf(head, sizeof(head), "ts=%lld.%d gid=%llu ", static_cast<long long>(r.sec),
                static_cast<int>(r.usec), static_cast<unsigned long long>(r.gid));
  char body[1024];
  switch (r.type) {
    case WatchRecord::Type::kGet:
      std::snprintf(body, sizeof(body), "type=item_get key=%s status=%s clsid=%u cfd=%d size=%lld\n",
                    UriEncode(r.key()).c_str(), NameOf(kGetStatus, r.status), r.clsid, r.fd,
                    static_cast<long long>(r.size));
      break;
    case WatchRecord::Type::kStore:
      std::snprintf(body, sizeof(body),
                    "type=item_store key=%s status=%s cmd=%s ttl=%u clsid=%u cfd=%d size=%lld\n",
                    UriEncode(r.key()).c_str(), NameOf(kStoreStatus, r.status),
                    NameOf(kCmd, r.cmd), static_cast<uint32_t>(r.ttl), r.clsid, r.fd,
                    static_cast<long long>(r.size));
      break;
    case WatchRecord::Type::kEviction:
      std::snprintf(body, sizeof(body),
                    "type=eviction key=%s fetch=%s ttl=%lld la=%lld clsid=%u size=%lld\n",
                    UriEncode(r.key()).c_str(), r.status ? "yes" : "no",
                    static_cast<long long>(r.ttl), static_cast<long long>(r.aux), r.clsid,
                    static_cast<long long>(r.size));
      break;
    case WatchRecord::Type::kConnNew:
      std::snprintf(body, sizeof(body), "type=conn_new rip=%.*s rport=%u transport=%s cfd=%d\n",
                    static_cast<int>(r.text_length), r.text,
                    static_cast<unsigned>(static_cast<uint16_t>(r.aux)),
                    NameOf(kTransport, r.cmd), r.fd);
      break;
    case WatchRecord::Type::kConnClose:
      std::snprintf(body, sizeof(body),
                    "type=conn_close rip=%.*s rport=%u transport=%s reason=%s cfd=%d\n",
                    static_cast<int>(r.text_length), r.text,
                    static_cast<unsigned>(static_cast<uint16_t>(r.aux)),
                    NameOf(kTransport, r.cmd), NameOf(kReason, r.status), r.fd);
      break;
    case WatchRecord::Type::kDelete:
      std::snprintf(body, sizeof(body), "type=deleted key=%s cmd=%s clsid=%u size=%lld\n",
                    UriEncode(r.key()).c_str(), NameOf(kDeleteCmd, r.cmd), r.clsid,
                    static_cast<long long>(r.size));
      break;
  }
  return std::string(head) + body;
}

// One producing thread's records, in gid order.
struct WatchLog::ThreadBuffer {
  explicit ThreadBuffer(size_t cap) : capacity(cap) {
    records.reserve(cap);
    spare.reserve(cap);
  }
  const std::thread::id owner = std::this_thread::get_id();
  const size_t capacity;     // records, from Options::worker_buffer_size
  std::mutex mu;             // guards records, dropped, written
  std::vector<WatchRecord> records;
  uint64_t dropped = 0;
  uint64_t written = 0;
  std::vector<WatchRecord> spare;  // log pass only (under watchers_mu_)
};

struct WatchLog::Watcher {
  int fd = -1;
  uint32_t flags = 0;
  uint64_t min_gid = 0;  // records logged before the watcher came are not its
  std::string out;       // unsent bytes from out_start on
  size_t out_start = 0;
  uint64_t skipped = 0;  // lines lost since the last one that fit
  bool full = false;     // no room since the last poll: skip without trying
  std::function<void()> on_close;

  size_t pending() const { return out.size() - out_start; }
  // False when the socket failed.
  bool Flush() {
    while (pending() > 0) {
      const ssize_t n = write(fd, out.data() + out_start, pending());
      if (n > 0) {
        out_start += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return false;
    }
    if (out_start == out.size()) {
      out.clear();
      out_start = 0;
    } else if (out_start > out.size() / 2) {
      out.erase(0, out_start);
      out_start = 0;
    }
    return true;
  }
};

WatchLog::WatchLog(const Options& options)
    : options_(options), id_(next_log_id.fetch_add(1, std::memory_order_relaxed)) {}

WatchLog::~WatchLog() { Stop(); }

void WatchLog::Start() {
  std::lock_guard<std::mutex> lock(run_mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread(&WatchLog::ThreadMain, this);
}

void WatchLog::Stop() {
  bool was_running;
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    was_running = running_;
    running_ = false;
  }
  if (was_running) {
    wake_.notify_all();
    thread_.join();
  }
  std::lock_guard<std::mutex> lock(watchers_mu_);
  while (!watchers_.empty()) CloseWatcher(watchers_.size() - 1);
}

void WatchLog::ThreadMain() {
  SetThreadName("memcd-watch");
  auto sleep = kMinSleep;
  std::unique_lock<std::mutex> lock(run_mu_);
  while (running_) {
    if (watcher_count_.load(std::memory_order_relaxed) == 0) {
      // Nothing to serve: sleep until AddWatcher() or Stop(), after
      // draining what was logged before the last watcher left.
      lock.unlock();
      RunOnce();
      lock.lock();
      wake_.wait(lock, [this] {
        return !running_ || watcher_count_.load(std::memory_order_relaxed) > 0;
      });
      sleep = kMinSleep;
      continue;
    }
    lock.unlock();
    const size_t found = RunOnce();
    lock.lock();
    if (found > 0) {
      sleep = std::max<std::chrono::microseconds>(kMinSleep, sleep / 2);
    } else {
      sleep = std::min<std::chrono::microseconds>(kMaxSleep, sleep + sleep / 8);
    }
    wake_.wait_for(lock, sleep, [this] { return !running_; });
  }
}

WatchLog::ThreadBuffer* WatchLog::LocalBuffer() {
  if (local_slot.log_id == id_) return static_cast<ThreadBuffer*>(local_slot.buffer);
  std::lock_guard<std::mutex> lock(buffers_mu_);
  ThreadBuffer* found = nullptr;
  for (const auto& b : buffers_) {
    if (b->owner == std::this_thread::get_id()) found = b.get();
  }
  if (found == nullptr) {
    const size_t cap = std::max<size_t>(1, options_.worker_buffer_size / sizeof(WatchRecord));
    buffers_.push_back(std::make_unique<ThreadBuffer>(cap));
    found = buffers_.back().get();
  }
  local_slot.log_id = id_;
  local_slot.buffer = found;
  return found;
}

void WatchLog::Append(WatchRecord* r) {
  ThreadBuffer* b = LocalBuffer();
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::lock_guard<std::mutex> lock(b->mu);
  if (b->records.size() >= b->capacity) {
    b->dropped++;
    return;
  }
  // Under the buffer's lock, so each buffer holds its records in gid order.
  r->gid = next_gid_.fetch_add(1, std::memory_order_relaxed) + 1;
  r->sec = tv.tv_sec;
  r->usec = static_cast<int32_t>(tv.tv_usec);
  b->records.push_back(*r);
  b->written++;
}

void WatchLog::LogGet(std::string_view key, WatchGetStatus status, uint32_t clsid, int fd,
                      int64_t size) {
  WatchRecord r;
  r.type = WatchRecord::Type::kGet;
  r.status = static_cast<uint8_t>(status);
  r.clsid = clsid;
  r.fd = fd;
  r.size = size;
  SetText(&r, key);
  Append(&r);
}

void WatchLog::LogStore(std::string_view key, WatchStoreStatus status, WatchStoreCmd cmd,
                        int64_t ttl, uint32_t clsid, int fd, int64_t size) {
  WatchRecord r;
  r.type = WatchRecord::Type::kStore;
  r.status = static_cast<uint8_t>(status);
  r.cmd = static_cast<uint8_t>(cmd);
  r.ttl = ttl;
  r.clsid = clsid;
  r.fd = fd;
  r.size = size;
  SetText(&r, key);
  Append(&r);
}

void WatchLog::LogDelete(std::string_view key, WatchDeleteCmd cmd, uint32_t clsid,
                         int64_t size) {
  WatchRecord r;
  r.type = WatchRecord::Type::kDelete;
  r.cmd = static_cast<uint8_t>(cmd);
  r.clsid = clsid;
  r.size = size;
  SetText(&r, key);
  Append(&r);
}

void WatchLog::LogEviction(std::string_view key, bool fetched, int64_t ttl,
                           int64_t last_access, uint32_t clsid, int64_t size) {
  WatchRecord r;
  r.type = WatchRecord::Type::kEviction;
  r.status = fetched ? 1 : 0;
  r.ttl = ttl;
  r.aux = last_access;
  r.clsid = clsid;
  r.size = size;
  SetText(&r, key);
  Append(&r);
}

void WatchLog::LogConnNew(std::string_view peer, int port, WatchTransport transport, int fd) {
  WatchRecord r;
  r.type = WatchRecord::Type::kConnNew;
  r.cmd = static_cast<uint8_t>(transport);
  r.aux = port;
  r.fd = fd;
  SetText(&r, peer);
  Append(&r);
}

void WatchLog::LogConnClose(std::string_view peer, int port, WatchTransport transport,
                            WatchCloseReason reason, int fd) {
  WatchRecord r;
  r.type = WatchRecord::Type::kConnClose;
  r.status = static_cast<uint8_t>(reason);
  r.cmd = static_cast<uint8_t>(transport);
  r.aux = port;
  r.fd = fd;
  SetText(&r, peer);
  Append(&r);
}

WatchLog::AddResult WatchLog::AddWatcher(int fd, uint32_t flags,
                                         std::function<void()> on_close) {
  {
    std::lock_guard<std::mutex> lock(watchers_mu_);
    if (watchers_.size() >= options_.max_watchers) return AddResult::kTooMany;
    auto w = std::make_unique<Watcher>();
    w->fd = fd;
    w->flags = flags;
    // Takes a gid of its own, as memcached's: its first line's gid is 2.
    w->min_gid = next_gid_.fetch_add(1, std::memory_order_relaxed) + 1;
    w->out = "OK\r\n";
    w->on_close = std::move(on_close);
    watchers_.push_back(std::move(w));
    watcher_count_.store(watchers_.size(), std::memory_order_relaxed);
    UpdateMask();
  }
  // Under run_mu_, so the log thread cannot miss it between test and wait.
  { std::lock_guard<std::mutex> lock(run_mu_); }
  wake_.notify_all();
  return AddResult::kOk;
}

void WatchLog::UpdateMask() {
  uint32_t m = 0;
  for (const auto& w : watchers_) m |= w->flags;
  mask_.store(m, std::memory_order_relaxed);
}

void WatchLog::CloseWatcher(size_t i) {
  std::unique_ptr<Watcher> w = std::move(watchers_[i]);
  watchers_.erase(watchers_.begin() + static_cast<std::ptrdiff_t>(i));
  close(w->fd);
  if (w->on_close) w->on_close();
  watcher_count_.store(watchers_.size(), std::memory_order_relaxed);
  UpdateMask();
}

size_t WatchLog::RunOnce() {
  std::vector<ThreadBuffer*> buffers;
  {
    std::lock_guard<std::mutex> lock(buffers_mu_);
    for (const auto& b : buffers_) buffers.push_back(b.get());
  }
  std::lock_guard<std::mutex> lock(watchers_mu_);
  // Every record with a gid up to here sits in its buffer once that
  // buffer's lock is taken below (gids are drawn under it); later ones wait
  // for the next pass, so lines go out in gid order across passes too.
  const uint64_t watermark = next_gid_.load(std::memory_order_relaxed);
  for (ThreadBuffer* b : buffers) {
    std::lock_guard<std::mutex> block(b->mu);
    b->records.swap(b->spare);
    worker_dropped_.fetch_add(b->dropped, std::memory_order_relaxed);
    worker_written_.fetch_add(b->written, std::memory_order_relaxed);
    b->dropped = 0;
    b->written = 0;
  }
  std::vector<WatchRecord> later;
  std::vector<const WatchRecord*> batch;
  for (const WatchRecord& r : carry_) batch.push_back(&r);
  for (ThreadBuffer* b : buffers) {
    for (const WatchRecord& r : b->spare) batch.push_back(&r);
  }
  std::sort(batch.begin(), batch.end(),
            [](const WatchRecord* a, const WatchRecord* b) { return a->gid < b->gid; });
  size_t done = 0;
  for (const WatchRecord* r : batch) {
    if (r->gid > watermark) {
      later.push_back(*r);
      continue;
    }
    done++;
    bool wanted = false;
    for (const auto& w : watchers_) {
      wanted = wanted || ((w->flags & FlagOf(r->type)) != 0 && r->gid >= w->min_gid);
    }
    if (wanted) Deliver(*r, FormatWatchRecord(*r));
  }
  carry_.swap(later);
  for (ThreadBuffer* b : buffers) b->spare.clear();
  PollWatchers();
  return done;
}

void WatchLog::Deliver(const WatchRecord& r, const std::string& line) {
  for (size_t i = 0; i < watchers_.size(); ++i) {
    Watcher* w = watchers_[i].get();
    if ((w->flags & FlagOf(r.type)) == 0 || r.gid < w->min_gid) continue;
    const size_t need = line.size() + kSkipLineRoom;
    if (!w->full && w->pending() + need > options_.watcher_buffer_size) {
      // A failed socket is closed by the next PollWatchers().
      w->Flush();
      w->full = w->pending() + need > options_.watcher_buffer_size;
    }
    if (w->full) {
      w->skipped++;
      watcher_skipped_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (w->skipped > 0) {
      w->out += "skipped=" + std::to_string(w->skipped) + "\n";
      w->skipped = 0;
    }
    w->out += line;
    watcher_sent_.fetch_add(1, std::memory_order_relaxed);
  }
}

void WatchLog::PollWatchers() {
  if (watchers_.empty()) return;
  std::vector<pollfd> fds(watchers_.size());
  for (size_t i = 0; i < watchers_.size(); ++i) {
    fds[i].fd = watchers_[i]->fd;
    fds[i].events = static_cast<short>(POLLIN | (watchers_[i]->pending() > 0 ? POLLOUT : 0));
    watchers_[i]->full = false;
  }
  if (poll(fds.data(), fds.size(), 0) < 0) return;
  // Backwards, so closing one leaves the indexes still to visit intact.
  for (size_t i = watchers_.size(); i-- > 0;) {
    Watcher* w = watchers_[i].get();
    bool gone = (fds[i].revents & (POLLERR | POLLNVAL)) != 0;
    if (!gone && (fds[i].revents & (POLLIN | POLLHUP))) {
      // A watcher's own bytes mean nothing; only its EOF matters.
      char scratch[4096];
      const ssize_t n = read(w->fd, scratch, sizeof(scratch));
      gone = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
    }
    if (!gone && (fds[i].revents & POLLOUT)) gone = !w->Flush();
    if (gone) CloseWatcher(i);
  }
}

WatchLog::Stats WatchLog::GetStats() const {
  Stats s;
  s.worker_dropped = worker_dropped_.load(std::memory_order_relaxed);
  s.worker_written = worker_written_.load(std::memory_order_relaxed);
  s.watcher_skipped = watcher_skipped_.load(std::memory_order_relaxed);
  s.watcher_sent = watcher_sent_.load(std::memory_order_relaxed);
  s.watchers = watcher_count_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace memcd
