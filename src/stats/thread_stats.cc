#include "stats/thread_stats.h"

namespace memcd {

void ThreadStatsTotals::Add(const ThreadStats& s) {
#define MEMCD_ADD_COUNTER(field, name) field += s.field.Get();
  MEMCD_THREAD_COUNTERS(MEMCD_ADD_COUNTER)
#undef MEMCD_ADD_COUNTER
  for (int i = 0; i < kLruHitSlots; ++i) lru_hits[i] += s.lru_hits[i].Get();
}

void ThreadStatsTotals::Subtract(const ThreadStatsTotals& base) {
#define MEMCD_SUB_COUNTER(field, name) field -= base.field;
  MEMCD_THREAD_COUNTERS(MEMCD_SUB_COUNTER)
#undef MEMCD_SUB_COUNTER
  for (int i = 0; i < kLruHitSlots; ++i) lru_hits[i] -= base.lru_hits[i];
}

}  // namespace memcd
