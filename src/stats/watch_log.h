// The event log behind memcached's "watch" command. Threads that serve
// requests (workers) and background threads (evictions) log small records;
// a log thread renders them as memcached 1.6.18's lines and writes them to
// the watching sockets.
//
// Cost contract: while nobody watches an event type, Wants() is one relaxed
// atomic load and callers log nothing. While someone watches, a producer
// appends to its own thread's bounded buffer under that buffer's mutex
// (held for a copy of ~300 bytes); a full buffer drops the record and counts
// it (log_worker_dropped). No producer ever waits on a watcher: each watcher
// has a bounded output buffer, and lines that do not fit are counted and
// announced as "skipped=<n>" before the next line that does.
#ifndef MEMCD_STATS_WATCH_LOG_H_
#define MEMCD_STATS_WATCH_LOG_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace memcd {

// Event types, as memcached's "watch" arguments name them.
enum WatchFlag : uint32_t {
  kWatchRawCmds = 1u << 0,      // accepted; memcached 1.6.18 logs none
  kWatchEvictions = 1u << 1,
  kWatchFetchers = 1u << 2,
  kWatchMutations = 1u << 3,
  kWatchSysEvents = 1u << 4,    // accepted; memcd logs none yet
  kWatchConnEvents = 1u << 5,
  kWatchProxyReqs = 1u << 6,    // accepted; no proxy in memcd
  kWatchProxyEvents = 1u << 7,
  kWatchProxyUser = 1u << 8,
  kWatchDeletions = 1u << 9,    // newer memcached's; 1.6.18 refuses the word
};

// The arguments of "watch" (space separated; empty: fetchers). False on a
// word memcached 1.6.18 does not know (it answers "ERROR").
bool ParseWatchArgs(std::string_view args, uint32_t* mask);

// memcached's uriencode(): every byte but [A-Za-z0-9._~-] becomes %XX.
std::string UriEncode(std::string_view in);

// What happened to a fetch (memcached's was_found values).
enum class WatchGetStatus : uint8_t { kNotFound, kFound, kFlushed, kExpired };
// A store's outcome and command, in memcached's log order.
enum class WatchStoreStatus : uint8_t {
  kNotStored, kStored, kExists, kNotFound, kTooLarge, kNoMemory
};
enum class WatchStoreCmd : uint8_t { kNull, kAdd, kSet, kReplace, kAppend, kPrepend, kCas };
enum class WatchDeleteCmd : uint8_t { kNull, kDelete, kMetaDelete };
enum class WatchTransport : uint8_t { kLocal, kTcp, kUdp };
enum class WatchCloseReason : uint8_t { kError, kNormal, kIdleTimeout, kShutdown };

// One logged event, fixed size so a thread's buffer is a plain array.
struct WatchRecord {
  enum class Type : uint8_t { kGet, kStore, kEviction, kConnNew, kConnClose, kDelete };
  static constexpr size_t kMaxText = 250;  // a key, or a peer address

  uint64_t gid = 0;    // global order of logging
  int64_t sec = 0;     // wall time of logging
  int32_t usec = 0;
  Type type = Type::kGet;
  uint8_t status = 0;  // WatchGetStatus / WatchStoreStatus / WatchCloseReason; eviction: fetched
  uint8_t cmd = 0;     // WatchStoreCmd / WatchDeleteCmd; conn events: WatchTransport
  uint8_t text_length = 0;
  uint32_t clsid = 0;
  int32_t fd = 0;      // the client's socket (cfd)
  int64_t size = 0;    // value bytes
  int64_t ttl = 0;     // store: seconds left (0 = none); eviction: -1 = none
  int64_t aux = 0;     // eviction: seconds since last access; conn: peer port
  char text[kMaxText];

  std::string_view key() const { return std::string_view(text, text_length); }
};

// The record as memcached prints it: "ts=... gid=... type=...\n".
std::string FormatWatchRecord(const WatchRecord& r);

class WatchLog {
 public:
  struct Options {
    size_t worker_buffer_size = 64 * 1024;    // -o worker_logbuf_size
    size_t watcher_buffer_size = 256 * 1024;  // -o watcher_logbuf_size
    size_t max_watchers = 20;                 // memcached's WATCHER_LIMIT
  };
  struct Stats {
    uint64_t worker_dropped = 0;
    uint64_t worker_written = 0;
    uint64_t watcher_skipped = 0;
    uint64_t watcher_sent = 0;
    uint64_t watchers = 0;
  };
  enum class AddResult { kOk, kTooMany, kFailed };

  explicit WatchLog(const Options& options);
  ~WatchLog();  // Stop()
  WatchLog(const WatchLog&) = delete;
  WatchLog& operator=(const WatchLog&) = delete;

  // The log thread; without it, tests call RunOnce() themselves. Stop()
  // also closes every watcher (unsent lines are lost).
  void Start();
  void Stop();

  // Whether any watcher wants one of `flags`. Relaxed: a record logged just
  // before a watcher arrives is below its first gid and not shown anyway.
  bool Wants(uint32_t flags) const {
    return (mask_.load(std::memory_order_relaxed) & flags) != 0;
  }

  // Producers: any thread. Each stamps gid and time and copies the record
  // into the calling thread's buffer (or drops it). Keys longer than
  // WatchRecord::kMaxText are cut.
  void LogGet(std::string_view key, WatchGetStatus status, uint32_t clsid,
              int fd, int64_t size);
  void LogStore(std::string_view key, WatchStoreStatus status, WatchStoreCmd cmd,
                int64_t ttl, uint32_t clsid, int fd, int64_t size);
  // A key a client deleted (delete, md, binary DELETE).
  void LogDelete(std::string_view key, WatchDeleteCmd cmd, uint32_t clsid, int64_t size);
  // `ttl` is -1 for an item that never expires.
  void LogEviction(std::string_view key, bool fetched, int64_t ttl,
                   int64_t last_access, uint32_t clsid, int64_t size);
  // `peer` is the address text ("unix" for a unix socket).
  void LogConnNew(std::string_view peer, int port, WatchTransport transport, int fd);
  void LogConnClose(std::string_view peer, int port, WatchTransport transport,
                    WatchCloseReason reason, int fd);

  // Takes `fd` (a non-blocking socket) as a watcher of `flags`; "OK\r\n"
  // is its first line. On kOk the log owns the fd and closes it (calling
  // `on_close` once, on the log thread or in the destructor) when the peer
  // goes away; otherwise the caller keeps it.
  AddResult AddWatcher(int fd, uint32_t flags, std::function<void()> on_close);

  // One pass of the log thread: drains every thread buffer, renders the
  // records in gid order into the watchers' buffers, then polls the
  // watchers (write, read-and-discard, close the gone). Returns how many
  // records were drained.
  size_t RunOnce();

  Stats GetStats() const;

 private:
  struct ThreadBuffer;
  struct Watcher;

  // The calling thread's buffer, registered on first use.
  ThreadBuffer* LocalBuffer();
  void Append(WatchRecord* r);
  void ThreadMain();
  // REQUIRES: watchers_mu_ held.
  void Deliver(const WatchRecord& r, const std::string& line);
  void PollWatchers();
  void CloseWatcher(size_t i);
  void UpdateMask();

  const Options options_;
  const uint64_t id_;  // tells this log from an earlier one at the same address
  std::atomic<uint32_t> mask_{0};  // union of the watchers' flags
  std::atomic<uint64_t> next_gid_{0};

  std::mutex buffers_mu_;  // guards buffers_ (the list, not their contents)
  std::vector<std::unique_ptr<ThreadBuffer>> buffers_;

  std::mutex watchers_mu_;  // guards watchers_, carry_ and every Watcher
  std::vector<std::unique_ptr<Watcher>> watchers_;
  std::vector<WatchRecord> carry_;  // drained, above the last pass's watermark

  // Totals since start; relaxed, read by "stats".
  std::atomic<uint64_t> worker_dropped_{0};
  std::atomic<uint64_t> worker_written_{0};
  std::atomic<uint64_t> watcher_skipped_{0};
  std::atomic<uint64_t> watcher_sent_{0};
  std::atomic<uint64_t> watcher_count_{0};

  std::mutex run_mu_;  // guards running_; with wake_ for Stop() and AddWatcher()
  std::condition_variable wake_;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace memcd

#endif  // MEMCD_STATS_WATCH_LOG_H_
