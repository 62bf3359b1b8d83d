// The "lru" text command (memcached 1.6's process_lru_command):
//   lru tune <hot_pct> <warm_pct> <hot_max_factor> <warm_max_factor>
//   lru mode <flat|segmented>
//   lru temp_ttl <ttl>        (negative turns the TEMP LRU off)
// mode and temp_ttl need the LRU maintainer (-o lru_maintainer); without it
// they answer ERROR, as memcached does. A trailing "noreply" is allowed.
#ifndef MEMCD_SERVER_LRU_COMMANDS_H_
#define MEMCD_SERVER_LRU_COMMANDS_H_

#include <string>
#include <string_view>

#include "store/store.h"

namespace memcd {

// Runs the command whose arguments (after "lru") are `args` and returns the
// reply line without "\r\n": "OK", "ERROR" or "ERROR <reason>".
std::string RunLruCommand(std::string_view args, bool maintainer_enabled,
                          Store* store);

}  // namespace memcd

#endif  // MEMCD_SERVER_LRU_COMMANDS_H_
