#include "server/crawler_commands.h"

#include <cstdint>

#include "base/strings.h"

namespace memcd {
namespace {

// memcached's MAX_NUMBER_OF_SLAB_CLASSES - 1: the ids it accepts.
constexpr uint64_t kMaxClassId = 63;
constexpr uint32_t kMaxSleep = 1000000;

// memcached's safe_strtoul on a 64-bit host: an optional '+', then digits
// only; the value is truncated to 32 bits as its callers store it.
bool ParseUlong(std::string_view token, uint64_t* out) {
  if (!token.empty() && token[0] == '+') token.remove_prefix(1);
  if (token.empty() || token.size() > 20) return false;
  uint64_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

}  // namespace

bool ParseCrawlerClasses(std::string_view list, bool allow_hash,
                         std::vector<bool>* classes) {
  classes->clear();
  if (list == "all" || (allow_hash && list == "hash")) return true;
  std::vector<bool> marked(kMaxClassId + 1, false);
  for (std::string_view token : SplitNonEmpty(list, ',')) {
    uint64_t id;
    if (!ParseUlong(token, &id) || id < 1 || id > kMaxClassId) return false;
    marked[id] = true;
  }
  *classes = std::move(marked);
  return true;
}

std::string RunLruCrawlerCommand(std::string_view args, bool dump_enabled,
                                 Store* store,
                                 std::unique_ptr<LruMetadump>* dump) {
  const std::vector<std::string_view> t = SplitNonEmpty(args);
  if (t.size() == 2 && t[0] == "crawl") {
    if (!store->lru_crawler_enabled()) {
      return "CLIENT_ERROR lru crawler disabled";
    }
    // memcached 1.6.18 takes "hash" here, then fails to start.
    if (t[1] == "hash") return "ERROR an unknown error happened";
    std::vector<bool> classes;
    if (!ParseCrawlerClasses(t[1], false, &classes)) {
      return "BADCLASS invalid class id";
    }
    if (store->CrawlLrus(std::move(classes)) == Store::CrawlResult::kBusy) {
      return "BUSY currently processing crawler request";
    }
    return "OK";
  }
  if (t.size() == 2 && t[0] == "metadump") {
    if (!store->lru_crawler_enabled()) {
      return "CLIENT_ERROR lru crawler disabled";
    }
    if (!dump_enabled) return "ERROR metadump not allowed";
    std::vector<bool> classes;
    if (!ParseCrawlerClasses(t[1], true, &classes)) {
      return "BADCLASS invalid class id";
    }
    *dump = store->StartMetadump(std::move(classes));
    return std::string();
  }
  if (t.size() == 2 && t[0] == "tocrawl") {
    uint64_t n;
    if (!ParseUlong(t[1], &n)) return "CLIENT_ERROR bad command line format";
    store->SetLruCrawlerToCrawl(static_cast<uint32_t>(n));
    return "OK";
  }
  if (t.size() == 2 && t[0] == "sleep") {
    uint64_t n;
    if (!ParseUlong(t[1], &n)) return "CLIENT_ERROR bad command line format";
    const uint32_t us = static_cast<uint32_t>(n);
    if (us > kMaxSleep) return "CLIENT_ERROR sleep must be one second or less";
    store->SetLruCrawlerSleep(us);
    return "OK";
  }
  if (t.size() == 1 && t[0] == "enable") {
    return store->StartLruCrawler() ? "OK"
                                    : "ERROR failed to start lru crawler thread";
  }
  if (t.size() == 1 && t[0] == "disable") {
    store->StopLruCrawler();
    return "OK";
  }
  return "ERROR";
}

}  // namespace memcd
