#include "server/lru_commands.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "base/numbers.h"
#include "base/strings.h"

namespace memcd {
namespace {

// memcached's safe_strtod: the whole token, a finite number.
bool ParseDouble(std::string_view token, double* out) {
  if (token.empty() || token.size() > 64) return false;
  const std::string text(token);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (errno == ERANGE || end != text.c_str() + text.size() ||
      !std::isfinite(v)) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

std::string RunLruCommand(std::string_view args, bool maintainer_enabled,
                          Store* store) {
  const std::vector<std::string_view> t = SplitNonEmpty(args);
  if (t.empty()) return "ERROR";
  // memcached counts tokens after "lru" plus one empty terminal token.
  if (t[0] == "tune" && t.size() >= 5) {
    uint32_t hot_pct, warm_pct;
    double hot_factor, warm_factor;
    if (!ParseUint32(t[1], &hot_pct) || !ParseUint32(t[2], &warm_pct) ||
        !ParseDouble(t[3], &hot_factor) || !ParseDouble(t[4], &warm_factor)) {
      return "ERROR";
    }
    switch (store->TuneLru(hot_pct, warm_pct, hot_factor, warm_factor)) {
      case Store::LruTuneResult::kOk:
        return "OK";
      case Store::LruTuneResult::kBadPercents:
        return "ERROR hot and warm pcts must not exceed 80";
      case Store::LruTuneResult::kBadFactors:
        return "ERROR hot/warm age factors must be greater than 0";
    }
    return "ERROR";
  }
  if (t[0] == "mode" && t.size() >= 2 && maintainer_enabled) {
    if (t[1] == "flat") {
      store->SetLruSegmented(false);
      return "OK";
    }
    if (t[1] == "segmented") {
      store->SetLruSegmented(true);
      return "OK";
    }
    return "ERROR";
  }
  if (t[0] == "temp_ttl" && t.size() >= 2 && maintainer_enabled) {
    int32_t ttl;
    if (!ParseInt32(t[1], &ttl)) return "ERROR";
    store->SetLruTempTtl(ttl);
    return "OK";
  }
  return "ERROR";
}

}  // namespace memcd
