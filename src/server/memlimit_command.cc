#include "server/memlimit_command.h"

#include <glog/logging.h>

#include <cstdint>

#include "base/numbers.h"
#include "base/verbosity.h"

namespace memcd {
namespace {

constexpr uint64_t kMinMegabytes = 8;           // memcached's floor
constexpr uint64_t kMaxMegabytes = 1000000000;  // above: a byte count, surely

}  // namespace

std::string_view RunCacheMemlimitCommand(std::string_view megabytes,
                                         Store* store) {
  uint64_t mb = 0;
  if (!ParseUint64(megabytes, &mb)) return "ERROR";
  if (mb < kMinMegabytes) {
    return "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m";
  }
  if (mb > kMaxMegabytes) {
    return "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes";
  }
  if (!store->SetMemoryLimit(static_cast<size_t>(mb) << 20)) {
    return "MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust";
  }
  MEMCD_VLOG(1) << "maxbytes adjusted to " << mb << "m";
  return "OK";
}

}  // namespace memcd
