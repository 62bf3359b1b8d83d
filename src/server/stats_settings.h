// "stats settings" and "stats sizes": memcached 1.6.18's names, order and
// value formats, with memcd's true values. A memcached setting whose feature
// memcd lacks is printed only where memcd behaves as that value says (a
// feature that is off: "auth_enabled_sasl no"); otherwise it is left out.
#ifndef MEMCD_SERVER_STATS_SETTINGS_H_
#define MEMCD_SERVER_STATS_SETTINGS_H_

#include "server/server_context.h"
#include "stats/stats_writer.h"
#include "store/store.h"

namespace memcd {

// The STAT lines of "stats settings" (without END). Values the server can
// change at run time (cache_memlimit, verbosity, lru) are read live.
void WriteSettings(const ServerContext& ctx, StatsWriter* w);

// The STAT lines of "stats sizes" (without END): "<size> <items>" for every
// non-empty 32-byte bucket, or "sizes_status disabled" without -o
// track_sizes.
void WriteItemSizes(const Store& store, StatsWriter* w);

}  // namespace memcd

#endif  // MEMCD_SERVER_STATS_SETTINGS_H_
