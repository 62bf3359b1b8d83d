// flush_all, with and without CAS, immediate and delayed.
#include <gtest/gtest.h>

#include "store/store.h"
#include "store/store_test_util.h"

namespace memcd {
namespace {

using testing_util::GetValue;
using testing_util::Put;
using testing_util::Stats;

StoreOptions Options(bool use_cas) {
  StoreOptions o;
  o.memory_limit = 4 << 20;
  o.use_cas = use_cas;
  return o;
}

TEST(StoreFlushTest, ImmediateWithCasSplitsTheSecondByCas) {
  FakeClock clock;
  Store store(Options(true), &clock);
  ASSERT_EQ(Put(&store, "a", "1"), StoreResult::kStored);
  clock.Advance(5);
  ASSERT_EQ(Put(&store, "b", "2"), StoreResult::kStored);
  store.FlushAll(clock.Now());
  // Stored in the very second of the flush, but after it: survives.
  ASSERT_EQ(Put(&store, "c", "3"), StoreResult::kStored);
  EXPECT_EQ(GetValue(&store, "a"), "<miss>");
  EXPECT_EQ(GetValue(&store, "b"), "<miss>");
  EXPECT_EQ(GetValue(&store, "c"), "3");
  clock.Advance(100);
  EXPECT_EQ(GetValue(&store, "c"), "3");
  const StoreStats s = Stats(store);
  EXPECT_EQ(s.get_flushed, 2u);
  EXPECT_EQ(s.get_expired, 0u);
  EXPECT_EQ(s.curr_items, 1u);
}

TEST(StoreFlushTest, ImmediateWithoutCasTakesTheWholeSecond) {
  FakeClock clock;
  Store store(Options(false), &clock);
  ASSERT_EQ(Put(&store, "a", "1"), StoreResult::kStored);
  store.FlushAll(clock.Now());
  // memcached -C: a store in the same second as the flush is flushed too.
  ASSERT_EQ(Put(&store, "b", "2"), StoreResult::kStored);
  EXPECT_EQ(GetValue(&store, "a"), "<miss>");
  EXPECT_EQ(GetValue(&store, "b"), "<miss>");
  clock.Advance(1);
  ASSERT_EQ(Put(&store, "c", "3"), StoreResult::kStored);
  EXPECT_EQ(GetValue(&store, "c"), "3");
  EXPECT_EQ(Stats(store).get_flushed, 2u);
}

struct DelayedCase {
  bool use_cas;
  RelTime takes_effect;  // seconds after the flush call
};

TEST(StoreFlushTest, DelayedFlushWaitsForItsTime) {
  // memcached cuts one second earlier with CAS (oldest_live = when - 1).
  const DelayedCase cases[] = {{true, 9}, {false, 10}};
  for (const DelayedCase& c : cases) {
    FakeClock clock;
    Store store(Options(c.use_cas), &clock);
    const RelTime start = clock.Now();
    ASSERT_EQ(Put(&store, "old", "1"), StoreResult::kStored);
    store.FlushAll(start + 10);
    clock.Advance(c.takes_effect - 1);
    ASSERT_EQ(Put(&store, "late", "2"), StoreResult::kStored);  // still doomed
    EXPECT_EQ(GetValue(&store, "old"), "1") << c.use_cas;
    clock.Advance(1);
    EXPECT_EQ(GetValue(&store, "old"), "<miss>") << c.use_cas;
    EXPECT_EQ(GetValue(&store, "late"), "<miss>") << c.use_cas;
    clock.Advance(1);
    ASSERT_EQ(Put(&store, "after", "3"), StoreResult::kStored);
    clock.Advance(50);
    EXPECT_EQ(GetValue(&store, "after"), "3") << c.use_cas;
    EXPECT_EQ(Stats(store).get_flushed, 2u) << c.use_cas;
  }
}

TEST(StoreFlushTest, ALaterDelayedFlushDoesNotReviveFlushedItems) {
  for (bool use_cas : {true, false}) {
    FakeClock clock;
    Store store(Options(use_cas), &clock);
    ASSERT_EQ(Put(&store, "a", "1"), StoreResult::kStored);
    store.FlushAll(clock.Now());
    clock.Advance(1);
    store.FlushAll(clock.Now() + 100);  // pending; "a" was never looked up
    EXPECT_EQ(GetValue(&store, "a"), "<miss>") << use_cas;
    ASSERT_EQ(Put(&store, "b", "2"), StoreResult::kStored);
    EXPECT_EQ(GetValue(&store, "b"), "2") << use_cas;
    clock.Advance(100);
    EXPECT_EQ(GetValue(&store, "b"), "<miss>") << use_cas;
  }
}

TEST(StoreFlushTest, ANewFlushReplacesAPendingOne) {
  FakeClock clock;
  Store store(Options(true), &clock);
  ASSERT_EQ(Put(&store, "a", "1"), StoreResult::kStored);
  store.FlushAll(clock.Now() + 10);
  store.FlushAll(clock.Now() + 100);  // as memcached: the last one wins
  clock.Advance(20);
  EXPECT_EQ(GetValue(&store, "a"), "1");
  clock.Advance(80);
  EXPECT_EQ(GetValue(&store, "a"), "<miss>");
}

TEST(StoreFlushTest, FlushedItemsAreGoneForEveryCommand) {
  FakeClock clock;
  Store store(Options(true), &clock);
  for (const char* k : {"a", "b", "c", "d", "e"}) {
    ASSERT_EQ(Put(&store, k, "1"), StoreResult::kStored);
  }
  store.FlushAll(clock.Now());
  EXPECT_EQ(Put(&store, "a", "2", StoreMode::kAdd), StoreResult::kStored);
  EXPECT_EQ(Put(&store, "b", "2", StoreMode::kReplace),
            StoreResult::kNotStored);
  EXPECT_EQ(Put(&store, "c", "2", StoreMode::kAppend), StoreResult::kNotStored);
  EXPECT_FALSE(store.Delete("d"));
  EXPECT_FALSE(store.Touch("e", 0));
  EXPECT_EQ(GetValue(&store, "a"), "2");
  const StoreStats s = Stats(store);
  EXPECT_EQ(s.get_flushed, 5u);
  EXPECT_EQ(s.curr_items, 1u);
}

}  // namespace
}  // namespace memcd
