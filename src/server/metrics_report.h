// The /metrics page (Prometheus text format 0.0.4) and "stats hotkeys".
// /metrics renders the "stats", "stats slabs" and "stats items" text and
// re-expresses it, so both always agree: every numeric general stat as
// memcd_<stat> (counters as memcd_<stat>_total), per slab class gauges and
// counters with a "class" label, the per-worker request latency histograms
// summed (memcd_request_duration_seconds{command=...}), and the hot keys.
// doc/observability.md describes every name.
#ifndef MEMCD_SERVER_METRICS_REPORT_H_
#define MEMCD_SERVER_METRICS_REPORT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "server/server_context.h"

namespace memcd {

// Keys reported per kind by "stats hotkeys" and /metrics.
constexpr size_t kHotKeysReported = 10;

// Appends the whole /metrics page to *out.
void WriteMetrics(const ServerContext& ctx, std::string* out);

// Appends the "stats hotkeys" STAT lines (without "END"):
//   STAT hotkeys_window_seconds 60
//   STAT hotkeys_sample_every 16        (0: sampling is off)
//   STAT read:<rank> <key> <count>      (rank 1 is the hottest)
//   STAT write:<rank> <key> <count>
// with keys as PrintableKey() gives them.
void WriteHotKeys(const ServerContext& ctx, std::string* out);

// A key safe on a STAT line and as UTF-8 label text: bytes 0x21..0x7e but
// '%' as they are, every other byte (space, control, '%', non-ASCII) as
// "%XX" (upper-case hex), so binary-protocol keys print unambiguously.
std::string PrintableKey(std::string_view key);

}  // namespace memcd

#endif  // MEMCD_SERVER_METRICS_REPORT_H_
