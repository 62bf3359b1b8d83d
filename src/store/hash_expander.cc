#include "store/hash_expander.h"

#include <glog/logging.h>

#include "base/thread_name.h"
#include "base/verbosity.h"

namespace memcd {

HashExpander::HashExpander(HashTable* table, ItemLocks* locks)
    : table_(table), locks_(locks) {
  CHECK_LE(locks->stripe_count(), table->bucket_count())
      << "a bucket would span two item locks";
}

HashExpander::~HashExpander() { Stop(); }

void HashExpander::Start() {
  CHECK(!thread_.joinable()) << "expander started twice";
  stop_.store(false, std::memory_order_relaxed);
  thread_ = std::thread(&HashExpander::Run, this);
  started_.store(true, std::memory_order_relaxed);
}

void HashExpander::Stop() {
  started_.store(false, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_relaxed);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HashExpander::MaybeWake() {
  if (!started_.load(std::memory_order_relaxed) || !table_->WantsToGrow()) {
    return;
  }
  // Taking mu_ orders the table change before the thread's next look at it.
  { std::lock_guard<std::mutex> lock(mu_); }
  cv_.notify_one();
}

void HashExpander::Run() {
  SetThreadName("memcd-hashexp");
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] {
      return stop_.load(std::memory_order_relaxed) || table_->WantsToGrow();
    });
    if (stop_.load(std::memory_order_relaxed)) return;
    lock.unlock();  // never held with an item lock: inserters take it inside
    const bool finished = Expand();
    lock.lock();
    if (!finished) return;
  }
}

bool HashExpander::Expand() {
  if (!table_->StartExpansion()) return true;  // the table stops asking
  MEMCD_VLOG(2) << "Hash table expansion starting: 2^" << table_->hashpower()
          << " buckets, " << table_->item_count() << " items";
  const size_t old_buckets = table_->old_bucket_count();
  for (size_t b = 0; b < old_buckets; ++b) {
    if (stop_.load(std::memory_order_relaxed)) return false;
    std::lock_guard<std::mutex> lock(
        locks_->ForStripe(locks_->StripeOf(static_cast<uint32_t>(b))));
    table_->do_MigrateBucket(b);
  }
  table_->FinishExpansion();
  MEMCD_VLOG(2) << "Hash table expansion done";
  return true;
}

}  // namespace memcd
