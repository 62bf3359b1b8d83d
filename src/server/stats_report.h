// The text of the "stats" command and its groups, with memcached's names.
#ifndef MEMCD_SERVER_STATS_REPORT_H_
#define MEMCD_SERVER_STATS_REPORT_H_

#include <string>
#include <string_view>

#include "server/server_context.h"

namespace memcd {

// Appends the STAT lines and "END\r\n" of group `args` ("" for the general
// group, "slabs", "items", "settings", "sizes", "hotkeys") to *out. False for a group memcd does not know.
bool WriteStatsGroup(const ServerContext& ctx, std::string_view args, std::string* out);
// "stats reset": the counters start again from zero for later reports.
void ResetStats(const ServerContext& ctx);

}  // namespace memcd

#endif  // MEMCD_SERVER_STATS_REPORT_H_
