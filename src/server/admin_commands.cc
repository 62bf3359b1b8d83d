#include "server/admin_commands.h"

#include <memory>
#include <vector>

#include "base/numbers.h"
#include "base/strings.h"
#include "store/lru_crawler.h"

namespace memcd {
namespace {

// memcached's MAX_NUMBER_OF_SLAB_CLASSES: class ids at or past it are illegal.
constexpr uint32_t kMaxSlabClassIds = 64;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The key of a metadump line ("key=<url-encoded> exp=..."); false if none.
bool MetadumpKey(std::string_view line, std::string* key) {
  if (line.substr(0, 4) != "key=") return false;
  line.remove_prefix(4);
  line = line.substr(0, line.find(' '));
  key->clear();
  for (size_t i = 0; i < line.size(); i++) {
    if (line[i] == '%' && i + 2 < line.size() && HexValue(line[i + 1]) >= 0 &&
        HexValue(line[i + 2]) >= 0) {
      key->push_back(static_cast<char>(HexValue(line[i + 1]) * 16 + HexValue(line[i + 2])));
      i += 2;
    } else {
      key->push_back(line[i]);
    }
  }
  return !key->empty();
}

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
  if (id == 0) {
    out += "END\r\n";
    return out;
  }
  std::vector<bool> classes(id + 1, false);
  classes[id] = true;
  std::unique_ptr<LruMetadump> dump = store->StartMetadump(std::move(classes));
  std::string batch;
  std::string key;
  uint32_t shown = 0;
  bool more = true;
  bool full = false;
  while (more && !full && (limit == 0 || shown < limit)) {
    batch.clear();
    more = dump->Next(&batch, 16 * 1024);
    std::string_view rest = batch;
    while (!rest.empty() && (limit == 0 || shown < limit)) {
      const size_t nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      if (!MetadumpKey(line, &key)) continue;
      // A peek: neither the LRU position nor the fetched bit changes.
      MetaGetOptions peek;
      peek.no_bump = true;
      peek.peek = true;
      MetaGetResult found;
      store->MetaGet(key, peek, &found);
      if (!found.item) continue;  // gone since the dump saw it
      const RelTime exptime = found.item.exptime();
      std::string line_out;
      AppendCacheDumpLine(key, found.item.value_length(),
                          exptime == 0 ? 0 : clock.ToUnixTime(exptime), &line_out);
      if (out.size() + line_out.size() + 6 > kCacheDumpMaxBytes) {
        full = true;
        break;
      }
      out += line_out;
      shown++;
    }
  }
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
