// The "cache_memlimit <megabytes> [noreply]" text command (memcached's
// process_memlimit_command): sets the item memory limit at run time.
//   OK                                              the limit is set
//   ERROR                                           not a number
//   MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m
//   MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes   (> 10^9)
//   MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust
//     (with -L, or above the address space reserved at start-up)
// memcached truncates a number above 2^32-1 to 32 bits first; memcd does not
// (base/numbers.h), so such a number is "megabytes not bytes".
#ifndef MEMCD_SERVER_MEMLIMIT_COMMAND_H_
#define MEMCD_SERVER_MEMLIMIT_COMMAND_H_

#include <string_view>

#include "store/store.h"

namespace memcd {

// `megabytes` is the command's argument token. Returns the reply line
// without "\r\n".
std::string_view RunCacheMemlimitCommand(std::string_view megabytes,
                                         Store* store);

}  // namespace memcd

#endif  // MEMCD_SERVER_MEMLIMIT_COMMAND_H_
