// Several threads on overlapping keys, with evictions going on: every value
// read must be one that was written for that key.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "store/store_test_util.h"

namespace memcd {
namespace {

using testing_util::Put;
using testing_util::Stats;
using testing_util::SumOverClasses;
using testing_util::UsedChunks;

constexpr int kThreads = 4;
constexpr int kOpsPerThread = 50000;
constexpr int kTextKeys = 400;
constexpr int kNumberKeys = 8;

// Text values name their key and repeat a filler derived from the key and a
// sequence number, so that a torn or foreign value is detectable.
std::string TextValue(int key, uint32_t seq) {
  const size_t len = 900 + (seq * 37 + key * 11) % 200;  // one slab class
  std::string v = "key" + std::to_string(key) + ":" + std::to_string(seq) + ":";
  const char fill = static_cast<char>('a' + (key + seq) % 26);
  v.append(len - (v.size() < len ? v.size() : len), fill);
  return v;
}

bool TextValueIsValid(int key, std::string_view v) {
  const std::string prefix = "key" + std::to_string(key) + ":";
  if (v.substr(0, prefix.size()) != prefix) return false;
  const size_t colon = v.find(':', prefix.size());
  if (colon == std::string_view::npos) return false;
  const uint32_t seq = static_cast<uint32_t>(
      std::stoul(std::string(v.substr(prefix.size(), colon - prefix.size()))));
  return v == TextValue(key, seq);
}

// Numbers are digits, possibly followed by decr's space padding.
bool NumberIsValid(std::string_view v) {
  size_t i = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
  if (i == 0) return false;
  while (i < v.size() && v[i] == ' ') ++i;
  return i == v.size();
}

uint64_t LinkedItems(const Store& store) {
  return SumOverClasses(store, &SlabClassStats::number);
}

uint64_t LruMoves(const Store& store) {
  return SumOverClasses(store, &SlabClassStats::moves_to_cold, &SlabClassStats::moves_to_warm,
                        &SlabClassStats::moves_within_lru);
}

// With `maintainer`, the LRU maintainer thread runs throughout: reads queue
// their bumps to it, and it moves items between segments (without their
// item locks) while the workers delete, replace and evict them.
void RunMixedOperations(bool maintainer) {
  FakeClock clock;
  StoreOptions o;
  o.slab_page_size = 64 << 10;
  o.item_size_max = 16 << 10;
  o.memory_limit = 4 * (64 << 10);  // small: evictions run concurrently
  o.hashpower = 12;
  o.lru_maintainer_thread = maintainer;
  Store store(o, &clock);
  std::atomic<int> bad{0};
  std::atomic<int> numeric_errors{0};
  std::atomic<int> hits{0};

  auto worker = [&](int tid) {
    uint32_t rng = 0x9e3779b9u * (tid + 1);
    auto next = [&rng]() {
      rng ^= rng << 13;
      rng ^= rng >> 17;
      rng ^= rng << 5;
      return rng;
    };
    for (int op = 0; op < kOpsPerThread; ++op) {
      const uint32_t r = next();
      const bool number_key = r % 4 == 0;
      const int key = number_key ? static_cast<int>(next() % kNumberKeys)
                                 : static_cast<int>(next() % kTextKeys);
      const std::string name =
          (number_key ? "num" : "txt") + std::to_string(key);
      switch ((r >> 8) % 6) {
        case 0:
        case 1: {  // set
          const std::string v =
              number_key
                  ? std::to_string(next() % 1000000)
                  : TextValue(key, static_cast<uint32_t>(op * kThreads + tid));
          Put(&store, name, v);
          break;
        }
        case 2:
        case 3: {  // get; hold the ref a moment and re-check it
          ItemRef ref = store.Get(name);
          if (!ref) break;
          ++hits;
          const std::string first = ref.CopyValue();
          const bool ok =
              number_key ? NumberIsValid(first) : TextValueIsValid(key, first);
          if (!ok || ref.key() != name) ++bad;
          std::this_thread::yield();
          if (ref.CopyValue() != first) ++bad;
          break;
        }
        case 4:
          store.Delete(name);
          break;
        case 5: {
          uint64_t value;
          const ArithResult res =
              store.Arith(name, (r & 1) != 0, next() % 100, &value);
          // Text keys never hold numbers; number keys always do.
          if (res == ArithResult::kNonNumeric && number_key) ++numeric_errors;
          if (res == ArithResult::kOk && !number_key) ++numeric_errors;
          break;
        }
      }
    }
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (std::thread& t : threads) t.join();
  if (maintainer) {
    // The checks below sum per-segment counters one list at a time, and a
    // bump still queued holds a reference to its item, deleted or not:
    // wait until the thread has applied the last reads' bumps and stopped
    // moving items (the clock stands still, so it settles), or 10 s. A
    // loaded machine may not run it for a while, and an idle pass doubles
    // its sleep.
    EXPECT_GT(LruMoves(store), 0u);
    uint64_t before = LruMoves(store);
    for (int i = 0; i < 500; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const uint64_t after = LruMoves(store);
      if (after == before && UsedChunks(store) == LinkedItems(store)) break;
      before = after;
    }
  }

  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(numeric_errors.load(), 0);
  EXPECT_GT(hits.load(), kThreads * kOpsPerThread / 10);  // the check ran
  // No reference or chunk leaked: every used chunk is a linked item.
  const uint64_t used = UsedChunks(store);
  const uint64_t number = LinkedItems(store);
  const StoreStats s = Stats(store);
  EXPECT_EQ(used, number);
  EXPECT_EQ(s.curr_items, number);
  EXPECT_GT(s.evictions, 0u);
  EXPECT_LE(s.total_malloced, o.memory_limit);
  int found = 0;
  for (int k = 0; k < kTextKeys; ++k)
    found += store.Get("txt" + std::to_string(k)) ? 1 : 0;
  for (int k = 0; k < kNumberKeys; ++k)
    found += store.Get("num" + std::to_string(k)) ? 1 : 0;
  EXPECT_EQ(static_cast<uint64_t>(found), s.curr_items);
}

TEST(StoreThreadTest, MixedOperationsOnSharedKeys) { RunMixedOperations(false); }

TEST(StoreThreadTest, MixedOperationsWithTheLruMaintainerThread) {
  RunMixedOperations(true);
}

}  // namespace
}  // namespace memcd
