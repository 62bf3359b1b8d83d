// Helpers shared by the store's unit tests.
#ifndef MEMCD_STORE_STORE_TEST_UTIL_H_
#define MEMCD_STORE_STORE_TEST_UTIL_H_

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/store.h"

namespace memcd {
namespace testing_util {

// Allocates and stores `value` under `key` in one step. Allocation failures
// come back as kNoMemory (the AllocResult is in *alloc when given).
inline StoreResult Put(Store* store, std::string_view key,
                       std::string_view value, StoreMode mode = StoreMode::kSet,
                       uint32_t flags = 0, RelTime exptime = 0,
                       uint64_t cas_in = 0, uint64_t* cas_out = nullptr,
                       AllocResult* alloc = nullptr) {
  ItemRef item;
  const AllocResult r = store->Allocate(
      key, flags, exptime, static_cast<uint32_t>(value.size()), &item);
  if (alloc != nullptr) *alloc = r;
  if (r != AllocResult::kOk) return StoreResult::kNoMemory;
  ValueWriter writer(item);
  writer.Write(value.data(), value.size());
  return store->StoreItem(item, mode, cas_in, cas_out);
}

// The value stored under `key`, or "<miss>".
inline std::string GetValue(Store* store, std::string_view key) {
  ItemRef ref = store->Get(key);
  return ref ? ref.CopyValue() : std::string("<miss>");
}

inline StoreStats Stats(const Store& store) {
  StoreStats s;
  store.GetStats(&s);
  return s;
}

// The sum over every slab class of the given SlabClassStats fields.
template <typename... Fields>
uint64_t SumOverClasses(const Store& store, Fields... fields) {
  std::vector<SlabClassStats> classes;
  store.GetSlabStats(&classes);
  uint64_t sum = 0;
  for (const SlabClassStats& c : classes) sum += (0 + ... + (c.*fields));
  return sum;
}

// Polls `done` every millisecond until it holds or `timeout` has passed;
// for tests that wait on another thread. True when it held.
template <typename Pred>
bool WaitFor(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

inline uint64_t UsedChunks(const Store& store) {
  return SumOverClasses(store, &SlabClassStats::used_chunks);
}

}  // namespace testing_util
}  // namespace memcd

#endif  // MEMCD_STORE_STORE_TEST_UTIL_H_
