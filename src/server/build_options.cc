// BuildOptions (command_line.h): the flags' values, checked as memcached
// checks them, into ServerOptions.
#include "server/command_line.h"

#include <gflags/gflags.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/flags.h"
#include "server/sasl_auth.h"
#include "store/store.h"

namespace memcd {
namespace {

constexpr int kMinHashpower = 12;  // memcached's bounds for -o hashpower
constexpr int kMaxHashpower = 32;
constexpr uint64_t kMinItemSize = 1024;
constexpr uint64_t kMaxItemSize = 1u << 30;

// Reads -I's "<digits>[kKmM]" into bytes.
bool ParseItemSize(std::string_view text, uint64_t* bytes) {
  int shift = 0;
  if (!text.empty()) {
    switch (text.back()) {
      case 'k':
      case 'K':
        shift = 10;
        break;
      case 'm':
      case 'M':
        shift = 20;
        break;
    }
  }
  if (shift != 0) text.remove_suffix(1);
  if (text.empty()) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
    // Far above any legal size; stops overflow before the shift.
    if (value > (uint64_t{1} << 40)) return false;
  }
  *bytes = value << shift;
  return true;
}

// -l's list: memcached separates its entries with ',' or ';'.
bool SplitListen(const std::string& list, std::vector<std::string>* out,
                 std::string* error) {
  out->clear();
  if (list.empty()) return true;
  size_t start = 0;
  while (true) {
    size_t comma = list.find_first_of(",;", start);
    std::string address = list.substr(start, comma - start);
    if (address.empty()) {
      *error = "empty address in listen list \"" + list + "\"";
      return false;
    }
    bool seen = false;
    for (const std::string& a : *out) seen = seen || a == address;
    if (!seen) out->push_back(address);  // binding twice would fail
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

// -o slab_sizes' "<a>-<b>-...": empty fields are skipped, as memcached's
// strtok(); the sizes are range-checked by Store::ValidateChunkOptions().
bool ParseSlabSizes(const std::string& list, std::vector<uint32_t>* out,
                    std::string* error) {
  out->clear();
  size_t start = 0;
  while (start <= list.size()) {
    size_t dash = list.find('-', start);
    if (dash == std::string::npos) dash = list.size();
    std::string_view field(list.data() + start, dash - start);
    start = dash + 1;
    if (field.empty()) continue;
    if (field.front() == '+') field.remove_prefix(1);
    uint64_t size = 0;
    bool parsed = !field.empty() && field.size() <= 10;
    for (char c : field) {
      parsed = parsed && c >= '0' && c <= '9';
      size = size * 10 + static_cast<uint64_t>(c - '0');
    }
    // memcached prints the 0 its failed conversion left behind.
    if (!parsed || size > UINT32_MAX) {
      *error = "slab size 0 is out of valid range";
      return false;
    }
    out->push_back(static_cast<uint32_t>(size));
  }
  return true;
}

// -a's octal permission bits, 0 to 0777.
bool ParseUnixMask(const std::string& text, int* mask) {
  if (text.empty() || text.size() > 4) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return false;
    value = value * 8 + (c - '0');
  }
  if (value > 0777) return false;
  *mask = value;
  return true;
}

bool Refuse(std::string message, std::string* error) {
  *error = std::move(message);
  return false;
}

// -Z and -o ssl_* (the suboptions already checked each value's syntax).
bool BuildTlsOptions(ServerOptions* out, std::string* error) {
  TlsOptions& t = out->tls;
  t.enabled = FLAGS_enable_ssl;
  t.chain_cert = FLAGS_ssl_chain_cert;
  t.key = FLAGS_ssl_key;
  t.ciphers = FLAGS_ssl_ciphers;
  t.ca_cert = FLAGS_ssl_ca_cert;
  t.keyformat = FLAGS_ssl_keyformat;
  t.session_cache = FLAGS_ssl_session_cache;
  t.kernel_tls = FLAGS_ssl_kernel_tls;
  if (!TlsVerifyModeBits(FLAGS_ssl_verify_mode, &t.verify_mode)) {
    return Refuse("Invalid ssl_verify_mode. Use help to see valid options.", error);
  }
  if (FLAGS_ssl_min_version < 0 || FLAGS_ssl_min_version > 3) {
    return Refuse("Invalid ssl_min_version. Use help to see valid options.", error);
  }
  t.min_version = FLAGS_ssl_min_version;
  // memcached takes 0 and then writes nothing; memcd wants some room.
  if (FLAGS_ssl_wbuf_size < 1 || FLAGS_ssl_wbuf_size > (1 << 20)) {
    return Refuse("ssl_wbuf_size must be between 1 and 1048576 kilobytes", error);
  }
  t.wbuf_size = static_cast<uint32_t>(FLAGS_ssl_wbuf_size) * 1024;
  for (const std::string& address : out->listen) {
    if (!t.enabled && address.compare(0, 6, "notls:") == 0) {
      return Refuse("'notls' option is valid only when SSL is enabled", error);
    }
  }
  if (!t.enabled) return true;
  if (out->port == 0) return Refuse("You cannot enable SSL without a TCP port.", error);
  if (!TlsCompiledIn()) {
    return Refuse("-Z: this memcd was built without TLS support (configure --disable-tls)",
                  error);
  }
  return true;
}

}  // namespace

bool BuildOptions(ServerOptions* options, std::string* error) {
  ServerOptions out;
  if (FLAGS_port < 0 || FLAGS_port > 65535) {
    return Refuse("Invalid port number " + std::to_string(FLAGS_port) + ".",
                  error);
  }
  if (FLAGS_udp_port < 0 || FLAGS_udp_port > 65535) {
    return Refuse(
        "Invalid UDP port number " + std::to_string(FLAGS_udp_port) + ".",
        error);
  }
  if (FLAGS_listen_backlog < 0) {
    return Refuse("Listen backlog must not be negative", error);
  }
  if (FLAGS_threads <= 0) {
    return Refuse("Number of threads must be greater than 0", error);
  }
  if (FLAGS_conn_limit <= 0) {
    return Refuse("Maximum connections must be greater than 0", error);
  }
  if (FLAGS_max_reqs_per_event <= 0) {
    return Refuse("Number of requests per event must be greater than 0", error);
  }
  if (FLAGS_memory_limit < 0) {
    return Refuse("Memory limit must not be negative", error);
  }
  if (static_cast<uint64_t>(FLAGS_memory_limit) > (SIZE_MAX >> 20)) {
    return Refuse("Memory limit of " + std::to_string(FLAGS_memory_limit) +
                      " megabytes is too large",
                  error);
  }
  out.store.memory_limit = static_cast<size_t>(FLAGS_memory_limit) << 20;

  uint64_t item_size = 0;
  if (!ParseItemSize(FLAGS_max_item_size, &item_size)) {
    return Refuse("Invalid item size \"" + FLAGS_max_item_size +
                      "\": a byte count with an optional k or m suffix",
                  error);
  }
  // memcached's checks, in memcached's order.
  if (item_size < kMinItemSize) {
    return Refuse("Item max size cannot be less than 1024 bytes.", error);
  }
  if (item_size > out.store.memory_limit / 2) {
    return Refuse("Cannot set item size limit higher than 1/2 of memory max.",
                  error);
  }
  if (item_size > kMaxItemSize) {
    return Refuse("Cannot set item size limit higher than a gigabyte.", error);
  }
  out.store.item_size_max = static_cast<size_t>(item_size);

  if (std::isinf(FLAGS_slab_growth_factor)) {
    return Refuse("Factor must be a finite number", error);
  }
  if (!(FLAGS_slab_growth_factor > 1.0)) {  // also refuses NaN
    return Refuse("Factor must be greater than 1", error);
  }
  if (FLAGS_slab_min_size <= 0) {
    return Refuse("Chunk size must be greater than 0", error);
  }
  if (FLAGS_hashpower < kMinHashpower) {
    return Refuse("Initial hashtable multiplier of " +
                      std::to_string(FLAGS_hashpower) + " is too low",
                  error);
  }
  if (FLAGS_hashpower > kMaxHashpower) {
    return Refuse("Initial hashtable multiplier of " +
                      std::to_string(FLAGS_hashpower) + " is too high",
                  error);
  }
  if (FLAGS_verbose < 0) {
    return Refuse("Verbosity must not be negative", error);
  }
  if (!SplitListen(FLAGS_listen, &out.listen, error)) return false;

  out.port = FLAGS_port;
  out.udp_port = FLAGS_udp_port;
  out.unix_socket = FLAGS_unix_socket;
  if (!ParseUnixMask(FLAGS_unix_mask, &out.unix_mask)) {
    return Refuse("Invalid unix socket mask \"" + FLAGS_unix_mask +
                      "\": octal permission bits, 0 to 777",
                  error);
  }
  out.backlog = FLAGS_listen_backlog;
  out.threads = FLAGS_threads;
  out.max_conns = FLAGS_conn_limit;
  out.reqs_per_event = FLAGS_max_reqs_per_event;
  if (FLAGS_protocol == "ascii") {
    out.protocol = BindingProtocol::kAscii;
  } else if (FLAGS_protocol == "binary") {
    out.protocol = BindingProtocol::kBinary;
  } else if (FLAGS_protocol == "auto") {
    out.protocol = BindingProtocol::kAuto;
  } else {
    return Refuse("Invalid value for binding protocol: " + FLAGS_protocol +
                      " -- should be one of auto, binary, or ascii",
                  error);
  }
  out.sasl = FLAGS_enable_sasl;
  if (out.sasl) {
    if (!SaslCompiledIn()) {
      return Refuse("-S: this memcd was built without SASL support "
                    "(configure --disable-sasl)",
                    error);
    }
    // As memcached: SASL is binary-only, so -S implies -B binary and an
    // explicit -B of anything else (auto included) is refused.
    if (gflags::GetCommandLineFlagInfoOrDie("protocol").is_default) {
      out.protocol = BindingProtocol::kBinary;
    } else if (out.protocol != BindingProtocol::kBinary) {
      return Refuse("You cannot allow the ASCII protocol while using SASL.",
                    error);
    }
    if (out.udp_port != 0) {
      return Refuse("Cannot enable UDP while using binary SASL authentication.",
                    error);
    }
  }
  out.user = FLAGS_user;
  out.verbose = FLAGS_verbose;
  out.daemonize = FLAGS_daemonize;
  out.pid_file = FLAGS_pidfile;
  out.enable_coredumps = FLAGS_enable_coredumps;
  out.lock_memory = FLAGS_lock_memory;
  if (FLAGS_idle_timeout < 0) {
    return Refuse("idle_timeout must not be negative", error);
  }
  out.idle_timeout = FLAGS_idle_timeout;
  out.maxconns_fast = FLAGS_maxconns_fast;
  if (FLAGS_metrics_port < 0 || FLAGS_metrics_port > 65535) {
    return Refuse("metrics_port must be between 0 and 65535", error);
  }
  out.metrics_port = FLAGS_metrics_port;
  if (FLAGS_hot_keys_sample < 0) {
    return Refuse("hot_keys_sample must not be negative", error);
  }
  out.hot_keys_sample = FLAGS_hot_keys_sample;
  // Given in KiB, as memcached; a buffer must hold at least one line.
  if (FLAGS_watcher_logbuf_size < 1 || FLAGS_worker_logbuf_size < 1) {
    return Refuse("watcher_logbuf_size and worker_logbuf_size must be at least 1 (KiB)", error);
  }
  out.watcher_logbuf_size = static_cast<size_t>(FLAGS_watcher_logbuf_size) * 1024;
  out.worker_logbuf_size = static_cast<size_t>(FLAGS_worker_logbuf_size) * 1024;
  if (!BuildTlsOptions(&out, error)) return false;
  out.debug_time = FLAGS_debug_time;
  out.dump_enabled = !FLAGS_disable_dumping;
  out.watch_enabled = !FLAGS_disable_watch;
  out.shutdown_enabled = FLAGS_enable_shutdown;
  out.flush_enabled = !FLAGS_disable_flush_all;
  out.auth_file = FLAGS_auth_file;
  // memcached takes the first character of -D's argument.
  if (FLAGS_stats_prefix_delimiter.empty()) {
    return Refuse("-D needs a delimiter character", error);
  }
  out.prefix_delimiter = FLAGS_stats_prefix_delimiter[0];
  if (FLAGS_lru_crawler_sleep < 0 || FLAGS_lru_crawler_sleep > 1000000) {
    return Refuse("LRU crawler sleep must be between 0 and 1 second", error);
  }
  if (FLAGS_lru_crawler_tocrawl < 0) {
    return Refuse("lru_crawler_tocrawl must not be negative", error);
  }
  out.store.lru_crawler_thread = FLAGS_lru_crawler;
  out.store.lru_crawler_sleep = static_cast<uint32_t>(FLAGS_lru_crawler_sleep);
  out.store.lru_crawler_tocrawl =
      static_cast<uint32_t>(FLAGS_lru_crawler_tocrawl);
  out.store.growth_factor = FLAGS_slab_growth_factor;
  out.store.chunk_size_min = static_cast<uint32_t>(FLAGS_slab_min_size);
  out.store.use_cas = !FLAGS_disable_cas;
  out.store.evict = !FLAGS_disable_evictions;
  out.store.hashpower = FLAGS_hashpower;
  out.store.worker_threads = FLAGS_threads;
  out.store.slab_reassign = FLAGS_slab_reassign;
  out.store.slab_mover_thread = FLAGS_slab_reassign;
  out.store.slab_automove = FLAGS_slab_automove;
  out.store.slab_automove_ratio = FLAGS_slab_automove_ratio;
  out.store.slab_automove_window =
      static_cast<uint32_t>(std::max(FLAGS_slab_automove_window, 0));
  if (FLAGS_hot_lru_pct < 1 || FLAGS_hot_lru_pct >= 80) {
    return Refuse("hot_lru_pct must be > 1 and < 80", error);
  }
  if (FLAGS_warm_lru_pct < 1 || FLAGS_warm_lru_pct >= 80) {
    return Refuse("warm_lru_pct must be > 1 and < 80", error);
  }
  if (FLAGS_hot_lru_pct + FLAGS_warm_lru_pct > 80) {
    return Refuse("hot_lru_pct + warm_lru_pct cannot be more than 80% combined",
                  error);
  }
  if (!(FLAGS_hot_max_factor > 0) || !(FLAGS_warm_max_factor > 0)) {
    return Refuse("hot_max_factor and warm_max_factor must be greater than 0",
                  error);
  }
  if (FLAGS_temporary_ttl < 0) {
    return Refuse("temporary_ttl must not be negative", error);
  }
  // As memcached: without the maintainer thread the LRU is flat.
  out.store.lru_maintainer_thread = FLAGS_lru_maintainer;
  out.store.lru_segmented = FLAGS_lru_maintainer;
  out.store.hot_lru_pct = static_cast<uint32_t>(FLAGS_hot_lru_pct);
  out.store.warm_lru_pct = static_cast<uint32_t>(FLAGS_warm_lru_pct);
  out.store.hot_max_factor = FLAGS_hot_max_factor;
  out.store.warm_max_factor = FLAGS_warm_max_factor;
  out.store.temp_lru = FLAGS_temp_lru;
  out.store.temporary_ttl = FLAGS_temporary_ttl;
  out.store.hash_expand = !FLAGS_no_hashexpand;
  out.store.preallocate = FLAGS_enable_largepages;
  out.store.track_sizes = FLAGS_track_sizes;
  out.store.slab_chunk_max = static_cast<size_t>(FLAGS_slab_chunk_max);
  if (!ParseSlabSizes(FLAGS_slab_sizes, &out.store.slab_sizes, error) ||
      !Store::ValidateChunkOptions(out.store, error)) {
    return false;
  }
  *options = std::move(out);
  return true;
}

}  // namespace memcd
