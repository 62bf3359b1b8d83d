// The background thread that doubles the hash table when it fills (more
// than 1.5 items per bucket), migrating one bucket at a time under that
// bucket's item lock, so readers and writers of other stripes never wait
// and those of the same stripe wait for one bucket's move.
#ifndef MEMCD_STORE_HASH_EXPANDER_H_
#define MEMCD_STORE_HASH_EXPANDER_H_

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/hash_table.h"
#include "store/item_locks.h"

namespace memcd {

class HashExpander {
 public:
  // Both borrowed and must outlive the expander; `locks` has no more stripes
  // than `table` has buckets.
  HashExpander(HashTable* table, ItemLocks* locks);
  // Stop().
  ~HashExpander();
  HashExpander(const HashExpander&) = delete;
  HashExpander& operator=(const HashExpander&) = delete;

  // Starts the thread. Without it (-o no_hashexpand) the table never grows.
  void Start();
  // Stops and joins the thread. A doubling under way is abandoned between
  // two buckets; the table stays consistent. Idempotent.
  void Stop();
  // Called after each insert, under the inserter's item lock: wakes the
  // thread when the table wants to grow; a few atomic loads when it does not.
  void MaybeWake();

 private:
  void Run();
  // One doubling; false when Stop() cut it short.
  bool Expand();

  HashTable* const table_;
  ItemLocks* const locks_;
  std::atomic<bool> started_{false};  // relaxed: set before any inserter runs
  std::mutex mu_;                     // with cv_: the thread's sleep
  std::condition_variable cv_;
  // Written under mu_ (so a wake-up is not lost); also read without it
  // between buckets, hence atomic (relaxed: only a hint to stop early).
  std::atomic<bool> stop_{false};
  std::thread thread_;  // touched only by Start() and Stop()
};

}  // namespace memcd

#endif  // MEMCD_STORE_HASH_EXPANDER_H_
