#include "server/slabs_commands.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "base/numbers.h"
#include "base/strings.h"

namespace memcd {
namespace {

// memcached's safe_strtol into an int: a 64-bit number, then truncated.
bool ParseClassId(std::string_view token, int* out) {
  int64_t v;
  if (!ParseInt64(token, &v)) return false;
  *out = static_cast<int>(static_cast<int32_t>(v));
  return true;
}

std::string Reassign(const std::vector<std::string_view>& t,
                     bool reassign_enabled, Store* store) {
  if (!reassign_enabled) return "CLIENT_ERROR slab reassignment disabled";
  int src, dst;
  if (!ParseClassId(t[1], &src) || !ParseClassId(t[2], &dst)) {
    return "CLIENT_ERROR bad command line format";
  }
  switch (store->SlabsReassign(src, dst)) {
    case Store::ReassignResult::kOk:
      return "OK";
    case Store::ReassignResult::kRunning:
      return "BUSY currently processing reassign request";
    case Store::ReassignResult::kBadClass:
      return "BADCLASS invalid src or dst class id";
    case Store::ReassignResult::kNoSpare:
      return "NOSPARE source class has no spare pages";
    case Store::ReassignResult::kSame:
      return "SAME src and dst class are identical";
  }
  return "ERROR";
}

std::string Automove(const std::vector<std::string_view>& t, Store* store) {
  if (t[1] == "ratio") {
    // memcached's safe_strtod: the whole token, a finite number.
    if (t.size() < 3 || t[2].size() > 64) return "ERROR";
    const std::string text(t[2]);
    char* end = nullptr;
    errno = 0;
    const double ratio = std::strtod(text.c_str(), &end);
    if (text.empty() || errno == ERANGE ||
        end != text.c_str() + text.size() || !std::isfinite(ratio)) {
      return "ERROR";
    }
    store->SetSlabAutomoveRatio(ratio);
    return "OK";
  }
  uint64_t level;
  if (!ParseUint64(t[1], &level)) return "CLIENT_ERROR bad command line format";
  // memcached parses into 32 bits, keeping the low ones.
  level &= 0xffffffffu;
  if (level > 2) return "ERROR";
  store->SetSlabAutomove(static_cast<int>(level));
  return "OK";
}

}  // namespace

std::string RunSlabsCommand(std::string_view args, bool reassign_enabled,
                            Store* store) {
  const std::vector<std::string_view> t = SplitNonEmpty(args);
  // memcached: exactly "slabs reassign a b"; "slabs automove x ..." with
  // anything after.
  if (t.size() == 3 && t[0] == "reassign") {
    return Reassign(t, reassign_enabled, store);
  }
  if (t.size() >= 2 && t[0] == "automove") return Automove(t, store);
  return "ERROR";
}

}  // namespace memcd
