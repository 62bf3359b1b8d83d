#include "store/hash_expander.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <utility>

#include "base/hash.h"
#include "store/arena.h"
#include "store/store_test_util.h"

namespace memcd {
namespace {

using std::chrono::milliseconds;

class HashExpanderTest : public ::testing::Test {
 protected:
  // 4 buckets and 4 stripes: bucket b is guarded by stripe b.
  HashExpanderTest() : arena_(1 << 16), table_(2, &arena_), locks_(2, 4) {}

  static std::string Key(int n) { return "key" + std::to_string(n); }

  // Links "key<n>" (slot n) under its item lock, as the store does.
  void Add(HashExpander* expander, int n) {
    const std::string key = Key(n);
    Item* item = new (arena_.base() + n * 64) Item;
    item->h_next = kNullItemId;
    item->flags.store(0);
    item->key_length = static_cast<uint8_t>(key.size());
    item->value_length = 0;
    std::memcpy(item->key_data(), key.data(), key.size());
    const uint32_t hash = HashKey(key);
    std::lock_guard<std::mutex> lock(locks_.ForHash(hash));
    table_.Insert(item, hash);
    if (expander != nullptr) expander->MaybeWake();
  }

  bool Found(int n) {
    const std::string key = Key(n);
    const uint32_t hash = HashKey(key);
    std::lock_guard<std::mutex> lock(locks_.ForHash(hash));
    return table_.Find(key, hash) ==
           reinterpret_cast<Item*>(arena_.base() + n * 64);
  }

  // Polls `done` for up to 5 s.
  template <typename Pred>
  static bool WaitFor(Pred done) {
    return testing_util::WaitFor(done, std::chrono::seconds(5));
  }

  Arena arena_;
  HashTable table_;
  ItemLocks locks_;
};

TEST_F(HashExpanderTest, DoublesInTheBackgroundUntilBelowTheThreshold) {
  HashExpander expander(&table_, &locks_);
  expander.Start();
  for (int n = 0; n < 6; ++n) Add(&expander, n);
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(table_.hashpower(), 2);  // 6 items: not above 4 * 1.5
  Add(&expander, 6);
  ASSERT_TRUE(WaitFor([&] { return table_.hashpower() == 3; }));
  for (int n = 7; n < 50; ++n) Add(&expander, n);  // 50 > 32 * 1.5
  ASSERT_TRUE(WaitFor([&] {
    return table_.hashpower() == 6 && !table_.is_expanding();
  }));
  EXPECT_EQ(table_.bytes(), 64u * 4u);
  for (int n = 0; n < 50; ++n) EXPECT_TRUE(Found(n)) << n;
}

TEST_F(HashExpanderTest, NotStartedNeverGrows) {
  HashExpander expander(&table_, &locks_);  // -o no_hashexpand: no Start()
  for (int n = 0; n < 40; ++n) Add(&expander, n);
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(table_.hashpower(), 2);
  EXPECT_FALSE(table_.is_expanding());
  for (int n = 0; n < 40; ++n) EXPECT_TRUE(Found(n)) << n;
}

TEST_F(HashExpanderTest, StopsCleanlyInTheMiddleOfAnExpansion) {
  for (int n = 0; n < 6; ++n) Add(nullptr, n);
  auto expander = std::make_unique<HashExpander>(&table_, &locks_);
  expander->Start();
  // Hold stripe 1: the expander moves bucket 0 and then waits for bucket 1.
  std::unique_lock<std::mutex> stripe1(locks_.ForStripe(1));
  bool added = false;
  for (int n = 6; !added; ++n) {
    if (locks_.StripeOf(HashKey(Key(n))) == 1) continue;  // held: skip
    Add(expander.get(), n);
    added = true;
  }
  ASSERT_TRUE(WaitFor([&] { return table_.is_expanding(); }));
  std::thread stopper([&] { expander.reset(); });
  // Let the stopper raise the stop flag before the expander can go on.
  std::this_thread::sleep_for(milliseconds(200));
  stripe1.unlock();
  stopper.join();
  // Abandoned after bucket 1: still expanding, and still consistent.
  EXPECT_TRUE(table_.is_expanding());
  EXPECT_EQ(table_.hashpower(), 3);
  EXPECT_EQ(table_.item_count(), 7u);
  int found = 0;
  for (int n = 0; n < 40; ++n) found += Found(n) ? 1 : 0;
  EXPECT_EQ(found, 7);
  for (int n = 0; n < 6; ++n) EXPECT_TRUE(Found(n)) << n;
}

// memcached's item_lock_hashpower by worker threads, and never more
// stripes than hash buckets.
TEST(ItemLocksTest, StripesFollowTheWorkerThreads) {
  const std::pair<int, size_t> cases[] = {{1, 1024}, {2, 1024}, {3, 2048},
                                          {4, 4096}, {5, 8192}, {64, 8192}};
  for (const auto& [threads, stripes] : cases) {
    EXPECT_EQ(ItemLocks(16, threads).stripe_count(), stripes) << threads << " threads";
  }
  EXPECT_EQ(ItemLocks(8, 64).stripe_count(), 256u) << "capped by the hash table";
}

}  // namespace
}  // namespace memcd
