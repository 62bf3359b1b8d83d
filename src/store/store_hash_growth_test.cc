// The store's hash table grows online: at memcached's 1.5 items per bucket,
// while other threads read and write, and not at all with no_hashexpand.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
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

std::string Key(const std::string& prefix, int n) {
  return prefix + std::to_string(n);
}
std::string ValueOf(const std::string& key) { return "v:" + key; }

// Polls until the table is at `power` and not expanding, for up to 5 s.
bool WaitForPower(const Store& store, uint64_t power) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const StoreStats s = Stats(store);
    if (s.hash_power_level == power && s.hash_is_expanding == 0) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

StoreOptions SmallTable() {
  StoreOptions o;
  o.hashpower = 12;  // memcached's minimum: 4096 buckets
  return o;
}

TEST(StoreHashGrowthTest, DoublesAboveOneAndAHalfItemsPerBucket) {
  FakeClock clock;
  Store store(SmallTable(), &clock);
  StoreStats s = Stats(store);
  EXPECT_EQ(s.hash_power_level, 12u);
  EXPECT_EQ(s.hash_bytes, 4096u * 4);
  EXPECT_EQ(s.hash_is_expanding, 0u);

  for (int n = 0; n < 6144; ++n) {
    ASSERT_EQ(Put(&store, Key("k", n), ValueOf(Key("k", n))),
              StoreResult::kStored);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s = Stats(store);
  EXPECT_EQ(s.hash_power_level, 12u) << "6144 items is not above 1.5 x 4096";
  EXPECT_EQ(s.hash_is_expanding, 0u);

  ASSERT_EQ(Put(&store, "k6144", "v:k6144"), StoreResult::kStored);
  ASSERT_TRUE(WaitForPower(store, 13));
  EXPECT_EQ(Stats(store).hash_bytes, 8192u * 4);

  // Replacing keys does not add items; new ones past 12288 double again.
  for (int n = 0; n < 1000; ++n) Put(&store, Key("k", n), ValueOf(Key("k", n)));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(Stats(store).hash_power_level, 13u);
  for (int n = 6145; n <= 12288; ++n) {
    ASSERT_EQ(Put(&store, Key("k", n), ValueOf(Key("k", n))),
              StoreResult::kStored);
  }
  ASSERT_TRUE(WaitForPower(store, 14));
  EXPECT_EQ(Stats(store).hash_bytes, 16384u * 4);
  EXPECT_EQ(Stats(store).curr_items, 12289u);
  for (int n = 0; n <= 12288; ++n) {
    ASSERT_EQ(GetValue(&store, Key("k", n)), ValueOf(Key("k", n))) << n;
  }
  EXPECT_EQ(GetValue(&store, "k12289"), "<miss>");
}

TEST(StoreHashGrowthTest, NoHashExpandKeepsTheSize) {
  FakeClock clock;
  StoreOptions o = SmallTable();
  o.hash_expand = false;
  Store store(o, &clock);
  for (int n = 0; n < 20000; ++n) {
    ASSERT_EQ(Put(&store, Key("k", n), ValueOf(Key("k", n))),
              StoreResult::kStored);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const StoreStats s = Stats(store);
  EXPECT_EQ(s.hash_power_level, 12u);
  EXPECT_EQ(s.hash_bytes, 4096u * 4);
  EXPECT_EQ(s.hash_is_expanding, 0u);
  for (int n = 0; n < 20000; ++n) {
    ASSERT_EQ(GetValue(&store, Key("k", n)), ValueOf(Key("k", n))) << n;
  }
}

// Four threads add keys (driving the table from 2^12 to 2^16), read a set
// of stable keys that must never miss, and set/get/delete shared keys that
// must read back as their own value or miss.
TEST(StoreHashGrowthTest, EveryKeyIsFoundWhileGrowingUnderLoad) {
  constexpr int kThreads = 4;
  constexpr int kStable = 6000;
  constexpr int kPerThread = 12000;  // 6000 + 48000 items > 1.5 x 2^15
  constexpr int kShared = 500;
  FakeClock clock;
  Store store(SmallTable(), &clock);
  for (int n = 0; n < kStable; ++n) {
    ASSERT_EQ(Put(&store, Key("stable", n), ValueOf(Key("stable", n))),
              StoreResult::kStored);
  }
  std::atomic<int> misses{0};
  std::atomic<int> wrong{0};
  std::atomic<bool> saw_expanding{false};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      const std::string own = "t" + std::to_string(t) + ":";
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = Key(own, i);
        if (Put(&store, key, ValueOf(key)) != StoreResult::kStored) ++wrong;
        if (GetValue(&store, key) != ValueOf(key)) ++misses;
        const std::string stable = Key("stable", rng() % kStable);
        if (GetValue(&store, stable) != ValueOf(stable)) ++misses;
        // A multi-get's window while the table doubles: prefetching reads
        // the bucket arrays the expander replaces (TSan checks the races).
        if (i % 8 == 0) {
          std::string window_keys[4];
          std::string_view window[4];
          for (int w = 0; w < 4; ++w) {
            window_keys[w] = Key("stable", rng() % kStable);
            window[w] = window_keys[w];
          }
          uint32_t hashes[4];
          store.PrefetchKeys(window, 4, hashes);
          for (int w = 0; w < 4; ++w) {
            ItemRef ref = store.Get(window[w], hashes[w]);
            if (!ref || ref.CopyValue() != ValueOf(window_keys[w])) ++misses;
          }
        }
        const std::string shared = Key("shared", rng() % kShared);
        switch (rng() % 3) {
          case 0:
            Put(&store, shared, ValueOf(shared));
            break;
          case 1:
            store.Delete(shared);
            break;
          default: {
            const std::string v = GetValue(&store, shared);
            if (v != ValueOf(shared) && v != "<miss>") ++wrong;
          }
        }
      }
    });
  }
  threads.emplace_back([&] {
    while (!done.load()) {
      if (Stats(store).hash_is_expanding != 0) saw_expanding = true;
      std::this_thread::yield();
    }
  });
  for (int t = 0; t < kThreads; ++t) threads[t].join();
  done = true;
  threads.back().join();

  EXPECT_EQ(misses.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  ASSERT_TRUE(WaitForPower(store, 16));
  EXPECT_EQ(Stats(store).evictions, 0u);
  for (int n = 0; n < kStable; ++n) {
    ASSERT_EQ(GetValue(&store, Key("stable", n)), ValueOf(Key("stable", n)));
  }
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const std::string key = Key("t" + std::to_string(t) + ":", i);
      ASSERT_EQ(GetValue(&store, key), ValueOf(key));
    }
  }
  // Not asserted (timing): whether a stats reader caught an expansion.
  RecordProperty("saw_expanding", saw_expanding.load() ? 1 : 0);
}

// Destroying the store must stop and join the expander even when a doubling
// is under way (or just requested); repeated to hit different moments.
TEST(StoreHashGrowthTest, DestroyedWhileExpanding) {
  for (int round = 0; round < 20; ++round) {
    FakeClock clock;
    auto store = std::make_unique<Store>(SmallTable(), &clock);
    const int items = 6145 + round * 300;  // past the first threshold
    for (int n = 0; n < items; ++n) Put(store.get(), Key("k", n), "v");
    store.reset();
  }
}

}  // namespace
}  // namespace memcd
