#include "server/metrics_report.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>
#include <vector>

#include "server/stats_report.h"
#include "stats/hot_keys.h"
#include "stats/latency_histogram.h"
#include "stats/prometheus_writer.h"

namespace memcd {
namespace {

struct StatInfo {
  const char* name;  // as "stats" prints it
  bool counter;      // else a gauge
  const char* help;
};

// The general group. A stat missing here (one added later) is still
// exported, as a gauge with a generic HELP.
constexpr StatInfo kGeneralStats[] = {
    {"pid", false, "Process id."},
    {"uptime", false, "Seconds since the server started."},
    {"time", false, "The server's current unix time."},
    {"pointer_size", false, "Bits in a pointer."},
    {"rusage_user", true, "User CPU seconds used by the process."},
    {"rusage_system", true, "System CPU seconds used by the process."},
    {"max_connections", false, "Connection limit (-c)."},
    {"curr_connections", false, "Open client connections."},
    {"total_connections", true, "Connections accepted."},
    {"rejected_connections", true, "Connections refused over the -c limit."},
    {"connection_structures", false, "Connection structures allocated."},
    {"cmd_get", true, "Keys requested by get-type commands."},
    {"cmd_set", true, "Storage commands."},
    {"cmd_flush", true, "flush_all commands."},
    {"cmd_touch", true, "Keys touched (touch, gat, gats)."},
    {"cmd_meta", true, "Meta commands."},
    {"get_hits", true, "Keys found by get-type commands."},
    {"get_misses", true, "Keys not found by get-type commands."},
    {"get_expired", true, "Gets that found an expired item."},
    {"get_flushed", true, "Gets that found an item invalidated by flush_all."},
    {"delete_misses", true, "Deletes of missing keys."},
    {"delete_hits", true, "Deletes that removed an item."},
    {"incr_misses", true, "incr on missing keys."},
    {"incr_hits", true, "incr on present keys."},
    {"decr_misses", true, "decr on missing keys."},
    {"decr_hits", true, "decr on present keys."},
    {"cas_misses", true, "cas on missing keys."},
    {"cas_hits", true, "cas that stored."},
    {"cas_badval", true, "cas refused for a stale CAS value."},
    {"touch_hits", true, "Touches of present keys."},
    {"touch_misses", true, "Touches of missing keys."},
    {"store_too_large", true, "Stores refused for their size."},
    {"store_no_memory", true, "Stores refused for lack of memory."},
    {"auth_cmds", true, "Authentication attempts."},
    {"auth_errors", true, "Failed authentication attempts."},
    {"idle_kicks", true, "Connections closed by -o idle_timeout."},
    {"bytes_read", true, "Bytes read from clients."},
    {"bytes_written", true, "Bytes written to clients."},
    {"limit_maxbytes", false, "Item memory limit in bytes (-m)."},
    {"accepting_conns", false, "1 while new connections are accepted, 0 while paused."},
    {"listen_disabled_num", true, "Times accepting paused (accept errors, -c under no_maxconns_fast)."},
    {"time_in_listen_disabled_us", true, "Seconds spent in ended accept pauses."},
    {"threads", false, "Worker threads (-t)."},
    {"conn_yields", true, "Times a connection yielded after -R requests."},
    {"hash_power_level", false, "log2 of the hash table's bucket count."},
    {"hash_bytes", false, "Bytes used by the hash table."},
    {"hash_is_expanding", false, "1 while the hash table grows."},
    {"slab_reassign_rescues", true, "Items rescued while moving pages."},
    {"slab_reassign_chunk_rescues", true, "Chunks rescued while moving pages."},
    {"slab_reassign_evictions_nomem", true, "Items evicted while moving pages."},
    {"slab_reassign_inline_reclaim", true, "Pages reclaimed inline while moving."},
    {"slab_reassign_busy_items", true, "Busy items met while moving pages."},
    {"slab_reassign_busy_deletes", true, "Busy deletes met while moving pages."},
    {"slab_reassign_running", false, "1 while a page move runs."},
    {"slabs_moved", true, "Pages moved between slab classes."},
    {"lru_crawler_running", false, "1 while the LRU crawler runs."},
    {"lru_crawler_starts", true, "LRU crawler runs started."},
    {"lru_maintainer_juggles", true, "LRU maintainer passes."},
    {"log_worker_dropped", true, "Watch log lines dropped by workers."},
    {"log_worker_written", true, "Watch log lines written by workers."},
    {"log_watcher_skipped", true, "Watch log lines skipped for slow watchers."},
    {"log_watcher_sent", true, "Watch log lines sent to watchers."},
    {"log_watchers", false, "Connected watchers."},
    {"total_malloced", false, "Bytes of slab pages allocated."},
    {"curr_items", false, "Items stored."},
    {"total_items", true, "Items stored since start."},
    {"slab_global_page_pool", false, "Free pages in the global pool."},
    {"expired_unfetched", true, "Expired items reclaimed that were never fetched."},
    {"evicted_unfetched", true, "Evicted items that were never fetched."},
    {"evicted_active", true, "Items evicted although recently active."},
    {"evictions", true, "Items evicted to make room."},
    {"reclaimed", true, "Expired items whose memory was reused."},
    {"crawler_reclaimed", true, "Items reclaimed by the LRU crawler."},
    {"crawler_items_checked", true, "Items checked by the LRU crawler."},
    {"lrutail_reflocked", true, "LRU tail items found referenced."},
    {"moves_to_cold", true, "Items moved to the COLD LRU."},
    {"moves_to_warm", true, "Items moved to the WARM LRU."},
    {"moves_within_lru", true, "Items bumped within an LRU."},
    {"direct_reclaims", true, "Reclaims done by workers directly."},
    {"lru_bumps_dropped", true, "LRU bumps dropped."},
    {"bytes", false, "Bytes of items stored."},
};

// "stats items" per-class fields that count events; the others are gauges.
constexpr const char* kItemCounters[] = {
    "evicted",           "evicted_nonzero",   "outofmemory",       "tailrepairs",
    "reclaimed",         "expired_unfetched", "evicted_unfetched", "evicted_active",
    "crawler_reclaimed", "crawler_items_checked", "lrutail_reflocked", "moves_to_cold",
    "moves_to_warm",     "moves_within_lru",  "direct_reclaims",   "hits_to_hot",
    "hits_to_warm",      "hits_to_cold",      "hits_to_temp",
};

const StatInfo* FindGeneral(std::string_view name) {
  for (const StatInfo& s : kGeneralStats) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

bool IsItemCounter(std::string_view name) {
  for (const char* c : kItemCounters) {
    if (name == c) return true;
  }
  return false;
}

// A stat name as a metric name: anything outside [a-zA-Z0-9_] becomes '_'.
std::string MetricName(std::string_view prefix, std::string_view stat, bool counter) {
  std::string name(prefix);
  for (char c : stat) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    name += ok ? c : '_';
  }
  if (counter) name += "_total";
  return name;
}

// "STAT <name> <value>\r\n" lines of one stats group, in order.
std::vector<std::pair<std::string, std::string>> StatLines(const ServerContext& ctx,
                                                           std::string_view group) {
  std::string text;
  WriteStatsGroup(ctx, group, &text);
  std::vector<std::pair<std::string, std::string>> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find("\r\n", pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 2;
    if (line.substr(0, 5) != "STAT ") continue;
    line.remove_prefix(5);
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    lines.emplace_back(std::string(line.substr(0, space)), std::string(line.substr(space + 1)));
  }
  return lines;
}

// True with *out when `text` is a whole decimal number ("12", "0.000123").
bool ParseNumber(const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

void WriteValue(PrometheusWriter* w, const std::string& name, const MetricLabels& labels,
                const std::string& text, double value) {
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    w->Sample(name, labels, static_cast<uint64_t>(std::strtoull(text.c_str(), nullptr, 10)));
  } else {
    w->Sample(name, labels, value);
  }
}

void WriteGeneralMetrics(const ServerContext& ctx, PrometheusWriter* w) {
  std::string version, libevent;
  for (const auto& [stat, text] : StatLines(ctx, "")) {
    double value = 0;
    if (!ParseNumber(text, &value)) {
      if (stat == "version") version = text;
      if (stat == "libevent") libevent = text;
      continue;
    }
    const StatInfo* info = FindGeneral(stat);
    const bool counter = info != nullptr && info->counter;
    const std::string help = info != nullptr ? info->help : "The \"stats\" value " + stat + ".";
    // Prometheus wants base units: a microseconds stat goes out in seconds.
    const bool micros = stat.size() > 3 && stat.compare(stat.size() - 3, 3, "_us") == 0;
    const std::string name =
        MetricName("memcd_", micros ? stat.substr(0, stat.size() - 3) + "_seconds" : stat, counter);
    w->Family(name, help, counter ? MetricType::kCounter : MetricType::kGauge);
    if (micros) {
      w->Sample(name, {}, value / 1e6);
    } else {
      WriteValue(w, name, {}, text, value);
    }
  }
  w->Family("memcd_build_info", "Always 1; the labels name the versions.", MetricType::kGauge);
  w->Sample("memcd_build_info", {{"version", version}, {"libevent", libevent}}, uint64_t{1});
}

// "stats slabs" ("<class>:<field>") and "stats items" ("items:<class>:<field>")
// as one family per field, labelled by class; fields without a class
// ("active_slabs") as plain gauges.
void WriteClassMetrics(const ServerContext& ctx, std::string_view group,
                       std::string_view prefix, PrometheusWriter* w) {
  struct Family {
    bool counter = false;
    std::vector<std::pair<std::string, std::string>> samples;  // class, value text
  };
  std::vector<std::string> order;
  std::map<std::string, Family> families;
  for (auto& [stat, text] : StatLines(ctx, group)) {
    std::string_view s = stat;
    if (s.substr(0, 6) == "items:") s.remove_prefix(6);
    const size_t colon = s.find(':');
    if (colon == std::string_view::npos) {
      if (s == "total_malloced") continue;  // already in the general group
      double value = 0;
      if (!ParseNumber(text, &value)) continue;
      const std::string name = MetricName("memcd_", s, false);
      w->Family(name, "The \"stats " + std::string(group) + "\" value " + std::string(s) + ".",
                MetricType::kGauge);
      WriteValue(w, name, {}, text, value);
      continue;
    }
    const std::string field(s.substr(colon + 1));
    auto it = families.find(field);
    if (it == families.end()) {
      order.push_back(field);
      it = families.emplace(field, Family{}).first;
      it->second.counter = group == "items" && IsItemCounter(field);
    }
    it->second.samples.emplace_back(std::string(s.substr(0, colon)), text);
  }
  for (const std::string& field : order) {
    const Family& f = families[field];
    const std::string name = MetricName(prefix, field, f.counter);
    w->Family(name,
              "Per slab class \"" + field + "\" of \"stats " + std::string(group) + "\".",
              f.counter ? MetricType::kCounter : MetricType::kGauge);
    for (const auto& [cls, text] : f.samples) {
      double value = 0;
      if (ParseNumber(text, &value)) WriteValue(w, name, {{"class", cls}}, text, value);
    }
  }
}

void WriteLatencyMetrics(const ServerContext& ctx, PrometheusWriter* w) {
  constexpr const char* kName = "memcd_request_duration_seconds";
  w->Family(kName,
            "Time a worker spent executing a request (parse done to reply queued; "
            "a storage command's value transfer excluded).",
            MetricType::kHistogram);
  const std::string bucket = std::string(kName) + "_bucket";
  for (int f = 0; f < kCommandFamilyCount; ++f) {
    LatencySnapshot snap;
    for (const ThreadStats* s : ctx.thread_stats) snap.Add(s->latency[f]);
    const char* family = CommandFamilyName(static_cast<CommandFamily>(f));
    uint64_t cumulative = 0;
    for (int i = 0; i < kLatencyBuckets; ++i) {
      cumulative += snap.buckets[i];
      const std::string le = LatencyBucketLabel(i);
      w->Sample(bucket, {{"command", family}, {"le", le}}, cumulative);
    }
    cumulative += snap.buckets[kLatencyBuckets];
    w->Sample(bucket, {{"command", family}, {"le", "+Inf"}}, cumulative);
    w->Sample(std::string(kName) + "_sum", {{"command", family}},
              static_cast<double>(snap.sum_nanos) / 1e9);
    w->Sample(std::string(kName) + "_count", {{"command", family}}, cumulative);
  }
}

std::vector<const HotKeySketch*> Sketches(const ServerContext& ctx) {
  std::vector<const HotKeySketch*> sketches;
  for (const ThreadStats* s : ctx.thread_stats) sketches.push_back(&s->hot_keys);
  return sketches;
}

void WriteHotKeyMetrics(const ServerContext& ctx, PrometheusWriter* w) {
  const std::vector<const HotKeySketch*> sketches = Sketches(ctx);
  const RelTime now = ctx.clock->Now();
  for (const HotKeyKind kind : {HotKeyKind::kRead, HotKeyKind::kWrite}) {
    const bool read = kind == HotKeyKind::kRead;
    const char* name = read ? "memcd_hot_key_reads" : "memcd_hot_key_writes";
    w->Family(name,
              read ? "Estimated reads of the hottest keys over the last minute (sampled)."
                   : "Estimated writes of the hottest keys over the last minute (sampled).",
              MetricType::kGauge);
    int rank = 0;
    for (const HotKey& k : TopHotKeys(sketches, kind, now, kHotKeysReported)) {
      const std::string r = std::to_string(++rank);
      const std::string key = PrintableKey(k.key);
      w->Sample(name, {{"rank", r}, {"key", key}}, k.count);
    }
  }
}

}  // namespace

std::string PrintableKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size());
  for (char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (c > 0x20 && c < 0x7f && c != '%') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

void WriteHotKeys(const ServerContext& ctx, std::string* out) {
  const std::vector<const HotKeySketch*> sketches = Sketches(ctx);
  const RelTime now = ctx.clock->Now();
  const int every = ctx.thread_stats.empty() ? 0 : ctx.thread_stats[0]->hot_keys.sample_every();
  out->append("STAT hotkeys_window_seconds ")
      .append(std::to_string(HotKeySketch::kSubWindows * HotKeySketch::kSubWindowSeconds))
      .append("\r\n");
  out->append("STAT hotkeys_sample_every ").append(std::to_string(every)).append("\r\n");
  for (const HotKeyKind kind : {HotKeyKind::kRead, HotKeyKind::kWrite}) {
    const char* prefix = kind == HotKeyKind::kRead ? "STAT read:" : "STAT write:";
    int rank = 0;
    for (const HotKey& k : TopHotKeys(sketches, kind, now, kHotKeysReported)) {
      out->append(prefix).append(std::to_string(++rank)).append(" ");
      out->append(PrintableKey(k.key)).append(" ").append(std::to_string(k.count)).append("\r\n");
    }
  }
}

void WriteMetrics(const ServerContext& ctx, std::string* out) {
  PrometheusWriter w(out);
  WriteGeneralMetrics(ctx, &w);
  WriteClassMetrics(ctx, "slabs", "memcd_slabs_", &w);
  WriteClassMetrics(ctx, "items", "memcd_items_", &w);
  WriteLatencyMetrics(ctx, &w);
  WriteHotKeyMetrics(ctx, &w);
}

}  // namespace memcd
