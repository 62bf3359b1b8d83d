// The segmented LRU: where items enter, how the maintainer moves them, what
// allocation evicts, TEMP, flat mode and "lru tune". The maintainer runs
// synchronously (RunLruMaintainerPass) except in the thread test.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "store/store_test_util.h"

namespace memcd {
namespace {

using testing_util::GetValue;
using testing_util::Put;
using testing_util::Stats;
using testing_util::WaitFor;

// 42 + 6 + 1000 = 1048 bytes: the 1184-byte class, 55 chunks a 64 KiB page.
constexpr int kCapacity = 2 * 55;
constexpr uint32_t kChunk = 1184;

std::string Key(int i) { return "key" + std::to_string(i + 100); }
std::string Value(int i) {
  return std::string(1000, static_cast<char>('a' + i % 26));
}

class StoreLruTest : public ::testing::Test {
 protected:
  static StoreOptions Options() {
    StoreOptions o;
    o.slab_page_size = 64 << 10;
    o.item_size_max = 16 << 10;
    o.memory_limit = 2 * (64 << 10);
    o.hashpower = 12;
    return o;
  }
  void MakeStore(const StoreOptions& o = Options()) {
    store_ = std::make_unique<Store>(o, &clock_);
  }
  void Fill(int from, int to, RelTime exptime = 0) {
    for (int i = from; i < to; ++i) {
      ASSERT_EQ(Put(store_.get(), Key(i), Value(i), StoreMode::kSet, 0,
                    exptime),
                StoreResult::kStored)
          << i;
    }
  }
  SlabClassStats Class() {
    std::vector<SlabClassStats> all;
    store_->GetSlabStats(&all);
    for (const SlabClassStats& s : all) {
      if (s.chunk_size == kChunk) return s;
    }
    ADD_FAILURE() << "no class of " << kChunk << " bytes";
    return SlabClassStats();
  }
  // Reads keys [from, to) twice each: FETCHED, then ACTIVE.
  void ReadTwice(int from, int to) {
    for (int i = from; i < to; ++i) {
      EXPECT_EQ(GetValue(store_.get(), Key(i)), Value(i));
      EXPECT_EQ(GetValue(store_.get(), Key(i)), Value(i));
    }
  }
  // hot, warm, cold, temp
  std::vector<uint64_t> Segments() {
    const SlabClassStats s = Class();
    return {s.number_hot, s.number_warm, s.number_cold, s.number_temp};
  }
  // A store with the maintainer thread, keys 0..9 stored, once the thread
  // has moved all but HOT's two (8 and 9) to COLD.
  void MakeStoreWithMaintainerAndColdItems() {
    StoreOptions o = Options();
    o.lru_maintainer_thread = true;
    MakeStore(o);
    Fill(0, 10);
    for (int i = 0; i < 400 && Segments() != std::vector<uint64_t>{2, 0, 8, 0}; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(Segments(), (std::vector<uint64_t>{2, 0, 8, 0}));
  }

  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

using Counts = std::vector<uint64_t>;

TEST_F(StoreLruTest, NewItemsEnterHotAndTheMaintainerCapsIt) {
  MakeStore();
  Fill(0, 10);
  EXPECT_EQ(Segments(), (Counts{10, 0, 0, 0}));
  // HOT may hold 20% of the class's bytes: 2 of 10 equal items.
  EXPECT_GT(store_->RunLruMaintainerPass(), 0);
  EXPECT_EQ(Segments(), (Counts{2, 0, 8, 0}));
  SlabClassStats s = Class();
  EXPECT_EQ(s.moves_to_cold, 8u);
  EXPECT_EQ(s.number, 10u);
  EXPECT_EQ(s.mem_requested, 10u * 1048);  // 42 + 6 + 1000
  EXPECT_EQ(Stats(*store_).moves_to_cold, 8u);
  // As memcached: one juggle per pass over all the classes.
  EXPECT_EQ(Stats(*store_).lru_maintainer_juggles, 1u);
  // Nothing left to do in the same second.
  EXPECT_EQ(store_->RunLruMaintainerPass(), 0);
  EXPECT_EQ(Stats(*store_).lru_maintainer_juggles, 2u);
  // Once COLD's tail has an age, HOT items older than 0.2 of it go too.
  clock_.Advance(10);
  store_->RunLruMaintainerPass();
  EXPECT_EQ(Segments(), (Counts{0, 0, 10, 0}));
  EXPECT_EQ(Class().age, 10u);
}

TEST_F(StoreLruTest, VisitColdLruListsColdNewestFirst) {
  MakeStore();
  Fill(0, 10);
  const int cls = Class().id;
  std::vector<std::string> keys;
  auto collect = [&keys](const Store::ColdItem& item) {
    keys.emplace_back(item.key);
    EXPECT_EQ(item.value_length, 1000u);
    EXPECT_EQ(item.exptime, 0u);
    EXPECT_FALSE(item.binary_key);
    return keys.size() < 3;
  };
  store_->VisitColdLru(cls, collect);
  EXPECT_TRUE(keys.empty()) << "new items are in HOT";
  store_->RunLruMaintainerPass();  // keys 0..7 go to COLD, oldest first
  store_->VisitColdLru(cls, collect);
  EXPECT_EQ(keys, (std::vector<std::string>{Key(7), Key(6), Key(5)}));
  keys.clear();
  store_->VisitColdLru(0, collect);
  store_->VisitColdLru(cls + 100, collect);
  EXPECT_TRUE(keys.empty()) << "unknown classes visit nothing";
}

TEST_F(StoreLruTest, ActiveHotItemsAreRescuedToWarm) {
  MakeStore();
  Fill(0, 10);
  // The first read marks FETCHED, the second ACTIVE.
  EXPECT_EQ(GetValue(store_.get(), Key(0)), Value(0));
  EXPECT_EQ(GetValue(store_.get(), Key(0)), Value(0));
  store_->RunLruMaintainerPass();
  EXPECT_EQ(Segments(), (Counts{2, 1, 7, 0}));
  SlabClassStats s = Class();
  EXPECT_EQ(s.moves_to_warm, 1u);
  EXPECT_EQ(s.moves_to_cold, 7u);
}

TEST_F(StoreLruTest, EvictionTakesColdTailAndSparesReadItems) {
  MakeStore();
  Fill(0, kCapacity);
  store_->RunLruMaintainerPass();
  EXPECT_EQ(Segments(), (Counts{22, 0, 88, 0}));
  // Key 0 sits at COLD's tail; two reads move it to WARM at once (no
  // maintainer thread to queue the bump for).
  EXPECT_EQ(GetValue(store_.get(), Key(0)), Value(0));
  EXPECT_EQ(Segments(), (Counts{22, 0, 88, 0}));
  EXPECT_EQ(GetValue(store_.get(), Key(0)), Value(0));
  EXPECT_EQ(Segments(), (Counts{22, 1, 87, 0}));
  EXPECT_EQ(Class().moves_to_warm, 1u);

  Fill(kCapacity, kCapacity + 2);
  EXPECT_EQ(GetValue(store_.get(), Key(1)), "<miss>");
  EXPECT_EQ(GetValue(store_.get(), Key(2)), "<miss>");
  EXPECT_EQ(GetValue(store_.get(), Key(0)), Value(0));
  EXPECT_EQ(GetValue(store_.get(), Key(3)), Value(3));
  const StoreStats st = Stats(*store_);
  EXPECT_EQ(st.evictions, 2u);
  EXPECT_EQ(st.evicted_unfetched, 2u);
  EXPECT_EQ(st.curr_items, static_cast<uint64_t>(kCapacity));
  // New items entered HOT.
  EXPECT_EQ(Segments(), (Counts{24, 1, 85, 0}));
}

TEST_F(StoreLruTest, AllocationPushesHotDownWhenColdIsEmpty) {
  MakeStore();
  Fill(0, kCapacity);  // all in HOT: no maintainer pass
  Fill(kCapacity, kCapacity + 1);
  // HOT's tail went to COLD, then was evicted: LRU order holds.
  EXPECT_EQ(GetValue(store_.get(), Key(0)), "<miss>");
  EXPECT_EQ(GetValue(store_.get(), Key(1)), Value(1));
  const SlabClassStats s = Class();
  EXPECT_EQ(s.evicted, 1u);
  EXPECT_EQ(s.moves_to_cold, 1u);
  EXPECT_EQ(s.direct_reclaims, 1u);
}

TEST_F(StoreLruTest, MaintainerReclaimsExpiredTails) {
  MakeStore();
  Fill(0, 5, clock_.ToRelTime(10));
  Fill(5, 8);
  clock_.Advance(11);
  store_->RunLruMaintainerPass();
  const StoreStats st = Stats(*store_);
  EXPECT_EQ(st.curr_items, 3u);
  EXPECT_EQ(st.reclaimed, 5u);
  EXPECT_EQ(st.expired_unfetched, 5u);
  EXPECT_EQ(GetValue(store_.get(), Key(6)), Value(6));
}

TEST_F(StoreLruTest, ShortTtlItemsGoToTemp) {
  StoreOptions o = Options();
  o.temp_lru = true;
  MakeStore(o);
  Fill(0, 1, clock_.ToRelTime(30));   // under 61 s: TEMP
  Fill(1, 2, clock_.ToRelTime(61));   // 61 s: still TEMP (<=)
  Fill(2, 3, clock_.ToRelTime(100));  // HOT
  Fill(3, 4);                         // never expires: HOT
  EXPECT_EQ(Segments(), (Counts{2, 0, 0, 2}));
  // TEMP items are only reclaimed, never moved.
  store_->RunLruMaintainerPass();
  EXPECT_EQ(Class().number_temp, 2u);
  clock_.Advance(31);
  store_->RunLruMaintainerPass();
  EXPECT_EQ(Class().number_temp, 1u);
  EXPECT_EQ(Class().reclaimed, 1u);
  // lru temp_ttl -1 turns it off.
  store_->SetLruTempTtl(-1);
  Fill(4, 5, clock_.ToRelTime(10));
  EXPECT_EQ(Class().number_temp, 1u);
  store_->SetLruTempTtl(5);
  Fill(5, 6, clock_.ToRelTime(10));  // 10 s > 5 s: HOT
  Fill(6, 7, clock_.ToRelTime(5));
  EXPECT_EQ(Class().number_temp, 2u);
}

TEST_F(StoreLruTest, TempIsOffByDefault) {
  MakeStore();
  Fill(0, 1, clock_.ToRelTime(5));
  EXPECT_EQ(Segments(), (Counts{1, 0, 0, 0}));
}

TEST_F(StoreLruTest, FlatModeLinksIntoColdAndDrainsTheOthers) {
  MakeStore();
  Fill(0, 4);
  store_->SetLruSegmented(false);
  Fill(4, 6);
  EXPECT_EQ(Segments(), (Counts{4, 0, 2, 0}));
  store_->RunLruMaintainerPass();
  EXPECT_EQ(Segments(), (Counts{0, 0, 6, 0}));
  // Flat reads do not move items between segments.
  EXPECT_EQ(GetValue(store_.get(), Key(0)), Value(0));
  EXPECT_EQ(GetValue(store_.get(), Key(0)), Value(0));
  store_->RunLruMaintainerPass();
  EXPECT_EQ(Segments(), (Counts{0, 0, 6, 0}));
  EXPECT_EQ(Class().moves_to_warm, 0u);
}

TEST_F(StoreLruTest, FlatOptionNeverUsesOtherSegments) {
  StoreOptions o = Options();
  o.lru_segmented = false;
  MakeStore(o);
  Fill(0, kCapacity + 3);
  EXPECT_EQ(Segments(), (Counts{0, 0, kCapacity, 0}));
  EXPECT_EQ(Stats(*store_).evictions, 3u);
}

TEST_F(StoreLruTest, TuneChecksItsArguments) {
  MakeStore();
  struct Case {
    uint32_t hot, warm;
    double hot_factor, warm_factor;
    Store::LruTuneResult want;
  };
  const Case cases[] = {
      {10, 30, 0.1, 2, Store::LruTuneResult::kOk},
      {40, 40, 0.1, 2, Store::LruTuneResult::kOk},
      {50, 40, 0.1, 2, Store::LruTuneResult::kBadPercents},
      {10, 30, 0, 2, Store::LruTuneResult::kBadFactors},
      {10, 30, 1, -1, Store::LruTuneResult::kBadFactors},
      {50, 0, 1, 1, Store::LruTuneResult::kOk},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(store_->TuneLru(c.hot, c.warm, c.hot_factor, c.warm_factor),
              c.want)
        << c.hot << " " << c.warm << " " << c.hot_factor << " "
        << c.warm_factor;
  }
  // The last good one is in force: HOT keeps 50%.
  Fill(0, 10);
  store_->RunLruMaintainerPass();
  EXPECT_EQ(Segments(), (Counts{5, 0, 5, 0}));
}

TEST_F(StoreLruTest, WarmIsCappedAndKeepsActiveItems) {
  MakeStore();
  Fill(0, 10);
  // Reads make keys 0..5 ACTIVE; the pass moves them HOT -> WARM.
  ReadTwice(0, 6);
  store_->RunLruMaintainerPass();
  // WARM holds 40% (4 items); the rest of the active ones fell to COLD.
  SlabClassStats s = Class();
  EXPECT_EQ(s.number_warm, 4u);
  EXPECT_EQ(s.moves_to_warm, 6u);
  // An active WARM item at the tail is relinked within WARM.
  GetValue(store_.get(), Key(2));
  GetValue(store_.get(), Key(2));
  store_->RunLruMaintainerPass();
  EXPECT_GE(Class().moves_within_lru, 1u);
  EXPECT_EQ(GetValue(store_.get(), Key(2)), Value(2));
}

TEST_F(StoreLruTest, ActiveWarmItemsAreRescuedWhileReadersHoldThem) {
  MakeStore();
  Fill(0, 10);
  ReadTwice(0, 6);
  store_->RunLruMaintainerPass();
  ASSERT_EQ(Class().number_warm, 4u);
  const uint64_t within = Class().moves_within_lru;
  // Readers hold all of keys 0..5. The four in WARM are read again, hence
  // ACTIVE; the two in COLD move to WARM's head at once (no maintainer
  // thread), which clears their ACTIVE.
  std::vector<ItemRef> held;
  for (int i = 0; i < 6; ++i) {
    held.push_back(store_->Get(Key(i)));
    ASSERT_TRUE(held.back());
  }
  store_->RunLruMaintainerPass();
  // A rescue only relinks within WARM, so being held is no obstacle: all
  // four ACTIVE ones at WARM's tail are rescued.
  EXPECT_EQ(Class().moves_within_lru - within, 4u);
  held.clear();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(GetValue(store_.get(), Key(i)), Value(i));
}

TEST_F(StoreLruTest, MaintainerThreadMovesItemsAndQueuedBumps) {
  StoreOptions o = Options();
  o.lru_maintainer_thread = true;
  MakeStore(o);  // the fake clock stays still: the thread only reads it
  Fill(0, 10);
  auto wait_for = [&](const Counts& want) {
    for (int i = 0; i < 400 && Segments() != want; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return Segments();
  };
  EXPECT_EQ(wait_for({2, 0, 8, 0}), (Counts{2, 0, 8, 0}));
  // A COLD item read twice is queued and moved by the thread.
  GetValue(store_.get(), Key(0));
  GetValue(store_.get(), Key(0));
  EXPECT_EQ(wait_for({2, 1, 7, 0}), (Counts{2, 1, 7, 0}));
  EXPECT_GT(Stats(*store_).lru_maintainer_juggles, 0u);
  EXPECT_EQ(Stats(*store_).lru_bumps_dropped, 0u);
}

TEST_F(StoreLruTest, MaintainerThreadMovesABatchOfBumps) {
  ASSERT_NO_FATAL_FAILURE(MakeStoreWithMaintainerAndColdItems());
  // All eight COLD items (keys 0..7) read twice: eight queued bumps, moved
  // to WARM together; WARM keeps its 40% (4) and hands the rest back.
  ReadTwice(0, 8);
  for (int i = 0; i < 400 && (Class().moves_to_warm < 8 ||
                              Segments() != Counts{2, 4, 4, 0});
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(Class().moves_to_warm, 8u);
  EXPECT_EQ(Segments(), (Counts{2, 4, 4, 0}));
  EXPECT_EQ(Stats(*store_).lru_bumps_dropped, 0u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(GetValue(store_.get(), Key(i)), Value(i));
}

// Reads from other threads queue their bumps in other shards (each thread
// draws its own); the maintainer drains every shard.
TEST_F(StoreLruTest, MaintainerThreadMovesBumpsQueuedByEveryThread) {
  ASSERT_NO_FATAL_FAILURE(MakeStoreWithMaintainerAndColdItems());
  // Keys 0..7 are in COLD: four threads read two of them twice each.
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) readers.emplace_back([this, t] { ReadTwice(2 * t, 2 * t + 2); });
  for (std::thread& reader : readers) reader.join();
  for (int i = 0; i < 400 && Class().moves_to_warm < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(Class().moves_to_warm, 8u);
  EXPECT_EQ(Stats(*store_).lru_bumps_dropped, 0u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(GetValue(store_.get(), Key(i)), Value(i));
}

// After a pass that found nothing the maintainer sleeps, up to a second,
// and the queued bumps hold their items: a read that queues one wakes it.
// Its sleeps here are an hour, so only that wake-up can move the item.
TEST_F(StoreLruTest, QueuedBumpWakesANappingMaintainer) {
  StoreOptions o = Options();
  o.lru_maintainer_thread = true;
  o.lru_maintainer_min_sleep_us = o.lru_maintainer_max_sleep_us = 3600u * 1000 * 1000;
  o.lru_segmented = false;  // flat: every item is linked into COLD
  MakeStore(o);
  Fill(0, 10);
  store_->SetLruSegmented(true);
  ASSERT_EQ(Segments(), (Counts{0, 0, 10, 0}));
  ASSERT_TRUE(WaitFor([&] { return store_->LruMaintainerNapping(); }));
  ReadTwice(3, 4);  // FETCHED, then ACTIVE: queued for the maintainer
  WaitFor([&] { return Class().moves_to_warm != 0; });
  EXPECT_EQ(Class().moves_to_warm, 1u);
  EXPECT_EQ(Segments(), (Counts{0, 1, 9, 0}));
  EXPECT_EQ(Stats(*store_).lru_bumps_dropped, 0u);
}

}  // namespace
}  // namespace memcd
