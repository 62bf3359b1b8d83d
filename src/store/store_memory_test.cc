// cache_memlimit (Store::SetMemoryLimit), -L (preallocate) and -o
// track_sizes (Store::GetItemSizes).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "store/arena.h"
#include "store/item.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace memcd {
namespace {

using testing_util::Put;
using testing_util::Stats;

constexpr size_t kPage = 64 << 10;

// 1000-byte values: 55 to a 64 KiB page (see store_eviction_test.cc).
StoreOptions SmallOptions(size_t pages, bool evict) {
  StoreOptions o;
  o.slab_page_size = kPage;
  o.item_size_max = 16 << 10;
  o.memory_limit = pages * kPage;
  o.hashpower = 12;
  o.evict = evict;
  o.lru_segmented = false;
  return o;
}

// Sets keys k<from>..k<to-1> with 1000-byte values until one is refused;
// returns how many were stored.
int FillUntilRefused(Store* store, int from, int to) {
  const std::string value(1000, 'v');
  for (int i = from; i < to; ++i) {
    if (Put(store, "k" + std::to_string(i), value) != StoreResult::kStored) {
      return i - from;
    }
  }
  return to - from;
}

TEST(StoreMemoryLimitTest, RaisingTheLimitGivesMorePages) {
  FakeClock clock;
  Store store(SmallOptions(2, /*evict=*/false), &clock);
  EXPECT_EQ(Stats(store).limit_maxbytes, 2 * kPage);
  EXPECT_EQ(FillUntilRefused(&store, 0, 1000), 110);
  EXPECT_EQ(Stats(store).total_malloced, 2 * kPage);

  ASSERT_TRUE(store.SetMemoryLimit(4 * kPage));
  EXPECT_EQ(store.memory_limit(), 4 * kPage);
  EXPECT_EQ(Stats(store).limit_maxbytes, 4 * kPage);
  EXPECT_EQ(FillUntilRefused(&store, 1000, 2000), 110);
  EXPECT_EQ(Stats(store).total_malloced, 4 * kPage);
  EXPECT_EQ(Stats(store).curr_items, 220u);
}

TEST(StoreMemoryLimitTest, LoweringTheLimitKeepsPagesButGivesNoNewOnes) {
  FakeClock clock;
  Store store(SmallOptions(4, /*evict=*/false), &clock);
  EXPECT_EQ(FillUntilRefused(&store, 0, 55), 55);  // one page
  ASSERT_TRUE(store.SetMemoryLimit(kPage));
  EXPECT_EQ(Stats(store).limit_maxbytes, kPage);
  // The page in use stays, and its items with it; no second page is given.
  EXPECT_EQ(Stats(store).total_malloced, kPage);
  EXPECT_EQ(FillUntilRefused(&store, 100, 200), 0);
  EXPECT_EQ(Stats(store).curr_items, 55u);
  EXPECT_EQ(testing_util::GetValue(&store, "k0"), std::string(1000, 'v'));
}

TEST(StoreMemoryLimitTest, LoweringTheLimitMakesEvictionsStart) {
  FakeClock clock;
  Store store(SmallOptions(4, /*evict=*/true), &clock);
  EXPECT_EQ(FillUntilRefused(&store, 0, 55), 55);
  ASSERT_TRUE(store.SetMemoryLimit(kPage));
  EXPECT_EQ(FillUntilRefused(&store, 100, 110), 10);
  EXPECT_EQ(Stats(store).evictions, 10u);
  EXPECT_EQ(Stats(store).total_malloced, kPage);
}

TEST(StoreMemoryLimitTest, RefusedBeyondTheReservation) {
  FakeClock clock;
  Store store(SmallOptions(2, true), &clock);
  EXPECT_FALSE(store.SetMemoryLimit(Arena::kMaxBytes + kPage));
  EXPECT_EQ(store.memory_limit(), 2 * kPage);
  // The whole 32 GiB is reserved up front (MAP_NORESERVE), so any limit up
  // to it is accepted.
  EXPECT_TRUE(store.SetMemoryLimit(Arena::kMaxBytes));
  EXPECT_EQ(Stats(store).limit_maxbytes, Arena::kMaxBytes);
}

TEST(StoreMemoryLimitTest, PreallocatedLimitIsFixed) {
  FakeClock clock;
  StoreOptions o = SmallOptions(4, /*evict=*/true);
  o.preallocate = true;
  Store store(o, &clock);
  EXPECT_FALSE(store.SetMemoryLimit(8 * kPage));
  EXPECT_FALSE(store.SetMemoryLimit(2 * kPage));
  EXPECT_EQ(Stats(store).limit_maxbytes, 4 * kPage);
  // Serves as usual: pages go to classes on demand.
  EXPECT_EQ(FillUntilRefused(&store, 0, 100), 100);
  EXPECT_EQ(Stats(store).curr_items, 100u);
  EXPECT_EQ(Stats(store).total_malloced, 2 * kPage);
}

TEST(ArenaTest, PrefaultCommitsTheRequestedBytes) {
  Arena arena(4 * kPage, Arena::kMaxBytes);
  EXPECT_EQ(arena.size(), Arena::kMaxBytes);
  arena.Prefault(4 * kPage);
  // The pages are zero-filled and writable.
  EXPECT_EQ(arena.base()[0], 0);
  EXPECT_EQ(arena.base()[4 * kPage - 1], 0);
  arena.base()[4 * kPage - 1] = 1;
  EXPECT_EQ(arena.base()[4 * kPage - 1], 1);
}

using Sizes = std::vector<std::pair<uint64_t, uint64_t>>;

Sizes ItemSizes(const Store& store) {
  Sizes sizes;
  EXPECT_TRUE(store.GetItemSizes(&sizes));
  return sizes;
}

TEST(StoreItemSizesTest, DisabledByDefault) {
  FakeClock clock;
  Store store(SmallOptions(2, true), &clock);
  Sizes sizes = {{1, 1}};
  EXPECT_FALSE(store.GetItemSizes(&sizes));
}

TEST(StoreItemSizesTest, CountsLinkedItemsIn32ByteBuckets) {
  FakeClock clock;
  StoreOptions o = SmallOptions(8, true);
  o.track_sizes = true;
  Store store(o, &clock);
  EXPECT_EQ(ItemSizes(store), Sizes{});
  const size_t overhead = Item::TotalSize(true, 0, 0);
  // Totals of exactly 64, 65 and 96 bytes: buckets 64, 96, 96.
  const std::string k = "k";
  ASSERT_EQ(Put(&store, "a", std::string(64 - overhead - 1, 'x')),
            StoreResult::kStored);
  ASSERT_EQ(Put(&store, "b", std::string(65 - overhead - 1, 'x')),
            StoreResult::kStored);
  ASSERT_EQ(Put(&store, "c", std::string(96 - overhead - 1, 'x')),
            StoreResult::kStored);
  EXPECT_EQ(ItemSizes(store), (Sizes{{64, 1}, {96, 2}}));
  // Replacing moves the count; deleting drops it.
  ASSERT_EQ(Put(&store, "a", std::string(2000, 'x')), StoreResult::kStored);
  const uint64_t big = (overhead + 1 + 2000 + 31) / 32 * 32;
  EXPECT_EQ(ItemSizes(store), (Sizes{{96, 2}, {big, 1}}));
  ASSERT_TRUE(store.Delete("b"));
  ASSERT_TRUE(store.Delete("c"));
  EXPECT_EQ(ItemSizes(store), (Sizes{{big, 1}}));
  // Flushed items leave when they are reaped.
  store.FlushAll(0);
  clock.Advance(1);
  EXPECT_EQ(testing_util::GetValue(&store, "a"), "<miss>");
  EXPECT_EQ(ItemSizes(store), Sizes{});
}

TEST(StoreItemSizesTest, EvictedItemsAreUncounted) {
  FakeClock clock;
  StoreOptions o = SmallOptions(1, /*evict=*/true);
  o.track_sizes = true;
  Store store(o, &clock);
  EXPECT_EQ(FillUntilRefused(&store, 0, 200), 200);
  ASSERT_GT(Stats(store).evictions, 0u);
  const uint64_t bucket = (Item::TotalSize(true, 4, 1000) + 31) / 32 * 32;
  EXPECT_EQ(ItemSizes(store), (Sizes{{bucket, Stats(store).curr_items}}));
}

}  // namespace
}  // namespace memcd
