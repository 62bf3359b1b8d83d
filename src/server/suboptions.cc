#include "server/suboptions.h"

#include <gflags/gflags.h>

#include <cstdint>
#include <cstdio>

#include "base/numbers.h"
#include "server/flags.h"

namespace memcd {
namespace {

// What a suboption does with its "=value".
enum class SubValue {
  kFixed,     // sets the flag to `fixed`; any "=value" is ignored (memcached)
  kRequired,  // "=value" is the flag's value and must be there
  kOptional,  // "=value" if given, else `fixed`
};

struct SuboptionSpec {
  const char* name;
  const char* flag;
  SubValue value;
  const char* fixed;
  bool numeric;  // a missing value says "numeric argument", as memcached
};

constexpr SuboptionSpec kSuboptions[] = {
    {"hashpower", "hashpower", SubValue::kRequired, nullptr, true},
    {"no_hashexpand", "no_hashexpand", SubValue::kFixed, "true", false},
    {"slab_reassign", "slab_reassign", SubValue::kFixed, "true", false},
    {"no_slab_reassign", "slab_reassign", SubValue::kFixed, "false", false},
    {"slab_automove", "slab_automove", SubValue::kOptional, "1", false},
    {"no_slab_automove", "slab_automove", SubValue::kFixed, "0", false},
    {"slab_automove_ratio", "slab_automove_ratio", SubValue::kRequired, nullptr, false},
    {"slab_automove_window", "slab_automove_window", SubValue::kRequired, nullptr, false},
    {"lru_maintainer", "lru_maintainer", SubValue::kFixed, "true", false},
    {"no_lru_maintainer", "lru_maintainer", SubValue::kFixed, "false", false},
    {"lru_crawler", "lru_crawler", SubValue::kFixed, "true", false},
    {"no_lru_crawler", "lru_crawler", SubValue::kFixed, "false", false},
    {"lru_crawler_sleep", "lru_crawler_sleep", SubValue::kRequired, nullptr, true},
    {"lru_crawler_tocrawl", "lru_crawler_tocrawl", SubValue::kRequired, nullptr, true},
    {"hot_lru_pct", "hot_lru_pct", SubValue::kRequired, nullptr, true},
    {"warm_lru_pct", "warm_lru_pct", SubValue::kRequired, nullptr, true},
    {"hot_max_factor", "hot_max_factor", SubValue::kRequired, nullptr, true},
    {"warm_max_factor", "warm_max_factor", SubValue::kRequired, nullptr, true},
    {"temporary_ttl", "temporary_ttl", SubValue::kRequired, nullptr, true},
    {"track_sizes", "track_sizes", SubValue::kFixed, "true", false},
    {"idle_timeout", "idle_timeout", SubValue::kRequired, nullptr, true},
    {"maxconns_fast", "maxconns_fast", SubValue::kFixed, "true", false},
    {"no_maxconns_fast", "maxconns_fast", SubValue::kFixed, "false", false},
    {"metrics_port", "metrics_port", SubValue::kRequired, nullptr, true},
    {"hot_keys_sample", "hot_keys_sample", SubValue::kRequired, nullptr, true},
    {"watcher_logbuf_size", "watcher_logbuf_size", SubValue::kRequired, nullptr, true},
    {"worker_logbuf_size", "worker_logbuf_size", SubValue::kRequired, nullptr, true},
};

// memcached 1.6.18's -o suboptions not implemented yet (its own list plus
// extstore's): tuning knobs, so an old command line still starts.
constexpr const char* kIgnoredSuboptions[] = {
    "tail_repair_time", "hash_algorithm",
    "no_inline_ascii_resp",
    "modern", "no_modern", "no_chunked_items",
    "inline_ascii_resp", "no_drop_privileges", "drop_privileges",
    "resp_obj_mem_limit", "read_buf_mem_limit", "sock_cookie_id", "ext_path", "ext_page_size", "ext_wbuf_size",
    "ext_threads", "ext_io_depth", "ext_item_size", "ext_item_age",
    "ext_low_ttl", "ext_recache_rate", "ext_compact_under", "ext_drop_under",
    "ext_max_sleep", "ext_max_frag", "ext_drop_unread",
    "slab_automove_freeratio",
};

bool SetFlag(const char* flag, const std::string& value, std::string_view name,
             std::string* error) {
  // gflags answers an empty string when the value does not parse.
  if (gflags::SetCommandLineOption(flag, value.c_str()).empty()) {
    *error = "invalid value \"" + value + "\" for -o " + std::string(name);
    return false;
  }
  return true;
}

// -o slab_chunk_max=<bytes> or -o slab_sizes=<a-b-c>.
bool ApplyChunkSuboption(std::string_view name, std::string_view token,
                         size_t eq, std::string* error) {
  const std::string n(name);
  if (eq == std::string_view::npos || eq + 1 == token.size()) {
    *error = "Missing " + n + " argument";
    return false;
  }
  std::string_view value = token.substr(eq + 1);
  if (name == "slab_sizes") {
    // Checked in BuildOptions, once -n, -I and slab_chunk_max are known.
    return SetFlag("slab_sizes", std::string(value), name, error);
  }
  // memcached's safe_strtol: an optional sign, digits, nothing else.
  std::string_view digits = value;
  if (digits.front() == '+') digits.remove_prefix(1);
  uint64_t bytes = 0;
  bool parsed = !digits.empty() && digits.size() <= 18;  // no overflow
  for (char c : digits) {
    parsed = parsed && c >= '0' && c <= '9';
    bytes = bytes * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!parsed) {
    *error = "could not parse argument to slab_chunk_max";
    return false;
  }
  if (bytes == 0 || bytes > (uint64_t{1} << 30)) {
    *error = "slab_chunk_max (bytes: " + std::string(value) +
             ") must be between 1 and 1073741824";
    return false;
  }
  return SetFlag("slab_chunk_max", std::to_string(bytes), name, error);
}

// -o ssl_*: memcached's parsing and messages. The values are checked here;
// the files only when -Z loads them. False with *error for a bad one.
bool ApplyTlsSuboption(std::string_view name, bool has_value, std::string_view value,
                       std::string* error) {
  const std::string n(name);
  if (name == "ssl_session_cache" || name == "ssl_kernel_tls") {
    return SetFlag(n.c_str(), "true", name, error);
  }
  if (!has_value) {
    *error = "Missing " + n + " argument";
    return false;
  }
  if (name == "ssl_chain_cert" || name == "ssl_key" || name == "ssl_ciphers" ||
      name == "ssl_ca_cert") {
    return SetFlag(n.c_str(), std::string(value), name, error);
  }
  std::string number;
  if (name == "ssl_wbuf_size") {  // unsigned kilobytes
    uint32_t kb = 0;
    if (ParseUint32(value, &kb)) number = std::to_string(kb);
  } else {
    int32_t v = 0;
    if (ParseInt32(value, &v)) number = std::to_string(v);
    if (!number.empty() && name != "ssl_keyformat" && (v < 0 || v > 3)) {
      *error = "Invalid " + n + ". Use help to see valid options.";
      return false;
    }
  }
  if (number.empty()) {
    *error = "could not parse argument to " + n;
    return false;
  }
  return SetFlag(n.c_str(), number, name, error);
}

constexpr const char* kTlsSuboptions[] = {
    "ssl_chain_cert", "ssl_key", "ssl_verify_mode", "ssl_keyformat",
    "ssl_ciphers", "ssl_ca_cert", "ssl_wbuf_size", "ssl_session_cache",
    "ssl_kernel_tls", "ssl_min_version",
};

}  // namespace

bool ApplySuboption(std::string_view token, std::string* error) {
  const size_t eq = token.find('=');
  const std::string_view name = token.substr(0, eq);
  const bool has_value = eq != std::string_view::npos;
  if (name == "slab_chunk_max" || name == "slab_sizes") {
    return ApplyChunkSuboption(name, token, eq, error);
  }
  for (const char* tls : kTlsSuboptions) {
    if (name != tls) continue;
    const std::string_view value = has_value ? token.substr(eq + 1) : std::string_view();
    return ApplyTlsSuboption(name, has_value, value, error);
  }
  for (const SuboptionSpec& spec : kSuboptions) {
    if (name != spec.name) continue;
    std::string value;
    if (spec.value == SubValue::kFixed || (spec.value == SubValue::kOptional && !has_value)) {
      value = spec.fixed;
    } else if (has_value) {
      value = std::string(token.substr(eq + 1));
    } else {
      *error = spec.numeric ? "Missing numeric argument for " + std::string(name)
                            : "Missing " + std::string(name) + " argument";
      return false;
    }
    if (!SetFlag(spec.flag, value, name, error)) return false;
    if (name == "slab_automove" && (FLAGS_slab_automove < 0 || FLAGS_slab_automove > 2)) {
      *error = "slab_automove must be between 0 and 2";
      return false;
    }
    // As memcached: naming a temporary_ttl turns the TEMP LRU on.
    if (name == "temporary_ttl") return SetFlag("temp_lru", "true", name, error);
    return true;
  }
  for (const char* ignored : kIgnoredSuboptions) {
    if (name == ignored) {
      std::fprintf(stderr, "memcd: -o %.*s is not supported yet; ignored\n",
                   static_cast<int>(name.size()), name.data());
      return true;
    }
  }
  *error = "Illegal suboption \"" + std::string(token) + "\"";
  return false;
}

}  // namespace memcd
