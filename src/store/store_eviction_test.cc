// Eviction and reclaiming under a 2-page memory limit, and -M.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/store.h"
#include "store/store_test_util.h"

namespace memcd {
namespace {

using testing_util::GetValue;
using testing_util::Put;
using testing_util::Stats;

// 41 + 5 + 1000 = 1046 bytes: the 1184-byte class, 55 chunks a 64 KiB page.
constexpr int kPerPage = 55;
constexpr int kCapacity = 2 * kPerPage;

std::string Key(int i) {
  char buf[16];
  snprintf(buf, sizeof(buf), "key%02d", i % 100);
  return i < 100 ? std::string(buf) : "k" + std::to_string(i);
}
std::string Value(int i) {
  return std::string(1000, static_cast<char>('a' + i % 26));
}

class StoreEvictionTest : public ::testing::Test {
 protected:
  static StoreOptions Options(bool evict) {
    StoreOptions o;
    o.slab_page_size = 64 << 10;
    o.item_size_max = 16 << 10;
    o.memory_limit = 2 * (64 << 10);
    o.hashpower = 12;
    o.evict = evict;
    // These pin the flat LRU's rules (second chance); store_lru_test.cc
    // covers the segmented ones.
    o.lru_segmented = false;
    return o;
  }

  void MakeStore(bool evict) {
    store_.reset(new Store(Options(evict), &clock_));
  }

  // Stores keys [from, to) with exptime `exptime`.
  void Fill(int from, int to, RelTime exptime = 0) {
    for (int i = from; i < to; ++i) {
      ASSERT_EQ(
          Put(store_.get(), Key(i), Value(i), StoreMode::kSet, 0, exptime),
          StoreResult::kStored)
          << i;
    }
  }

  SlabClassStats ClassStats(uint32_t chunk_size) {
    std::vector<SlabClassStats> all;
    store_->GetSlabStats(&all);
    for (const SlabClassStats& s : all) {
      if (s.chunk_size == chunk_size) return s;
    }
    ADD_FAILURE() << "no class of " << chunk_size << " bytes";
    return SlabClassStats();
  }

  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreEvictionTest, EvictsTheLeastRecentlyUsed) {
  MakeStore(true);
  Fill(0, kCapacity);
  SlabClassStats cls = ClassStats(1184);
  ASSERT_EQ(cls.chunks_per_page, static_cast<uint32_t>(kPerPage));
  EXPECT_EQ(cls.total_pages, 2u);
  EXPECT_EQ(cls.number, static_cast<uint64_t>(kCapacity));
  EXPECT_EQ(Stats(*store_).evictions, 0u);
  EXPECT_EQ(Stats(*store_).total_malloced, 2u * (64 << 10));

  Fill(kCapacity, kCapacity + 1);
  EXPECT_EQ(GetValue(store_.get(), Key(0)), "<miss>");
  EXPECT_EQ(GetValue(store_.get(), Key(1)), Value(1));
  StoreStats s = Stats(*store_);
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.evicted_unfetched, 1u);
  EXPECT_EQ(s.curr_items, static_cast<uint64_t>(kCapacity));
  EXPECT_EQ(s.total_malloced, 2u * (64 << 10));  // the limit holds

  // key01 was read (above) within 60 s of being stored: not relinked, but
  // flagged, so eviction spares it once (moving it to the head) and takes
  // key02 instead.
  Fill(kCapacity + 1, kCapacity + 2);
  EXPECT_EQ(GetValue(store_.get(), Key(2)), "<miss>");
  EXPECT_EQ(GetValue(store_.get(), Key(1)), Value(1));
  // After 60 s a read relinks the item at the head at once.
  clock_.Advance(61);
  EXPECT_EQ(GetValue(store_.get(), Key(3)), Value(3));
  Fill(kCapacity + 2, kCapacity + 3);
  EXPECT_EQ(GetValue(store_.get(), Key(3)), Value(3));
  EXPECT_EQ(GetValue(store_.get(), Key(4)), "<miss>");
  s = Stats(*store_);
  EXPECT_EQ(s.evictions, 3u);
  EXPECT_EQ(s.evicted_unfetched, 3u);  // key00, key02, key04: never read
  cls = ClassStats(1184);
  EXPECT_EQ(cls.evicted, 3u);
  EXPECT_EQ(cls.evicted_nonzero, 0u);
  EXPECT_EQ(cls.age, 61u);  // key05 at the tail, stored 61 s ago
}

TEST_F(StoreEvictionTest, AHeldItemIsNeverReused) {
  MakeStore(true);
  Fill(0, kCapacity);
  ItemRef held = store_->Get(Key(0));
  ASSERT_TRUE(held);
  Fill(kCapacity, kCapacity + 5);
  // key00 sits at the tail but is skipped; the next ones go.
  EXPECT_EQ(GetValue(store_.get(), Key(0)), Value(0));
  for (int i = 1; i <= 5; ++i)
    EXPECT_EQ(GetValue(store_.get(), Key(i)), "<miss>");
  EXPECT_EQ(Stats(*store_).evictions, 5u);

  // Deleted while held, then a lot of churn: the bytes stay.
  ASSERT_TRUE(store_->Delete(Key(0)));
  Fill(200, 200 + 3 * kCapacity);
  EXPECT_EQ(held.key(), Key(0));
  EXPECT_EQ(held.CopyValue(), Value(0));
  SlabClassStats cls = ClassStats(1184);
  EXPECT_EQ(cls.used_chunks, cls.number + 1);  // the held chunk
  held.Reset();
  cls = ClassStats(1184);
  EXPECT_EQ(cls.used_chunks, cls.number);
  EXPECT_EQ(cls.free_chunks, 1u);
}

TEST_F(StoreEvictionTest, ExpiredItemsAreReclaimed) {
  MakeStore(true);
  Fill(0, kCapacity, clock_.ToRelTime(10));
  ASSERT_EQ(GetValue(store_.get(), Key(1)), Value(1));
  clock_.Advance(10);
  Fill(kCapacity, kCapacity + 2);
  const StoreStats s = Stats(*store_);
  EXPECT_EQ(s.reclaimed, 2u);
  EXPECT_EQ(s.expired_unfetched, 1u);  // key01 was read
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_EQ(s.curr_items, static_cast<uint64_t>(kCapacity));
  EXPECT_EQ(ClassStats(1184).reclaimed, 2u);
}

TEST_F(StoreEvictionTest, FlushedItemsAreReclaimed) {
  MakeStore(true);
  Fill(0, kCapacity);
  store_->FlushAll(clock_.Now());
  Fill(kCapacity, kCapacity + 3);  // same second: told apart by CAS
  const StoreStats s = Stats(*store_);
  EXPECT_EQ(s.reclaimed, 3u);
  EXPECT_EQ(s.expired_unfetched, 3u);
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_EQ(GetValue(store_.get(), Key(kCapacity)), Value(kCapacity));
}

TEST_F(StoreEvictionTest, EvictionOfItemsWithAnExptime) {
  MakeStore(true);
  Fill(0, kCapacity, clock_.ToRelTime(1000));
  Fill(kCapacity, kCapacity + 2);
  const SlabClassStats cls = ClassStats(1184);
  EXPECT_EQ(cls.evicted, 2u);
  EXPECT_EQ(cls.evicted_nonzero, 2u);
}

TEST_F(StoreEvictionTest, NoEvictRefusesWithOutOfMemory) {
  MakeStore(false);
  Fill(0, kCapacity);
  AllocResult alloc;
  EXPECT_EQ(Put(store_.get(), "new", Value(0), StoreMode::kSet, 0, 0, 0,
                nullptr, &alloc),
            StoreResult::kNoMemory);
  EXPECT_EQ(alloc, AllocResult::kNoMemory);
  // Appending needs a new item of the combined size: refused too.
  EXPECT_EQ(Put(store_.get(), Key(3), "x", StoreMode::kAppend),
            StoreResult::kNoMemory);
  EXPECT_EQ(GetValue(store_.get(), Key(3)), Value(3));
  StoreStats s = Stats(*store_);
  EXPECT_EQ(s.outofmemory, 2u);
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_EQ(s.curr_items, static_cast<uint64_t>(kCapacity));
  EXPECT_EQ(GetValue(store_.get(), Key(0)), Value(0));

  // A deleted item's chunk can be used again.
  ASSERT_TRUE(store_->Delete(Key(5)));
  EXPECT_EQ(Put(store_.get(), "new", Value(0)), StoreResult::kStored);
}

TEST_F(StoreEvictionTest, NoEvictStillTakesExpiredItems) {
  MakeStore(false);
  Fill(0, 1, clock_.ToRelTime(5));
  Fill(1, kCapacity);
  clock_.Advance(5);
  EXPECT_EQ(Put(store_.get(), "new", Value(0)), StoreResult::kStored);
  const StoreStats s = Stats(*store_);
  EXPECT_EQ(s.reclaimed, 1u);
  EXPECT_EQ(s.outofmemory, 0u);
}

TEST_F(StoreEvictionTest, TheLimitIsStrictForEveryClass) {
  MakeStore(true);
  Fill(0, kCapacity);
  // Both pages belong to the 1184-byte class; a small item has no page and
  // nothing in its own LRU to evict (memcached would exceed -m here).
  AllocResult alloc;
  EXPECT_EQ(Put(store_.get(), "small", "v", StoreMode::kSet, 0, 0, 0, nullptr,
                &alloc),
            StoreResult::kNoMemory);
  EXPECT_EQ(alloc, AllocResult::kNoMemory);
  EXPECT_EQ(ClassStats(96).outofmemory, 1u);
  EXPECT_EQ(Stats(*store_).total_malloced, 2u * (64 << 10));
}

}  // namespace
}  // namespace memcd
