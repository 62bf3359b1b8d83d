#include "server/admin_commands.h"

#include "base/numbers.h"
#include "base/strings.h"

namespace memcd {
namespace {

// memcached's MAX_NUMBER_OF_SLAB_CLASSES: class ids at or past it are illegal.
constexpr uint32_t kMaxSlabClassIds = 64;

}  // namespace

std::string RunStatsDetail(std::string_view args, PrefixStats* prefixes) {
  const std::string_view sub = NextToken(&args);
  if (sub == "on") {
    prefixes->set_enabled(true);
    return "OK\r\n";
  }
  if (sub == "off") {
    prefixes->set_enabled(false);
    return "OK\r\n";
  }
  if (sub == "dump") return prefixes->Dump();
  return "CLIENT_ERROR usage: stats detail on|off|dump\r\n";
}

void AppendCacheDumpLine(std::string_view key, uint64_t value_bytes, int64_t unix_exptime,
                         std::string* out) {
  char num[24];
  out->append("ITEM ");
  out->append(key);
  out->append(" [");
  out->append(num, FormatUint64(value_bytes, num));
  out->append(" b; ");
  out->append(num, FormatUint64(static_cast<uint64_t>(unix_exptime), num));
  out->append(" s]\r\n");
}

std::string RunStatsCacheDump(std::string_view args, bool dump_enabled, Store* store,
                              const Clock& clock) {
  if (!dump_enabled) return "CLIENT_ERROR stats cachedump not allowed\r\n";
  const std::string_view id_text = NextToken(&args);
  const std::string_view limit_text = NextToken(&args);
  if (limit_text.empty()) return "CLIENT_ERROR bad command line\r\n";
  uint32_t id = 0;
  uint32_t limit = 0;
  if (!ParseUint32(id_text, &id) || !ParseUint32(limit_text, &limit)) {
    return "CLIENT_ERROR bad command line format\r\n";
  }
  if (id >= kMaxSlabClassIds) return "CLIENT_ERROR Illegal slab id\r\n";

  std::string out;
  uint32_t shown = 0;
  std::string line;
  store->VisitColdLru(static_cast<int>(id), [&](const Store::ColdItem& item) {
    if (limit != 0 && shown >= limit) return false;
    if (item.binary_key) return true;  // memcached never prints those
    line.clear();
    AppendCacheDumpLine(item.key, item.value_length,
                        item.exptime == 0 ? 0 : clock.ToUnixTime(item.exptime), &line);
    if (out.size() + line.size() + 6 > kCacheDumpMaxBytes) return false;
    out += line;
    shown++;
    return true;
  });
  out += "END\r\n";
  return out;
}

ShutdownMode ParseShutdown(std::string_view args, bool enabled) {
  if (!enabled) return ShutdownMode::kDisabled;
  const std::string_view mode = NextToken(&args);
  const std::string_view extra = NextToken(&args);
  if (mode.empty()) return ShutdownMode::kNow;
  if (mode == "graceful" && extra.empty()) return ShutdownMode::kGraceful;
  return ShutdownMode::kInvalid;
}

}  // namespace memcd
