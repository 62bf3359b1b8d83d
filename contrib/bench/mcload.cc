// mcload: a load generator for memcached-compatible servers, in the spirit of
// mc-crusher. One thread, one libevent loop, non-blocking connections that
// each keep --depth requests in flight over a fixed key space. It counts
// replies, checks their framing and every value's bytes, records each
// request's latency (send to last reply byte) and stops after a fixed time.
//
// Protocol with its driver (contrib/bench/bench.py): "measure-start" and
// "measure-stop" lines on stdout mark the measured interval (the driver reads
// the server's CPU time at each), then one JSON object with the results.
// Exit status: 0, or 1 when a connection failed or a reply was malformed.
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <event2/event.h>
#include <gflags/gflags.h>

#include "contrib/bench/histogram.h"

DEFINE_string(host, "127.0.0.1", "server address (IPv4)");
DEFINE_int32(port, 11211, "server TCP port");
DEFINE_int32(conns, 50, "connections generating load");
DEFINE_int32(idle_conns, 0, "extra connections that connect and stay idle");
DEFINE_int32(depth, 1, "requests each connection keeps in flight");
DEFINE_int32(keys, 100000, "key space: keys PREFIX0 .. PREFIX<keys-1>");
DEFINE_string(key_prefix, "bench:", "key prefix");
DEFINE_int32(value_size, 100, "bytes per value (every key holds this size)");
DEFINE_int32(sets, 1, "sets in each sets:gets mix");
DEFINE_int32(gets, 10, "gets in each sets:gets mix");
DEFINE_int32(multiget, 1, "keys per get request (text protocol only)");
DEFINE_string(protocol, "text", "text (get/set) or meta (mg/ms)");
DEFINE_double(warmup, 0.5, "seconds of load before measuring");
DEFINE_double(duration, 5.0, "seconds measured (with --preload: time limit)");
DEFINE_bool(preload, false, "set every key once over --conns connections, then exit");
DEFINE_uint64(seed, 1, "random seed");

namespace memcd {
namespace {

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + ts.tv_nsec;
}

// xorshift64*: fast and good enough to pick keys and commands.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>((Next() >> 32) % n); }

 private:
  uint64_t state_;
};

enum class Kind : uint8_t { kGet, kSet };

struct Pending {
  Kind kind;
  uint32_t key;  // the first key of a multi-get
  uint64_t sent_ns;
};

enum class Parse { kDone, kNeedMore, kBad };

struct Counters {
  uint64_t requests = 0;  // completed replies
  uint64_t gets = 0;
  uint64_t sets = 0;
  uint64_t keys = 0;  // keys asked for by gets
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t error_replies = 0;  // NOT_STORED, SERVER_ERROR, NS, ...
};

class Load;

class Connection {
 public:
  Connection(Load* load, int fd, uint64_t seed, uint32_t first_key)
      : load_(load), fd_(fd), rng_(seed), next_preload_key_(first_key) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool Start(event_base* base);
  bool done() const { return done_; }
  bool failed() const { return failed_; }

 private:
  static void OnEvent(evutil_socket_t fd, short what, void* arg);
  void OnReadable();
  void Flush();
  void Fail(const char* why);
  void Issue(uint64_t now);
  void AppendGet(uint32_t key, int nkeys);
  void AppendSet(uint32_t key);
  void AppendKey(uint32_t key);
  Parse ParseReply(const Pending& p, const char* data, size_t n, size_t* used);
  Parse ParseTextGet(const char* data, size_t n, size_t* used);
  Parse ParseMetaGet(const Pending& p, const char* data, size_t n, size_t* used);
  bool CheckValue(uint32_t key, const char* data, size_t len);

  Load* load_;
  int fd_;
  Rng rng_;
  uint32_t next_preload_key_;
  event* read_event_ = nullptr;
  event* write_event_ = nullptr;
  bool writing_ = false;
  bool done_ = false;
  bool failed_ = false;
  std::string out_;
  size_t out_pos_ = 0;
  std::vector<char> in_ = std::vector<char>(64 * 1024);
  size_t in_start_ = 0;
  size_t in_end_ = 0;
  std::deque<Pending> pending_;
};

// The whole run: configuration, connections, counters and the clock.
class Load {
 public:
  Load() : base_(event_base_new()) {}
  ~Load() {
    conns_.clear();
    for (int fd : idle_) close(fd);
    if (timer_ != nullptr) event_free(timer_);
    event_base_free(base_);
  }

  int Run();

  // Called by connections.
  bool running() const { return phase_ != Phase::kStopped; }
  bool measuring() const { return phase_ == Phase::kMeasuring; }
  const std::string& pattern() const { return pattern_; }
  Counters& counters() { return counters_; }
  LatencyHistogram& latency() { return latency_; }
  // Returns the count of failures of that kind so far.
  uint64_t CountFailure(bool framing) { return ++(framing ? framing_errors_ : conn_errors_); }
  void ConnectionFinished();

 private:
  enum class Phase { kWarmup, kMeasuring, kStopped };
  static void OnTimer(evutil_socket_t, short, void* arg);
  int Connect();
  void PrintResult(double seconds);

  event_base* base_;
  event* timer_ = nullptr;
  Phase phase_ = Phase::kWarmup;
  std::string pattern_;
  std::vector<std::unique_ptr<Connection>> conns_;
  std::vector<int> idle_;
  size_t finished_ = 0;
  Counters counters_;
  LatencyHistogram latency_;
  uint64_t framing_errors_ = 0;
  uint64_t conn_errors_ = 0;
  uint64_t measure_start_ns_ = 0;
  uint64_t measure_end_ns_ = 0;
};

bool Connection::Start(event_base* base) {
  read_event_ = event_new(base, fd_, EV_READ | EV_PERSIST, &Connection::OnEvent, this);
  write_event_ = event_new(base, fd_, EV_WRITE | EV_PERSIST, &Connection::OnEvent, this);
  if (read_event_ == nullptr || write_event_ == nullptr || event_add(read_event_, nullptr) != 0)
    return false;
  uint64_t now = NowNs();
  for (int i = 0; i < FLAGS_depth; ++i) Issue(now);
  if (pending_.empty()) {  // a preload connection with no keys of its own
    done_ = true;
    load_->ConnectionFinished();
    return true;
  }
  Flush();
  return !failed_;
}

Connection::~Connection() {
  if (read_event_ != nullptr) event_free(read_event_);
  if (write_event_ != nullptr) event_free(write_event_);
  if (fd_ >= 0) close(fd_);
}

void Connection::OnEvent(evutil_socket_t, short what, void* arg) {
  auto* conn = static_cast<Connection*>(arg);
  if (what & EV_WRITE) conn->Flush();
  if ((what & EV_READ) && !conn->failed_) conn->OnReadable();
}

void Connection::Fail(const char* why) {
  if (failed_ || done_) return;
  failed_ = true;
  if (strcmp(why, "framing error") != 0 && load_->CountFailure(false) <= 3) {
    fprintf(stderr, "mcload: connection fd %d: %s\n", fd_, why);
  }
  event_del(read_event_);
  event_del(write_event_);
  load_->ConnectionFinished();
}

void Connection::AppendKey(uint32_t key) {
  char digits[16];
  char* end = std::to_chars(digits, digits + sizeof(digits), key).ptr;
  out_ += FLAGS_key_prefix;
  out_.append(digits, end);
}

void Connection::AppendGet(uint32_t key, int nkeys) {
  if (FLAGS_protocol == "meta") {
    out_ += "mg ";
    AppendKey(key);
    out_ += " v\r\n";
    return;
  }
  out_ += "get";
  for (int i = 0; i < nkeys; ++i) {
    out_ += ' ';
    AppendKey((key + i) % static_cast<uint32_t>(FLAGS_keys));
  }
  out_ += "\r\n";
}

void Connection::AppendSet(uint32_t key) {
  char header[64];
  int n = snprintf(header, sizeof(header), FLAGS_protocol == "meta" ? " %d\r\n" : " 0 0 %d\r\n",
                   FLAGS_value_size);
  out_ += FLAGS_protocol == "meta" ? "ms " : "set ";
  AppendKey(key);
  out_.append(header, n);
  out_.append(load_->pattern(), key % 26, FLAGS_value_size);
  out_ += "\r\n";
}

// Queues the next request: in a preload the next key of this connection's
// share, otherwise a set or a get of random keys in the sets:gets mix.
void Connection::Issue(uint64_t now) {
  if (!load_->running()) return;
  if (FLAGS_preload) {
    if (next_preload_key_ >= static_cast<uint32_t>(FLAGS_keys)) return;
    AppendSet(next_preload_key_);
    pending_.push_back({Kind::kSet, next_preload_key_, now});
    next_preload_key_ += FLAGS_conns;
    return;
  }
  uint32_t key = rng_.Below(FLAGS_keys);
  bool set = rng_.Below(FLAGS_sets + FLAGS_gets) < static_cast<uint32_t>(FLAGS_sets);
  if (set) {
    AppendSet(key);
  } else {
    AppendGet(key, FLAGS_multiget);
  }
  pending_.push_back({set ? Kind::kSet : Kind::kGet, key, now});
}

void Connection::Flush() {
  while (out_pos_ < out_.size()) {
    ssize_t n = write(fd_, out_.data() + out_pos_, out_.size() - out_pos_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) return Fail(strerror(errno));
    out_pos_ += static_cast<size_t>(n);
  }
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
    if (writing_) event_del(write_event_);
    writing_ = false;
  } else if (!writing_) {
    event_add(write_event_, nullptr);
    writing_ = true;
  }
}

bool Connection::CheckValue(uint32_t key, const char* data, size_t len) {
  return len == static_cast<size_t>(FLAGS_value_size) && data[len] == '\r' &&
         data[len + 1] == '\n' && memcmp(data, load_->pattern().data() + key % 26, len) == 0;
}

// A line ending at the first "\r\n" from DATA, or npos when not all there.
size_t LineEnd(const char* data, size_t n) {
  const void* cr = memchr(data, '\r', n);
  if (cr == nullptr) return std::string::npos;
  size_t at = static_cast<const char*>(cr) - data;
  if (at + 1 >= n) return std::string::npos;
  return data[at + 1] == '\n' ? at : std::string::npos - 1;  // npos-1: bare \r
}

bool StartsWith(const char* data, size_t n, const char* prefix) {
  size_t len = strlen(prefix);
  return n >= len && memcmp(data, prefix, len) == 0;
}

// Reads the decimal number at *p (before `end`) into *value, then steps over
// `sep` unless it is '\0' (the last field); false unless both are there.
template <typename T>
bool ParseField(const char** p, const char* end, T* value, char sep) {
  std::from_chars_result r = std::from_chars(*p, end, *value);
  if (r.ec != std::errc() || r.ptr == *p) return false;
  *p = r.ptr;
  if (sep == '\0') return true;
  if (*p == end || **p != sep) return false;
  ++*p;
  return true;
}

// "VALUE <key> <flags> <bytes>\r\n<data>\r\n" per hit, then "END\r\n".
Parse Connection::ParseTextGet(const char* data, size_t n, size_t* used) {
  size_t pos = 0;
  uint64_t hits = 0;
  while (true) {
    size_t end = LineEnd(data + pos, n - pos);
    if (end == std::string::npos) return Parse::kNeedMore;
    if (end == std::string::npos - 1) return Parse::kBad;
    const char* line = data + pos;
    if (end == 3 && memcmp(line, "END", 3) == 0) {
      *used = pos + 5;
      Counters& c = load_->counters();
      c.keys += FLAGS_multiget;
      c.hits += hits;
      c.misses += FLAGS_multiget - hits;
      return Parse::kDone;
    }
    const char* const line_end = line + end;
    const size_t prefix = FLAGS_key_prefix.size();
    uint32_t key = 0;
    unsigned flags = 0;
    size_t bytes = 0;
    const char* cursor = line + 6 + prefix;
    if (!StartsWith(line, end, "VALUE ") || end < 6 + prefix ||
        memcmp(line + 6, FLAGS_key_prefix.data(), prefix) != 0 ||
        !ParseField(&cursor, line_end, &key, ' ') || !ParseField(&cursor, line_end, &flags, ' ') ||
        !ParseField(&cursor, line_end, &bytes, '\0') || cursor != line_end) {
      return Parse::kBad;
    }
    pos += end + 2;
    if (n - pos < bytes + 2) return Parse::kNeedMore;
    if (!CheckValue(key, data + pos, bytes)) return Parse::kBad;
    pos += bytes + 2;
    ++hits;
  }
}

// "VA <bytes>\r\n<data>\r\n" on a hit, "EN\r\n" on a miss.
Parse Connection::ParseMetaGet(const Pending& p, const char* data, size_t n, size_t* used) {
  size_t end = LineEnd(data, n);
  if (end == std::string::npos) return Parse::kNeedMore;
  if (end == std::string::npos - 1) return Parse::kBad;
  Counters& c = load_->counters();
  if (end == 2 && memcmp(data, "EN", 2) == 0) {
    *used = 4;
    ++c.keys;
    ++c.misses;
    return Parse::kDone;
  }
  size_t bytes = 0;
  const char* cursor = data + 3;
  if (!StartsWith(data, end, "VA ") || !ParseField(&cursor, data + end, &bytes, '\0') ||
      cursor != data + end) {
    return Parse::kBad;
  }
  if (n - end - 2 < bytes + 2) return Parse::kNeedMore;
  if (!CheckValue(p.key, data + end + 2, bytes)) return Parse::kBad;
  *used = end + 2 + bytes + 2;
  ++c.keys;
  ++c.hits;
  return Parse::kDone;
}

Parse Connection::ParseReply(const Pending& p, const char* data, size_t n, size_t* used) {
  if (p.kind == Kind::kGet) {
    return FLAGS_protocol == "meta" ? ParseMetaGet(p, data, n, used)
                                    : ParseTextGet(data, n, used);
  }
  size_t end = LineEnd(data, n);
  if (end == std::string::npos) return Parse::kNeedMore;
  if (end == std::string::npos - 1) return Parse::kBad;
  const char* ok = FLAGS_protocol == "meta" ? "HD" : "STORED";
  bool stored = end == strlen(ok) && memcmp(data, ok, end) == 0;
  // Refusals a healthy server may give (out of memory, too large) are
  // counted; anything else means we and the server disagree on framing.
  bool refused = StartsWith(data, end, "SERVER_ERROR") || StartsWith(data, end, "NOT_STORED") ||
                 (end == 2 && memcmp(data, "NS", 2) == 0);
  if (!stored && !refused) return Parse::kBad;
  if (refused) ++load_->counters().error_replies;
  *used = end + 2;
  return Parse::kDone;
}

void Connection::OnReadable() {
  if (in_end_ == in_.size()) {  // full: slide the unread part down, then grow
    if (in_start_ > 0) {
      memmove(in_.data(), in_.data() + in_start_, in_end_ - in_start_);
      in_end_ -= in_start_;
      in_start_ = 0;
    } else {
      in_.resize(in_.size() * 2);
    }
  }
  ssize_t n = read(fd_, in_.data() + in_end_, in_.size() - in_end_);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) return Fail(n == 0 ? "closed by the server" : strerror(errno));
  in_end_ += static_cast<size_t>(n);
  uint64_t now = NowNs();
  while (!pending_.empty() && in_start_ < in_end_) {
    const Pending& p = pending_.front();
    size_t used = 0;
    Parse r = ParseReply(p, in_.data() + in_start_, in_end_ - in_start_, &used);
    if (r == Parse::kNeedMore) break;
    if (r == Parse::kBad) {
      size_t show = std::min<size_t>(in_end_ - in_start_, 80);
      std::string bytes(in_.data() + in_start_, show);
      for (char& ch : bytes) {
        if (ch == '\r' || ch == '\n') ch = '|';
      }
      if (load_->CountFailure(true) <= 3) {  // the first few tell the story
        fprintf(stderr, "mcload: malformed reply to a %s: \"%s\"\n",
                p.kind == Kind::kGet ? "get" : "set", bytes.c_str());
      }
      return Fail("framing error");
    }
    in_start_ += used;
    Counters& c = load_->counters();
    ++c.requests;
    ++(p.kind == Kind::kGet ? c.gets : c.sets);
    if (load_->measuring()) load_->latency().Add(now - p.sent_ns);
    pending_.pop_front();
    Issue(now);
  }
  if (in_start_ == in_end_) in_start_ = in_end_ = 0;
  if (in_end_ > in_start_ && pending_.empty()) {
    load_->CountFailure(true);
    return Fail("bytes from the server nobody asked for");
  }
  Flush();
  if (pending_.empty() && !done_ && !failed_) {  // preload share finished, or stopped
    done_ = true;
    event_del(read_event_);
    load_->ConnectionFinished();
  }
}

// Stops the loop once every connection is done (a preload) or has failed.
void Load::ConnectionFinished() {
  if (++finished_ == conns_.size() && phase_ != Phase::kStopped) {
    if (measure_end_ns_ == 0) measure_end_ns_ = NowNs();
    phase_ = Phase::kStopped;
    event_base_loopbreak(base_);
  }
}

void Load::OnTimer(evutil_socket_t, short, void* arg) {
  auto* load = static_cast<Load*>(arg);
  uint64_t now = NowNs();
  if (load->phase_ == Phase::kWarmup) {
    load->counters_ = Counters();
    load->latency_.Clear();
    load->measure_start_ns_ = now;
    load->phase_ = Phase::kMeasuring;
    printf("measure-start\n");
    fflush(stdout);
    timeval tv = {static_cast<time_t>(FLAGS_duration),
                  static_cast<suseconds_t>((FLAGS_duration - static_cast<long>(FLAGS_duration)) * 1e6)};
    evtimer_add(load->timer_, &tv);
    return;
  }
  load->measure_end_ns_ = now;
  load->phase_ = Phase::kStopped;
  printf("measure-stop\n");
  fflush(stdout);
  if (FLAGS_preload) fprintf(stderr, "mcload: preload did not finish in time\n");
  load->conn_errors_ += FLAGS_preload ? 1 : 0;
  event_base_loopbreak(load->base_);
}

int Load::Connect() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(FLAGS_port));
  int one = 1;
  if (inet_pton(AF_INET, FLAGS_host.c_str(), &addr.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int Load::Run() {
  if (base_ == nullptr) return 1;
  pattern_.resize(FLAGS_value_size + 26);
  for (size_t i = 0; i < pattern_.size(); ++i) pattern_[i] = static_cast<char>('a' + i % 26);
  for (int i = 0; i < FLAGS_idle_conns; ++i) {
    int fd = Connect();
    if (fd < 0) return perror("mcload: idle connect"), 1;
    idle_.push_back(fd);
  }
  for (int i = 0; i < FLAGS_conns; ++i) {
    int fd = Connect();
    if (fd < 0) return perror("mcload: connect"), 1;
    conns_.push_back(std::make_unique<Connection>(this, fd, FLAGS_seed * 7919 + i, i));
  }
  timer_ = evtimer_new(base_, &Load::OnTimer, this);
  if (FLAGS_preload) {
    phase_ = Phase::kMeasuring;
    measure_start_ns_ = NowNs();
    timeval limit = {static_cast<time_t>(FLAGS_duration), 0};
    evtimer_add(timer_, &limit);
  } else {
    timeval warm = {static_cast<time_t>(FLAGS_warmup),
                    static_cast<suseconds_t>((FLAGS_warmup - static_cast<long>(FLAGS_warmup)) * 1e6)};
    evtimer_add(timer_, &warm);
  }
  for (auto& conn : conns_) {
    if (!conn->Start(base_)) return fprintf(stderr, "mcload: cannot start a connection\n"), 1;
  }
  if (phase_ != Phase::kStopped) event_base_dispatch(base_);
  if (measure_start_ns_ == 0) measure_start_ns_ = measure_end_ns_ = NowNs();
  PrintResult((measure_end_ns_ - measure_start_ns_) / 1e9);
  return framing_errors_ + conn_errors_ > 0 ? 1 : 0;
}

void Load::PrintResult(double seconds) {
  const Counters& c = counters_;
  double s = seconds > 0 ? seconds : 1e-9;
  auto us = [this](double p) { return latency_.Percentile(p) / 1000.0; };
  printf("{\"protocol\": \"%s\", \"conns\": %d, \"depth\": %d, \"multiget\": %d, "
         "\"value_size\": %d, \"seconds\": %.3f, \"requests\": %" PRIu64 ", \"gets\": %" PRIu64
         ", \"sets\": %" PRIu64 ", \"keys\": %" PRIu64 ", \"hits\": %" PRIu64
         ", \"misses\": %" PRIu64 ", \"error_replies\": %" PRIu64 ", \"framing_errors\": %" PRIu64
         ", \"conn_errors\": %" PRIu64 ", \"ops_per_sec\": %.1f, \"keys_per_sec\": %.1f, "
         "\"p50_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f, "
         "\"max_us\": %.1f}\n",
         FLAGS_protocol.c_str(), FLAGS_conns, FLAGS_depth, FLAGS_multiget, FLAGS_value_size, seconds,
         c.requests, c.gets, c.sets, c.keys, c.hits, c.misses, c.error_replies, framing_errors_,
         conn_errors_, c.requests / s, c.keys / s, us(0.5), us(0.9), us(0.99), us(0.999),
         latency_.max() / 1000.0);
  fflush(stdout);
}

bool ValidFlags() {
  if (FLAGS_protocol != "text" && FLAGS_protocol != "meta") {
    fprintf(stderr, "mcload: --protocol must be text or meta\n");
    return false;
  }
  if (FLAGS_conns < 1 || FLAGS_depth < 1 || FLAGS_keys < 1 || FLAGS_value_size < 0 ||
      FLAGS_sets < 0 || FLAGS_gets < 0 || FLAGS_sets + FLAGS_gets < 1 || FLAGS_multiget < 1 ||
      FLAGS_idle_conns < 0 || FLAGS_duration <= 0 || FLAGS_warmup <= 0) {
    fprintf(stderr, "mcload: counts must be positive (sets+gets, warmup, duration too)\n");
    return false;
  }
  if (FLAGS_multiget > 1 && (FLAGS_protocol == "meta" || FLAGS_multiget > FLAGS_keys)) {
    fprintf(stderr, "mcload: --multiget needs the text protocol and at most --keys keys\n");
    return false;
  }
  return true;
}

}  // namespace
}  // namespace memcd

int main(int argc, char** argv) {
  gflags::SetUsageMessage("mcload --port=P [--conns --depth --sets --gets ...]");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  if (argc != 1 || !memcd::ValidFlags()) return 2;
  signal(SIGPIPE, SIG_IGN);
  memcd::Load load;
  return load.Run();
}
