// The slab page mover and automove, driven step by step (no threads) under
// a 4-page memory limit with 64 KiB pages.
#include <gtest/gtest.h>

#include <atomic>
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

constexpr int kPages = 4;
// 41 + 4 + 1000 bytes: the 1184-byte class, 55 chunks a page.
constexpr int kPerPage = 55;
constexpr int kFull = kPages * kPerPage;

std::string Key(int i) {
  char buf[16];
  snprintf(buf, sizeof(buf), "k%03d", i);
  return buf;
}
std::string Value(int i, size_t size = 1000) {
  return std::string(size, static_cast<char>('a' + i % 26));
}

class SlabMoverTest : public ::testing::Test {
 protected:
  void SetUp() override { MakeStore(false); }

  void MakeStore(bool thread, int pages = kPages) {
    StoreOptions o;
    o.slab_mover_thread = thread;
    o.slab_page_size = 64 << 10;
    o.item_size_max = 48 << 10;
    o.slab_chunk_max = 16 << 10;
    o.memory_limit = pages * (64 << 10);
    o.hashpower = 12;
    store_ = std::make_unique<Store>(o, &clock_);
  }

  // The class id holding values of `size` bytes under a 4-byte key.
  int ClassOf(size_t size) {
    std::vector<SlabClassStats> all;
    store_->GetSlabStats(&all);
    const size_t total = 41 + 4 + size;
    for (const SlabClassStats& c : all) {
      if (c.chunk_size >= total) return c.id;
    }
    return 0;
  }
  SlabClassStats Class(int id) {
    std::vector<SlabClassStats> all;
    store_->GetSlabStats(&all);
    return all[id - 1];
  }
  // Runs mover steps until the move ends; returns how many ran.
  int RunMove() {
    int steps = 1;
    while (store_->RunSlabMoverPass() != 0) ++steps;
    return steps;
  }
  void FillBig() {
    for (int i = 0; i < kFull; ++i) {
      ASSERT_EQ(Put(store_.get(), Key(i), Value(i)), StoreResult::kStored);
    }
  }

  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(SlabMoverTest, ReassignRepliesFollowMemcachedsChecks) {
  const int big = ClassOf(1000);
  const int small = ClassOf(100);
  const int n = static_cast<int>([this] {
    std::vector<SlabClassStats> all;
    store_->GetSlabStats(&all);
    return all.size();
  }());
  using R = Store::ReassignResult;
  // Nothing allocated: every class has fewer than 2 pages.
  EXPECT_EQ(store_->SlabsReassign(big, small), R::kNoSpare);
  EXPECT_EQ(store_->SlabsReassign(0, small), R::kNoSpare);  // empty pool
  EXPECT_EQ(store_->SlabsReassign(-1, small), R::kBadClass);  // none to pick
  EXPECT_EQ(store_->SlabsReassign(small, small), R::kSame);
  EXPECT_EQ(store_->SlabsReassign(0, 0), R::kSame);
  EXPECT_EQ(store_->SlabsReassign(-2, small), R::kBadClass);
  EXPECT_EQ(store_->SlabsReassign(n + 1, small), R::kBadClass);
  EXPECT_EQ(store_->SlabsReassign(big, n + 1), R::kBadClass);
  EXPECT_EQ(store_->SlabsReassign(big, -1), R::kBadClass);
  FillBig();
  EXPECT_EQ(store_->SlabsReassign(-1, small), R::kOk);  // picks `big`
  EXPECT_EQ(Stats(*store_).slab_reassign_running, 1u);
  EXPECT_EQ(store_->SlabsReassign(big, small), R::kRunning);
  RunMove();
  EXPECT_EQ(Stats(*store_).slab_reassign_running, 0u);
  EXPECT_EQ(Class(big).total_pages, 3u);
  EXPECT_EQ(Class(small).total_pages, 1u);
  EXPECT_EQ(Stats(*store_).slabs_moved, 1u);
}

TEST_F(SlabMoverTest, MoveRescuesLiveItemsIntoFreeChunks) {
  FillBig();
  const int big = ClassOf(1000);
  const int small = ClassOf(100);
  EXPECT_EQ(Class(big).total_pages, 4u);
  // Memory is full: the small class has no page and cannot store.
  EXPECT_EQ(Put(store_.get(), "s000", Value(0, 100)), StoreResult::kNoMemory);
  // A quarter of the items go: exactly three pages' worth stay.
  for (int i = 0; i < kFull; i += 4) ASSERT_TRUE(store_->Delete(Key(i)));
  ASSERT_EQ(store_->SlabsReassign(big, small), Store::ReassignResult::kOk);
  RunMove();
  const StoreStats st = Stats(*store_);
  EXPECT_EQ(st.slabs_moved, 1u);
  // Page 0 (the first with most free chunks) held keys 0..54, 14 deleted.
  EXPECT_EQ(st.slab_reassign_rescues, 41u);
  EXPECT_EQ(st.slab_reassign_evictions_nomem, 0u);
  EXPECT_EQ(st.curr_items, static_cast<uint64_t>(3 * kPerPage));
  EXPECT_EQ(Class(big).total_pages, 3u);
  EXPECT_EQ(Class(big).used_chunks, static_cast<uint64_t>(3 * kPerPage));
  EXPECT_EQ(Class(small).total_pages, 1u);
  for (int i = 0; i < kFull; ++i) {
    EXPECT_EQ(GetValue(store_.get(), Key(i)),
              i % 4 == 0 ? "<miss>" : Value(i))
        << i;
  }
  EXPECT_EQ(Put(store_.get(), "s000", Value(0, 100)), StoreResult::kStored);
}

TEST_F(SlabMoverTest, MoveEvictsWhatCannotBeRescued) {
  FillBig();
  const int big = ClassOf(1000);
  // 20 deleted from page 0: 35 of its items have nowhere to go.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store_->Delete(Key(i)));
  ASSERT_EQ(store_->SlabsReassign(big, 0), Store::ReassignResult::kOk);
  RunMove();
  const StoreStats st = Stats(*store_);
  EXPECT_EQ(st.slab_reassign_rescues, 0u);
  EXPECT_EQ(st.slab_reassign_evictions_nomem, 35u);
  EXPECT_EQ(st.slab_global_page_pool, 1u);
  EXPECT_EQ(st.curr_items, static_cast<uint64_t>(3 * kPerPage));
  for (int i = 0; i < kFull; ++i) {
    EXPECT_EQ(GetValue(store_.get(), Key(i)), i < kPerPage ? "<miss>" : Value(i))
        << i;
  }
  // A growing class takes the pool page.
  EXPECT_EQ(Put(store_.get(), "s000", Value(0, 100)), StoreResult::kStored);
  EXPECT_EQ(Stats(*store_).slab_global_page_pool, 0u);
  EXPECT_EQ(Class(ClassOf(100)).total_pages, 1u);
}

TEST_F(SlabMoverTest, HeldItemKeepsItsBytesAndTheMoveWaits) {
  FillBig();
  const int big = ClassOf(1000);
  for (int i = 0; i < kFull; i += 4) ASSERT_TRUE(store_->Delete(Key(i)));
  ItemRef held = store_->Get(Key(1));  // in page 0, the one that moves
  ASSERT_TRUE(held);
  ASSERT_EQ(store_->SlabsReassign(big, 0), Store::ReassignResult::kOk);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(store_->RunSlabMoverPass(), 1);
  EXPECT_EQ(Stats(*store_).slab_reassign_running, 1u);
  EXPECT_GE(Stats(*store_).slab_reassign_busy_items, 5u);
  EXPECT_EQ(Stats(*store_).slabs_moved, 0u);
  EXPECT_EQ(held.CopyValue(), Value(1));
  EXPECT_EQ(GetValue(store_.get(), Key(1)), Value(1));
  held.Reset();
  EXPECT_EQ(store_->RunSlabMoverPass(), 0);
  EXPECT_EQ(Stats(*store_).slabs_moved, 1u);
  EXPECT_EQ(Stats(*store_).slab_reassign_rescues, 41u);
  EXPECT_EQ(GetValue(store_.get(), Key(1)), Value(1));
}

// memcached's busy deletes: an item a reader holds for ever would keep the
// page; after 1000 steps it is unlinked, and the reader's release frees it.
TEST_F(SlabMoverTest, LongHeldItemIsUnlinkedAndItsReleaseEndsTheMove) {
  FillBig();
  const int big = ClassOf(1000);
  for (int i = 0; i < kFull; i += 4) ASSERT_TRUE(store_->Delete(Key(i)));
  ItemRef held = store_->Get(Key(1));  // in page 0, the one that moves
  ASSERT_TRUE(held);
  ASSERT_EQ(store_->SlabsReassign(big, 0), Store::ReassignResult::kOk);
  int steps = 0;
  while (Stats(*store_).slab_reassign_busy_deletes == 0) {
    ASSERT_LT(steps, 1100);
    ASSERT_EQ(store_->RunSlabMoverPass(), 1);
    ++steps;
  }
  EXPECT_GE(steps, 999);
  EXPECT_EQ(GetValue(store_.get(), Key(1)), "<miss>");
  EXPECT_EQ(held.CopyValue(), Value(1));  // the reader's bytes stay
  EXPECT_EQ(Stats(*store_).slabs_moved, 0u);
  held.Reset();
  EXPECT_EQ(store_->RunSlabMoverPass(), 0);
  const StoreStats st = Stats(*store_);
  EXPECT_EQ(st.slabs_moved, 1u);
  EXPECT_EQ(st.slab_reassign_busy_deletes, 1u);
  EXPECT_EQ(st.slab_reassign_rescues, 40u);
  EXPECT_EQ(st.curr_items, static_cast<uint64_t>(3 * kPerPage - 1));
}

TEST_F(SlabMoverTest, ChainedItemChunksAreRescued) {
  // 40000 bytes: two 16 KiB chunks of the largest class and a tail.
  const std::string big0(40000, 'x'), big1(40000, 'y'), big2(40000, 'z');
  ASSERT_EQ(Put(store_.get(), "c000", big0), StoreResult::kStored);
  ASSERT_EQ(Put(store_.get(), "c001", big1), StoreResult::kStored);
  ASSERT_EQ(Put(store_.get(), "c002", big2), StoreResult::kStored);
  std::vector<SlabClassStats> all;
  store_->GetSlabStats(&all);
  const int largest = static_cast<int>(all.size());
  ASSERT_EQ(Class(largest).total_pages, 2u);
  // The first largest-class page keeps c001's chunks, with room freed by
  // c000; the second has two never-used chunks.
  ASSERT_TRUE(store_->Delete("c000"));
  ASSERT_EQ(store_->SlabsReassign(largest, 0), Store::ReassignResult::kOk);
  RunMove();
  const StoreStats st = Stats(*store_);
  EXPECT_EQ(st.slabs_moved, 1u);
  EXPECT_EQ(st.slab_reassign_chunk_rescues, 2u);
  EXPECT_EQ(st.slab_reassign_evictions_nomem, 0u);
  EXPECT_EQ(GetValue(store_.get(), "c001"), big1);
  EXPECT_EQ(GetValue(store_.get(), "c002"), big2);
  EXPECT_EQ(Class(largest).total_pages, 1u);
  EXPECT_EQ(Class(largest).used_chunks, 4u);
}

// A chained item's header chunk sits in a small class while the item is
// linked in the largest class's LRU: rescuing that header out of a moving
// page must unlink it from the list it is really on.
TEST_F(SlabMoverTest, RescuedChainedHeaderLeavesTheRightLru) {
  std::vector<SlabClassStats> all;
  for (int n = 0;; ++n) {
    ASSERT_LT(n, 100000);
    ASSERT_EQ(Put(store_.get(), "s" + std::to_string(n), "vvvvv"), StoreResult::kStored);
    store_->GetSlabStats(&all);
    if (all[0].total_pages == 2) break;
  }
  // Their header chunks land in class 1's second page.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Put(store_.get(), "big" + std::to_string(i), std::string(20000, 'a' + i)),
              StoreResult::kStored);
  }
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store_->Delete("s" + std::to_string(i)));
  ASSERT_EQ(store_->SlabsReassign(1, 0), Store::ReassignResult::kOk);
  RunMove();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(GetValue(store_.get(), "big" + std::to_string(i)), std::string(20000, 'a' + i));
  }
  // Both classes' lists are still sound: churn evicts through their tails.
  for (int i = 0; i < 300; ++i) {
    Put(store_.get(), "z" + std::to_string(i), std::string(20000, 'q'));
  }
  for (int i = 0; i < 3000; ++i) Put(store_.get(), "y" + std::to_string(i), "vvvvv");
  store_->RunLruMaintainerPass();
  EXPECT_GT(Stats(*store_).evictions, 0u);
  EXPECT_EQ(GetValue(store_.get(), "y2999"), "vvvvv");
}

// The mover finds a chain's owner from its value chunks. When the owner's
// header chunk was itself moved, the chain must name the new header.
TEST_F(SlabMoverTest, ChainFollowsItsHeaderThroughTwoMoves) {
  MakeStore(false, 8);
  std::vector<SlabClassStats> all;
  for (int n = 0;; ++n) {
    ASSERT_LT(n, 100000);
    ASSERT_EQ(Put(store_.get(), "s" + std::to_string(n), "vvvvv"), StoreResult::kStored);
    store_->GetSlabStats(&all);
    if (all[0].total_pages == 2) break;
  }
  const int largest = static_cast<int>(all.size());
  // Headers in class 1's second page; one full 16 KiB chunk each: four in
  // the largest class's first page, one in its second.
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Put(store_.get(), "big" + std::to_string(i), std::string(20000, 'a' + i)),
              StoreResult::kStored);
  }
  ASSERT_EQ(Class(largest).total_pages, 2u);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store_->Delete("s" + std::to_string(i)));
  ASSERT_EQ(store_->SlabsReassign(1, 0), Store::ReassignResult::kOk);
  RunMove();
  ASSERT_EQ(Stats(*store_).slabs_moved, 1u);
  // The page held one small item and the five headers: all copied.
  ASSERT_EQ(Stats(*store_).slab_reassign_rescues, 1u);
  ASSERT_EQ(Stats(*store_).slab_reassign_evictions_nomem, 0u);
  ASSERT_EQ(Stats(*store_).curr_items, Stats(*store_).total_items - 10);
  // big0's chunk frees a slot in the first page; the second page moves and
  // big4's chunk is rescued into that slot.
  ASSERT_TRUE(store_->Delete("big0"));
  ASSERT_EQ(store_->SlabsReassign(largest, 0), Store::ReassignResult::kOk);
  RunMove();
  const StoreStats st = Stats(*store_);
  EXPECT_EQ(st.slabs_moved, 2u);
  EXPECT_EQ(st.slab_reassign_chunk_rescues, 1u);
  EXPECT_EQ(st.slab_reassign_evictions_nomem, 0u);
  for (int i = 1; i < 5; ++i) {
    EXPECT_EQ(GetValue(store_.get(), "big" + std::to_string(i)), std::string(20000, 'a' + i));
  }
}

TEST_F(SlabMoverTest, AutomoveFeedsAStarvingClass) {
  FillBig();
  const int big = ClassOf(1000);
  const int small = ClassOf(100);
  EXPECT_EQ(store_->RunSlabAutomovePass(), 0);  // baseline
  EXPECT_EQ(Put(store_.get(), "s000", Value(0, 100)), StoreResult::kNoMemory);
  clock_.Advance(1);
  store_->SetSlabAutomove(0);
  EXPECT_EQ(store_->RunSlabAutomovePass(), 0);  // off: no move
  EXPECT_EQ(Put(store_.get(), "s000", Value(0, 100)), StoreResult::kNoMemory);
  clock_.Advance(1);
  store_->SetSlabAutomove(1);
  EXPECT_EQ(store_->RunSlabAutomovePass(), 1);
  RunMove();
  EXPECT_EQ(Class(big).total_pages, 3u);
  EXPECT_EQ(Class(small).total_pages, 1u);
  EXPECT_EQ(Put(store_.get(), "s000", Value(0, 100)), StoreResult::kStored);
  // Fed: no new move until the class starves again.
  clock_.Advance(1);
  EXPECT_EQ(store_->RunSlabAutomovePass(), 0);
}

TEST_F(SlabMoverTest, AutomoveFeedsARefusingClassBeforeAnEvictingOne) {
  // Flat LRU: every item is in COLD, whose tail ages automove compares.
  store_->SetLruSegmented(false);
  // Three pages of old 1000-byte items, one of newer 2000-byte ones.
  for (int i = 0; i < 3 * kPerPage; ++i) {
    ASSERT_EQ(Put(store_.get(), Key(i), Value(i)), StoreResult::kStored);
  }
  clock_.Advance(100);
  const int mid = ClassOf(2000);
  const int per_mid = static_cast<int>(Class(mid).chunks_per_page);
  for (int i = 0; i < per_mid; ++i) {
    ASSERT_EQ(Put(store_.get(), "m" + std::to_string(i), Value(i, 2000)),
              StoreResult::kStored);
  }
  ASSERT_EQ(Stats(*store_).total_malloced, uint64_t{kPages} * (64 << 10));
  EXPECT_EQ(store_->RunSlabAutomovePass(), 0);  // baseline
  // The 2000-byte class evicts ten times; the 100-byte one, with no page,
  // refuses once.
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Put(store_.get(), "n" + std::to_string(i), Value(i, 2000)),
              StoreResult::kStored);
  }
  const int small = ClassOf(100);
  EXPECT_EQ(Put(store_.get(), "s000", Value(0, 100)), StoreResult::kNoMemory);
  EXPECT_EQ(Class(mid).evicted, 10u);
  EXPECT_EQ(Class(small).outofmemory, 1u);
  clock_.Advance(1);
  EXPECT_EQ(store_->RunSlabAutomovePass(), 1);
  RunMove();
  EXPECT_EQ(Class(small).total_pages, 1u);
  EXPECT_EQ(Class(mid).total_pages, 1u);
  EXPECT_EQ(Class(ClassOf(1000)).total_pages, 2u);
  EXPECT_EQ(Put(store_.get(), "s000", Value(0, 100)), StoreResult::kStored);
  // Then the evicting class, from the oldest items, a second later.
  clock_.Advance(1);
  ASSERT_EQ(Put(store_.get(), "n10", Value(10, 2000)), StoreResult::kStored);
  EXPECT_EQ(store_->RunSlabAutomovePass(), 1);
  RunMove();
  EXPECT_EQ(Class(mid).total_pages, 2u);
  EXPECT_EQ(Class(ClassOf(1000)).total_pages, 1u);
}

TEST_F(SlabMoverTest, AutomoveTakesFreeChunksBeforeOldItems) {
  // Two pages of old 1000-byte items, then two pages of 2000-byte items
  // that are deleted again: that class holds two empty pages.
  for (int i = 0; i < 2 * kPerPage; ++i) {
    ASSERT_EQ(Put(store_.get(), Key(i), Value(i)), StoreResult::kStored);
  }
  clock_.Advance(100);
  const int mid = ClassOf(2000);
  const uint64_t mid_per_page = Class(mid).chunks_per_page;
  for (uint64_t i = 0; i < 2 * mid_per_page; ++i) {
    ASSERT_EQ(Put(store_.get(), "m" + std::to_string(100 + i), Value(0, 2000)),
              StoreResult::kStored);
  }
  ASSERT_EQ(Class(mid).total_pages, 2u);
  for (uint64_t i = 0; i < 2 * mid_per_page; ++i) {
    ASSERT_TRUE(store_->Delete("m" + std::to_string(100 + i)));
  }
  const int small = ClassOf(100);
  EXPECT_EQ(store_->RunSlabAutomovePass(), 0);  // baseline
  EXPECT_EQ(Put(store_.get(), "s000", Value(0, 100)), StoreResult::kNoMemory);
  clock_.Advance(1);
  EXPECT_EQ(store_->RunSlabAutomovePass(), 1);
  RunMove();
  EXPECT_EQ(Class(mid).total_pages, 1u);
  EXPECT_EQ(Class(ClassOf(1000)).total_pages, 2u);
  EXPECT_EQ(Class(small).total_pages, 1u);
  EXPECT_EQ(Stats(*store_).curr_items, static_cast<uint64_t>(2 * kPerPage));
}

TEST_F(SlabMoverTest, MoverThreadMovesAPageUnderConcurrentReads) {
  MakeStore(true);
  // Only the requested move: with the thread running, automove could
  // otherwise start one first and make the request answer BUSY.
  store_->SetSlabAutomove(0);
  FillBig();
  for (int i = 0; i < kFull; i += 4) ASSERT_TRUE(store_->Delete(Key(i)));
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        for (int i = 1; i < kFull; i += 4) {
          ItemRef ref = store_->Get(Key(i));  // never deleted, never evicted
          if (!ref || ref.CopyValue() != Value(i)) wrong.fetch_add(1);
        }
      }
    });
  }
  const Store::ReassignResult reassign = store_->SlabsReassign(ClassOf(1000), 0);
  for (int i = 0; i < 1000 && Stats(*store_).slabs_moved == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop.store(true);
  for (std::thread& t : readers) t.join();
  ASSERT_EQ(reassign, Store::ReassignResult::kOk);
  EXPECT_EQ(Stats(*store_).slabs_moved, 1u);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(Stats(*store_).curr_items, static_cast<uint64_t>(3 * kPerPage));
  for (int i = 0; i < kFull; ++i) {
    EXPECT_EQ(GetValue(store_.get(), Key(i)),
              i % 4 == 0 ? "<miss>" : Value(i))
        << i;
  }
}

// Page moves while other threads store (evicting, so claiming victims),
// read and delete, ordinary and chained items alike: every value read back
// is the one its key was written with. Run it under TSan too.
TEST_F(SlabMoverTest, MovesRaceWritersEvictionsAndReaders) {
  MakeStore(true, 8);
  store_->SetSlabAutomove(0);
  auto value_for = [](const std::string& key, size_t size) {
    std::string v(size, key.back());
    v.replace(0, key.size(), key);
    return v;
  };
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; !stop.load(); ++n) {
        const std::string key = "w" + std::to_string(t) + "-" + std::to_string(n % 400);
        Put(store_.get(), key, value_for(key, 1000));
        if (n % 7 == 0) store_->Delete("w" + std::to_string(1 - t) + "-" + std::to_string(n % 400));
      }
    });
  }
  threads.emplace_back([&] {
    for (int n = 0; !stop.load(); ++n) {
      const std::string key = "c" + std::to_string(n % 6);
      Put(store_.get(), key, value_for(key, 40000));
    }
  });
  threads.emplace_back([&] {
    for (int n = 0; !stop.load(); ++n) {
      const std::string key = n % 5 == 0 ? "c" + std::to_string(n % 6)
                                         : "w" + std::to_string(n % 2) + "-" + std::to_string(n % 400);
      ItemRef ref = store_->Get(key);
      if (ref && ref.CopyValue() != value_for(key, n % 5 == 0 ? 40000 : 1000)) {
        wrong.fetch_add(1);
      }
    }
  });
  std::vector<SlabClassStats> all;
  store_->GetSlabStats(&all);
  const int classes[] = {ClassOf(1000), static_cast<int>(all.size())};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  int asked = 0;
  for (int i = 0; asked < 20 && std::chrono::steady_clock::now() < deadline; ++i) {
    // NOSPARE until the writers have given the class two pages.
    if (store_->SlabsReassign(classes[i % 2], 0) == Store::ReassignResult::kOk) ++asked;
    do {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    } while (Stats(*store_).slab_reassign_running != 0 &&
             std::chrono::steady_clock::now() < deadline);
  }
  stop.store(true);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(asked, 0);
  EXPECT_GT(Stats(*store_).slabs_moved, 0u);
  EXPECT_GT(Stats(*store_).evictions, 0u);
}

}  // namespace
}  // namespace memcd
