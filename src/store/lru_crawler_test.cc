// The LRU crawler and metadump. Crawls run synchronously
// (RunLruCrawlerPass, RunLruAutocrawlPass) except in the thread tests.
#include "store/lru_crawler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/store.h"
#include "store/store_test_util.h"

namespace memcd {
namespace {

using testing_util::GetValue;
using testing_util::Put;
using testing_util::Stats;

class LruCrawlerTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = NewStore(); }
  // hash_expand false: no expander thread moving buckets under the item
  // locks, which the crawler only try-locks (a busy item is skipped).
  std::unique_ptr<Store> NewStore(bool hash_expand = true) {
    StoreOptions o;
    o.memory_limit = 8 << 20;
    o.hashpower = 12;
    o.hash_expand = hash_expand;
    return std::make_unique<Store>(o, &clock_);
  }
  // `n` items "<prefix><i>" that expire `ttl` seconds from now (0: never).
  void PutMany(Store* store, const std::string& prefix, int n, RelTime ttl) {
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(Put(store, prefix + std::to_string(i), "v", StoreMode::kSet, 0,
                    ttl == 0 ? 0 : clock_.Now() + ttl),
                StoreResult::kStored);
    }
  }
  // Spins (bounded) until `done` holds; for the tests with a second thread.
  template <typename Pred>
  static bool WaitFor(Pred done) {
    return testing_util::WaitFor(done, std::chrono::seconds(30));
  }
  // The id of the class holding `value_size`-byte values under short keys.
  int ClassOf(size_t value_size) {
    EXPECT_EQ(Put(store_.get(), "probe", std::string(value_size, 'p')),
              StoreResult::kStored);
    std::vector<SlabClassStats> all;
    store_->GetSlabStats(&all);
    int id = 0;
    for (const SlabClassStats& s : all) {
      if (s.number > 0) id = s.id;
    }
    EXPECT_TRUE(store_->Delete("probe"));
    return id;
  }
  std::vector<std::string> DumpLines(std::vector<bool> classes = {},
                                     size_t batch = 1 << 20) {
    std::unique_ptr<LruMetadump> dump = store_->StartMetadump(classes);
    std::string out;
    while (dump->Next(&out, batch)) {
    }
    std::vector<std::string> lines;
    size_t pos = 0;
    while (pos < out.size()) {
      const size_t nl = out.find('\n', pos);
      EXPECT_NE(nl, std::string::npos);
      lines.push_back(out.substr(pos, nl - pos));
      pos = nl + 1;
    }
    return lines;
  }

  FakeClock clock_{1700000000, 100};
  std::unique_ptr<Store> store_;
};

TEST_F(LruCrawlerTest, ReclaimsExpiredItemsWithoutReads) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Put(store_.get(), "dies" + std::to_string(i), "v",
                  StoreMode::kSet, 0, clock_.Now() + 10),
              StoreResult::kStored);
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Put(store_.get(), "lives" + std::to_string(i), "v"),
              StoreResult::kStored);
  }
  clock_.Advance(11);
  EXPECT_EQ(Stats(*store_).curr_items, 15u);
  EXPECT_EQ(store_->RunLruCrawlerPass(), -1);  // nothing queued
  EXPECT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kOk);
  EXPECT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kBusy);
  EXPECT_EQ(store_->RunLruCrawlerPass(), 15);
  StoreStats s = Stats(*store_);
  EXPECT_EQ(s.curr_items, 5u);
  EXPECT_EQ(s.crawler_reclaimed, 10u);
  EXPECT_EQ(s.crawler_items_checked, 15u);
  EXPECT_EQ(s.lru_crawler_starts, 1u);
  EXPECT_EQ(s.lru_crawler_running, 0u);
  EXPECT_EQ(s.get_expired, 0u);  // no read found them
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(GetValue(store_.get(), "lives" + std::to_string(i)), "v");
  }
  // Done: a new crawl may start, and finds nothing more to reclaim.
  EXPECT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kOk);
  EXPECT_EQ(store_->RunLruCrawlerPass(), 5);
  EXPECT_EQ(Stats(*store_).crawler_reclaimed, 10u);
  EXPECT_EQ(Stats(*store_).lru_crawler_starts, 2u);
}

TEST_F(LruCrawlerTest, ReclaimsFlushedItems) {
  ASSERT_EQ(Put(store_.get(), "a", "1"), StoreResult::kStored);
  ASSERT_EQ(Put(store_.get(), "b", "2"), StoreResult::kStored);
  store_->FlushAll(clock_.Now());
  ASSERT_EQ(Put(store_.get(), "c", "3"), StoreResult::kStored);
  ASSERT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kOk);
  EXPECT_EQ(store_->RunLruCrawlerPass(), 3);
  EXPECT_EQ(Stats(*store_).curr_items, 1u);
  EXPECT_EQ(Stats(*store_).crawler_reclaimed, 2u);
  EXPECT_EQ(GetValue(store_.get(), "c"), "3");
}

TEST_F(LruCrawlerTest, CrawlsOnlyTheRequestedClasses) {
  const int small = ClassOf(10);
  const int big = ClassOf(3000);
  ASSERT_NE(small, big);
  ASSERT_EQ(Put(store_.get(), "s", std::string(10, 's'), StoreMode::kSet, 0,
                clock_.Now() + 1),
            StoreResult::kStored);
  ASSERT_EQ(Put(store_.get(), "b", std::string(3000, 'b'), StoreMode::kSet, 0,
                clock_.Now() + 1),
            StoreResult::kStored);
  clock_.Advance(2);
  std::vector<bool> classes(big + 1, false);
  classes[big] = true;
  ASSERT_EQ(store_->CrawlLrus(classes), Store::CrawlResult::kOk);
  EXPECT_EQ(store_->RunLruCrawlerPass(), 1);
  std::vector<SlabClassStats> all;
  store_->GetSlabStats(&all);
  EXPECT_EQ(all[big - 1].crawler_reclaimed, 1u);
  EXPECT_EQ(all[big - 1].number, 0u);
  EXPECT_EQ(all[small - 1].crawler_reclaimed, 0u);
  EXPECT_EQ(all[small - 1].number, 1u);
  // A class id past the last class is ignored, not an error.
  std::vector<bool> far(200, false);
  far[199] = true;
  ASSERT_EQ(store_->CrawlLrus(far), Store::CrawlResult::kOk);
  EXPECT_EQ(store_->RunLruCrawlerPass(), 0);
}

TEST_F(LruCrawlerTest, ToCrawlBoundsItemsPerClass) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Put(store_.get(), "k" + std::to_string(i), "v", StoreMode::kSet,
                  0, clock_.Now() + 1),
              StoreResult::kStored);
  }
  clock_.Advance(2);
  store_->SetLruCrawlerToCrawl(4);
  ASSERT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kOk);
  EXPECT_EQ(store_->RunLruCrawlerPass(), 4);
  EXPECT_EQ(Stats(*store_).curr_items, 6u);
  // From the tail: the oldest four went.
  EXPECT_EQ(GetValue(store_.get(), "k3"), "<miss>");
  EXPECT_EQ(Stats(*store_).get_expired, 0u);  // k3 was gone already
  store_->SetLruCrawlerToCrawl(0);
  ASSERT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kOk);
  EXPECT_EQ(store_->RunLruCrawlerPass(), 6);
  EXPECT_EQ(Stats(*store_).curr_items, 0u);
}

TEST_F(LruCrawlerTest, HeldDeadItemIsUnlinkedAndStaysReadable) {
  ASSERT_EQ(Put(store_.get(), "held", "value", StoreMode::kSet, 0,
                clock_.Now() + 1),
            StoreResult::kStored);
  ItemRef ref = store_->Get("held");
  ASSERT_TRUE(ref);
  clock_.Advance(2);
  ASSERT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kOk);
  EXPECT_EQ(store_->RunLruCrawlerPass(), 1);
  EXPECT_EQ(Stats(*store_).curr_items, 0u);
  EXPECT_EQ(ref.CopyValue(), "value");  // memory kept while referenced
}

TEST_F(LruCrawlerTest, MetadumpLinesAreMemcachedsFormat) {
  ASSERT_EQ(Put(store_.get(), "a", "x", StoreMode::kSet, 5),
            StoreResult::kStored);
  ASSERT_EQ(Put(store_.get(), "k%1 b", "yy", StoreMode::kSet, 0, 200),
            StoreResult::kStored);
  ASSERT_EQ(Put(store_.get(), "gone", "z", StoreMode::kSet, 0, 101),
            StoreResult::kStored);
  clock_.Advance(5);  // now 105: "gone" expired, not listed
  EXPECT_EQ(GetValue(store_.get(), "a"), "x");
  // Oldest first (LRU tail to head); 34 + 8 CAS + key + value bytes.
  const std::vector<std::string> want = {
      "key=a exp=-1 la=1700000100 cas=1 fetch=yes cls=1 size=44",
      "key=k%251%20b exp=1700000200 la=1700000100 cas=2 fetch=no cls=1 "
      "size=49",
  };
  EXPECT_EQ(DumpLines(), want);
  std::vector<bool> only1 = {false, true};
  EXPECT_EQ(DumpLines(only1), want);
  std::vector<bool> only2 = {false, false, true};
  EXPECT_TRUE(DumpLines(only2).empty());
}

TEST_F(LruCrawlerTest, MetadumpComesInBoundedBatches) {
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(Put(store_.get(), "key" + std::to_string(1000 + i), "v"),
              StoreResult::kStored);
  }
  std::unique_ptr<LruMetadump> dump = store_->StartMetadump({});
  std::string out;
  // One step (at most 64 items) per call once the target is reached.
  EXPECT_TRUE(dump->Next(&out, 1));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 64);
  // A later item unlinked meanwhile is simply not listed.
  EXPECT_TRUE(store_->Delete("key1100"));
  while (dump->Next(&out, 4096)) {
  }
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 199);
  EXPECT_EQ(out.find("key=key1100 "), std::string::npos);
  EXPECT_NE(out.find("key=key1199 "), std::string::npos);
}

TEST_F(LruCrawlerTest, MetadumpEndsAListWhosePinnedItemWasUnlinked) {
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(Put(store_.get(), "key" + std::to_string(1000 + i), "v"),
              StoreResult::kStored);
  }
  std::unique_ptr<LruMetadump> dump = store_->StartMetadump({});
  std::string out;
  EXPECT_TRUE(dump->Next(&out, 1));
  // The 65th item from the tail is where the walk stopped (pinned).
  EXPECT_TRUE(store_->Delete("key1064"));
  EXPECT_EQ(Stats(*store_).curr_items, 199u);
  while (dump->Next(&out, 4096)) {
  }
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 64);
  // The pin is dropped: the deleted item's memory can be reused, the
  // rest stay intact.
  dump.reset();
  EXPECT_EQ(GetValue(store_.get(), "key1065"), "v");
}

TEST_F(LruCrawlerTest, ThreadCrawlsWhileWritersRun) {
  ASSERT_TRUE(store_->StartLruCrawler());
  EXPECT_FALSE(store_->StartLruCrawler());
  EXPECT_TRUE(store_->lru_crawler_enabled());
  store_->SetLruCrawlerSleep(0);
  const RelTime now = clock_.Now();  // the clock stays put: FakeClock
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int round = 0; round < 20; ++round) {
      for (int i = 0; i < 500; ++i) {
        const std::string key = "k" + std::to_string(i);
        // Even keys are born dead (exptime == now), odd ones live.
        Put(store_.get(), key, "value", StoreMode::kSet, 0,
            i % 2 == 0 ? now : 0);
        if (i % 7 == 0) store_->Delete(key);
        GetValue(store_.get(), key);
      }
    }
    done = true;
  });
  // At least one request, even if the writer is already done: the crawler
  // starts idle, so that first one is always accepted.
  int accepted = 0;
  do {
    if (store_->CrawlLrus({}) == Store::CrawlResult::kOk) ++accepted;
    std::this_thread::yield();
  } while (!done);
  writer.join();
  EXPECT_GT(accepted, 0);
  store_->StopLruCrawler();
  EXPECT_FALSE(store_->lru_crawler_enabled());
  // Whatever the thread left, a last synchronous crawl reclaims.
  ASSERT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kOk);
  EXPECT_GE(store_->RunLruCrawlerPass(), 0);
  // Odd keys not divisible by 7 remain: 500 / 2 - odd multiples of 7.
  int live = 0;
  for (int i = 1; i < 500; i += 2) live += i % 7 != 0;
  EXPECT_EQ(Stats(*store_).curr_items, static_cast<uint64_t>(live));
  EXPECT_EQ(DumpLines().size(), static_cast<size_t>(live));
}

TEST(NextCrawlDelayTest, FollowsTheTtlsSeen) {
  struct Case {
    uint64_t live;
    uint64_t no_ttl;
    std::vector<std::pair<int, uint64_t>> by_minute;  // {minute, items}
    RelTime want;
  };
  const Case cases[] = {
      {0, 0, {}, 65},                 // nothing live: a minute, + 5 s
      {10, 10, {}, 3600},             // no TTLs: the maximum
      {10, 0, {}, 3600},              // TTLs of an hour or more
      {10, 0, {{0, 10}}, 5},          // under a minute: the minimum
      {10, 0, {{2, 10}}, 125},        // in 2 minutes
      {10, 0, {{59, 10}}, 3545},      // the last minute tracked
      {10, 0, {{1, 1}, {7, 9}}, 65},  // 1% + 1 of 10 is one item
      // 1% + 1 of 1000 is 11 items: 10 expiring soon are not enough.
      {1000, 0, {{0, 10}, {30, 990}}, 1805},
      {1000, 0, {{0, 11}, {30, 989}}, 5},
      // Items without TTL are left out of the 1%: 2 of 100.
      {1000, 900, {{1, 2}, {50, 98}}, 65},
      {1000, 900, {{1, 1}, {50, 99}}, 3005},
  };
  for (const Case& c : cases) {
    TtlTally t;
    t.live = c.live;
    t.no_ttl = c.no_ttl;
    for (const auto& [minute, n] : c.by_minute) t.by_minute[minute] = n;
    EXPECT_EQ(LruCrawler::NextCrawlDelay(t), c.want)
        << c.live << " live, " << c.no_ttl << " without TTL";
  }
}

TEST_F(LruCrawlerTest, AutocrawlReclaimsExpiredItemsWithoutReads) {
  PutMany(store_.get(), "dies", 10, 10);
  PutMany(store_.get(), "lives", 5, 0);
  clock_.Advance(11);
  EXPECT_EQ(Stats(*store_).curr_items, 15u);
  // The first check: a class holding items is due.
  EXPECT_EQ(store_->RunLruAutocrawlPass(clock_.Now()), 15);
  StoreStats s = Stats(*store_);
  EXPECT_EQ(s.curr_items, 5u);
  EXPECT_EQ(s.crawler_reclaimed, 10u);
  EXPECT_EQ(s.crawler_items_checked, 15u);
  EXPECT_EQ(s.lru_crawler_starts, 1u);
  EXPECT_EQ(s.lru_crawler_running, 0u);
  EXPECT_EQ(s.get_expired, 0u);  // no read found them
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(GetValue(store_.get(), "lives" + std::to_string(i)), "v");
  }
  // Only items without TTL left: the class waits the maximum, an hour.
  const RelTime crawled = clock_.Now();
  EXPECT_EQ(store_->RunLruAutocrawlPass(crawled + 1), -1);
  EXPECT_EQ(store_->RunLruAutocrawlPass(crawled + 3600), -1);
  EXPECT_EQ(store_->RunLruAutocrawlPass(crawled + 3601), 5);
  EXPECT_EQ(Stats(*store_).lru_crawler_starts, 2u);
}

TEST_F(LruCrawlerTest, AutocrawlNextTimeFollowsTheTtlsSeen) {
  struct Case {
    RelTime ttl;        // of every item in the class
    RelTime due_after;  // seconds after a crawl that saw them live
  };
  const Case cases[] = {
      {1, 5},        // not before the minimum
      {30, 5},       // under a minute
      {120, 125},    // 2 minutes
      {150, 125},    // 2.5 minutes: the minute's start, plus 5 s
      {3599, 3545},  // the last minute tracked
      {7200, 3600},  // never after the maximum
      {0, 3600},     // no TTL
  };
  for (const Case& c : cases) {
    std::unique_ptr<Store> store = NewStore();
    PutMany(store.get(), "k", 10, c.ttl);
    const RelTime t0 = clock_.Now();
    ASSERT_EQ(store->RunLruAutocrawlPass(t0), 10) << c.ttl;
    EXPECT_EQ(Stats(*store).crawler_reclaimed, 0u) << c.ttl;
    EXPECT_EQ(store->RunLruAutocrawlPass(t0 + c.due_after), -1) << c.ttl;
    EXPECT_EQ(store->RunLruAutocrawlPass(t0 + c.due_after + 1), 10) << c.ttl;
    const uint64_t reclaimed = c.ttl != 0 && c.ttl <= c.due_after + 1 ? 10 : 0;
    EXPECT_EQ(Stats(*store).crawler_reclaimed, reclaimed) << c.ttl;
    EXPECT_EQ(Stats(*store).lru_crawler_starts, 2u) << c.ttl;
  }
}

TEST_F(LruCrawlerTest, AutocrawlCrawlsOnlyTheClassesDue) {
  const int small = ClassOf(10);
  const int big = ClassOf(3000);
  ASSERT_NE(small, big);
  const RelTime t0 = clock_.Now();
  ASSERT_EQ(Put(store_.get(), "s", std::string(10, 's'), StoreMode::kSet, 0,
                t0 + 120),
            StoreResult::kStored);
  ASSERT_EQ(store_->RunLruAutocrawlPass(t0), 1);  // the small class only
  // Empty at that check, the big class is looked at again 65 s later.
  ASSERT_EQ(Put(store_.get(), "b", std::string(3000, 'b'), StoreMode::kSet, 0,
                t0 + 3),
            StoreResult::kStored);
  EXPECT_EQ(store_->RunLruAutocrawlPass(t0 + 4), -1);
  EXPECT_EQ(store_->RunLruAutocrawlPass(t0 + 65), -1);
  EXPECT_EQ(store_->RunLruAutocrawlPass(t0 + 66), 1);
  EXPECT_EQ(Stats(*store_).crawler_reclaimed, 1u);  // "b"
  std::vector<SlabClassStats> all;
  store_->GetSlabStats(&all);
  EXPECT_EQ(all[small - 1].crawler_items_checked, 1u);
  EXPECT_EQ(all[big - 1].crawler_items_checked, 1u);
  // "s" had 120 s left: due 125 s after the first check.
  EXPECT_EQ(store_->RunLruAutocrawlPass(t0 + 125), -1);
  EXPECT_EQ(store_->RunLruAutocrawlPass(t0 + 126), 1);
  EXPECT_EQ(Stats(*store_).crawler_reclaimed, 2u);  // "s"
  // The crawl of the big class found nothing live: 65 s again.
  ASSERT_EQ(Put(store_.get(), "b2", std::string(3000, 'b'), StoreMode::kSet, 0,
                t0 + 1000),
            StoreResult::kStored);
  EXPECT_EQ(store_->RunLruAutocrawlPass(t0 + 131), -1);
  EXPECT_EQ(store_->RunLruAutocrawlPass(t0 + 132), 1);
  store_->GetSlabStats(&all);
  EXPECT_EQ(all[small - 1].crawler_items_checked, 2u);
  EXPECT_EQ(all[big - 1].crawler_items_checked, 2u);
  EXPECT_EQ(Stats(*store_).lru_crawler_starts, 4u);
}

TEST_F(LruCrawlerTest, AutocrawlWaitsForAQueuedManualCrawl) {
  PutMany(store_.get(), "k", 10, 1);
  clock_.Advance(2);
  ASSERT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kOk);
  EXPECT_EQ(store_->RunLruAutocrawlPass(clock_.Now()), -1);
  EXPECT_EQ(Stats(*store_).lru_crawler_starts, 0u);
  EXPECT_EQ(store_->RunLruCrawlerPass(), 10);
  EXPECT_EQ(Stats(*store_).curr_items, 0u);
  PutMany(store_.get(), "n", 3, 0);
  // The class is still due: the manual crawl leaves the schedule alone.
  EXPECT_EQ(store_->RunLruAutocrawlPass(clock_.Now()), 3);
  EXPECT_EQ(Stats(*store_).lru_crawler_starts, 2u);
}

// An automatic crawl that sleeps a second every 1000 items is under way on
// another thread; a manual request is accepted and stops it.
TEST_F(LruCrawlerTest, ManualRequestPreemptsAutocrawl) {
  constexpr int kItems = 20000;  // 19 one-second sleeps when not stopped
  store_ = NewStore(/*hash_expand=*/false);  // see DisableStopsAutocrawl
  PutMany(store_.get(), "k", kItems, 1);
  clock_.Advance(2);
  store_->SetLruCrawlerSleep(1000000);
  const RelTime now = clock_.Now();
  int auto_checked = 0;
  std::thread autocrawl(
      [&] { auto_checked = store_->RunLruAutocrawlPass(now); });
  // Under way: it has checked items (and sleeps after the first 1000).
  ASSERT_TRUE(WaitFor([&] { return Stats(*store_).crawler_items_checked > 0; }));
  EXPECT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kOk);
  EXPECT_EQ(store_->CrawlLrus({}), Store::CrawlResult::kBusy);  // manual
  autocrawl.join();
  EXPECT_GT(auto_checked, 0);
  EXPECT_LT(auto_checked, kItems);
  EXPECT_EQ(Stats(*store_).lru_crawler_running, 0u);
  store_->SetLruCrawlerSleep(0);
  EXPECT_EQ(store_->RunLruCrawlerPass(), kItems - auto_checked);
  StoreStats s = Stats(*store_);
  EXPECT_EQ(s.curr_items, 0u);
  EXPECT_EQ(s.crawler_reclaimed, static_cast<uint64_t>(kItems));
  EXPECT_EQ(s.lru_crawler_starts, 2u);
}

// The thread crawls on its own; "lru_crawler disable" stops that crawl.
TEST_F(LruCrawlerTest, DisableStopsAutocrawl) {
  constexpr int kItems = 20000;
  // 20,000 items would start a hash expansion, whose locks can make the
  // crawl below skip an item and leave it for later.
  store_ = NewStore(/*hash_expand=*/false);
  PutMany(store_.get(), "k", kItems, 1);
  clock_.Advance(2);  // the clock stays put while the thread runs
  store_->SetLruCrawlerSleep(1000000);
  ASSERT_TRUE(store_->StartLruCrawler());
  // No request: the thread's first check finds the class due.
  ASSERT_TRUE(WaitFor([&] {
    const StoreStats s = Stats(*store_);
    return s.lru_crawler_running == 1 && s.crawler_items_checked > 0;
  }));
  store_->StopLruCrawler();
  EXPECT_FALSE(store_->lru_crawler_enabled());
  StoreStats s = Stats(*store_);
  EXPECT_EQ(s.lru_crawler_running, 0u);
  EXPECT_EQ(s.lru_crawler_starts, 1u);
  EXPECT_GT(s.crawler_reclaimed, 0u);
  EXPECT_LT(s.crawler_reclaimed, static_cast<uint64_t>(kItems));
  EXPECT_EQ(s.curr_items, kItems - s.crawler_reclaimed);
  // The class cut short is retried after the minimum wait.
  store_->SetLruCrawlerSleep(0);
  EXPECT_EQ(store_->RunLruAutocrawlPass(clock_.Now() + 5), -1);
  EXPECT_EQ(store_->RunLruAutocrawlPass(clock_.Now() + 6),
            static_cast<int>(kItems - s.crawler_reclaimed));
  EXPECT_EQ(Stats(*store_).curr_items, 0u);
}

}  // namespace
}  // namespace memcd
