// The LRU crawler and metadump. Crawls run synchronously
// (RunLruCrawlerPass) except in the thread test.
#include "store/lru_crawler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
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

class LruCrawlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions o;
    o.memory_limit = 8 << 20;
    o.hashpower = 12;
    store_ = std::make_unique<Store>(o, &clock_);
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
  // Oldest first (LRU tail to head); 33 + 8 CAS + key + value bytes.
  const std::vector<std::string> want = {
      "key=a exp=-1 la=1700000100 cas=1 fetch=yes cls=1 size=43",
      "key=k%251%20b exp=1700000200 la=1700000100 cas=2 fetch=no cls=1 "
      "size=48",
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

}  // namespace
}  // namespace memcd
