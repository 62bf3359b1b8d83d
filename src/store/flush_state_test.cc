#include "store/flush_state.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace memcd {
namespace {

// An item header with a CAS, in zeroed, aligned memory: all FlushState
// looks at is the time, the has-CAS flag and the CAS.
struct TestItem {
  alignas(8) unsigned char bytes[64] = {};
  Item* get() { return reinterpret_cast<Item*>(bytes); }
  TestItem(RelTime time, uint64_t cas) {
    get()->flags.store(kItemHasCas, std::memory_order_relaxed);
    get()->time.store(time, std::memory_order_relaxed);
    get()->set_cas(cas);
  }
};

TEST(FlushStateTest, TimeRuleAndCasRule) {
  FlushState flush;
  TestItem old_item(/*time=*/90, /*cas=*/5);
  TestItem recent(/*time=*/99, /*cas=*/9);   // stored just before the flush
  TestItem after(/*time=*/100, /*cas=*/10);  // stored after it
  EXPECT_FALSE(flush.IsFlushed(*old_item.get(), 100));
  // memcached's flush_all with CAS: oldest_live in the past, oldest_cas
  // the next CAS to be handed out.
  flush.Set(/*oldest_live=*/98, /*oldest_cas=*/10, /*now=*/100);
  EXPECT_TRUE(flush.IsFlushed(*old_item.get(), 100));
  EXPECT_TRUE(flush.IsFlushedByTime(*old_item.get(), 100));
  // Only the CAS rule kills the recent one; the lock-free check misses it.
  EXPECT_TRUE(flush.IsFlushed(*recent.get(), 100));
  EXPECT_FALSE(flush.IsFlushedByTime(*recent.get(), 100));
  EXPECT_FALSE(flush.IsFlushed(*after.get(), 100));
  EXPECT_FALSE(flush.IsFlushedByTime(*after.get(), 100));
}

TEST(FlushStateTest, DelayedFlushIsNotInForceBeforeItsTime) {
  FlushState flush;
  TestItem item(/*time=*/90, /*cas=*/0);
  flush.Set(/*oldest_live=*/110, /*oldest_cas=*/0, /*now=*/100);
  EXPECT_FALSE(flush.IsFlushed(*item.get(), 105));
  EXPECT_FALSE(flush.IsFlushedByTime(*item.get(), 105));
  EXPECT_TRUE(flush.IsFlushed(*item.get(), 110));
  EXPECT_TRUE(flush.IsFlushedByTime(*item.get(), 110));
}

}  // namespace
}  // namespace memcd
