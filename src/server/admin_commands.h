// The administrative text commands beyond the classic set: "stats detail",
// "stats cachedump", "stats conns" and "shutdown", with memcached 1.6.18's
// replies, plus what they share across workers (AdminState).
#ifndef MEMCD_SERVER_ADMIN_COMMANDS_H_
#define MEMCD_SERVER_ADMIN_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "server/auth_file.h"
#include "server/conn_registry.h"
#include "server/prefix_stats.h"
#include "store/store.h"

namespace memcd {

// Owned by Server; every worker borrows it for its lifetime.
struct AdminState {
  ConnRegistry* conns = nullptr;
  PrefixStats* prefixes = nullptr;
  const AuthFile* auth = nullptr;  // null without -Y
  bool shutdown_enabled = false;   // -A
  bool flush_enabled = true;       // false with -F
  // Any thread: stops the server; `graceful` as "shutdown graceful" and
  // SIGUSR1 (stop accepting, let in-flight requests finish).
  std::function<void(bool graceful)> request_shutdown;
};

// "stats detail <args>": "OK" for on/off, the dump for "dump", else
// memcached's usage error. The result is the whole reply, "\r\n" included.
std::string RunStatsDetail(std::string_view args, PrefixStats* prefixes);

// One cachedump line: "ITEM <key> [<bytes> b; <unix exptime> s]\r\n",
// exptime 0 for an item that never expires.
void AppendCacheDumpLine(std::string_view key, uint64_t value_bytes, int64_t unix_exptime,
                         std::string* out);

// memcached answers nothing bigger than this to a cachedump (END included).
constexpr size_t kCacheDumpMaxBytes = 2 * 1024 * 1024;

// "stats cachedump <class> <limit>" (`args` is everything after
// "cachedump"): the whole reply. Refused with -X (`dump_enabled` false).
// As memcached, lists the items of the class's COLD LRU (all of it when the
// LRU is flat), newest first, expired ones included and base64-keyed ones
// left out: `limit` of them (0: all) within kCacheDumpMaxBytes, without
// bumping them.
std::string RunStatsCacheDump(std::string_view args, bool dump_enabled, Store* store,
                              const Clock& clock);

enum class ShutdownMode {
  kDisabled,  // "ERROR: shutdown not enabled" (no -A)
  kInvalid,   // "CLIENT_ERROR invalid shutdown mode"
  kNow,       // "shutdown": close the connection, stop the server
  kGraceful,  // "shutdown graceful"
};
// `args` is the line after "shutdown", trimmed.
ShutdownMode ParseShutdown(std::string_view args, bool enabled);

}  // namespace memcd

#endif  // MEMCD_SERVER_ADMIN_COMMANDS_H_
