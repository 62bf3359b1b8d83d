// memcached's LRU crawler: a background thread that, when asked, walks the
// LRU lists of the requested slab classes from tail to head and reclaims
// expired and flushed items, so their memory comes back without a read.
// Also the walk behind "lru_crawler metadump".
//
// The walk never holds an LRU lock for long: it visits a few items under the
// lock, pins (references) the next unvisited item and lets go. On its return
// it re-checks, under the LRU lock and that item's lock, that the pinned
// item is still linked in the same list; if it was unlinked or moved away
// meanwhile, a crawl starts that list again from its tail (a bounded number
// of times) and a metadump goes on with the next list. Item locks are only
// try-locked while an LRU lock is held (the lock order is item -> LRU).
// Internal to src/store, except LruMetadump, which the server uses.
#ifndef MEMCD_STORE_LRU_CRAWLER_H_
#define MEMCD_STORE_LRU_CRAWLER_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/lru.h"
#include "store/store.h"

namespace memcd {

// Walks one LRU list (class, segment) from tail to head in steps.
class LruCursor {
 public:
  // Called for each item under the list's lock and the item's lock; may
  // unlink the item.
  using Visit = std::function<void(Item* item, uint32_t hash, LruList* list)>;

  // `restart_on_loss`: when the pinned position is lost, start again from
  // the tail (at most kMaxRestarts times) instead of ending the walk.
  LruCursor(Store::Impl* impl, int cls, LruSegment segment,
            bool restart_on_loss);
  ~LruCursor();  // drops the pin
  LruCursor(const LruCursor&) = delete;
  LruCursor& operator=(const LruCursor&) = delete;

  // Visits up to `max` items. Returns the number visited; done() once the
  // head has been passed.
  int Step(int max, const Visit& visit);
  bool done() const { return done_; }

  static constexpr int kMaxRestarts = 8;

 private:
  Store::Impl* const impl_;
  const int cls_;
  const LruSegment segment_;
  const bool restart_on_loss_;
  Item* pinned_ = nullptr;  // next item to visit; holds one reference
  bool started_ = false;
  bool done_ = false;
  int restarts_ = 0;
};

// The "lru_crawler metadump" output: one line per live item, generated in
// bounded batches so that a huge cache never needs a huge buffer. Lines are
// memcached 1.6.18's: "key=<url-encoded> exp=<unix time|-1> la=<unix time>
// cas=<n> fetch=<yes|no> cls=<n> size=<bytes>\n"; size is memcd's item
// size (header, CAS, key and value). The final "END\r\n" is the caller's.
// Not a snapshot: items linked or unlinked during the dump may or may not
// appear. Lists are walked class by class, HOT, WARM, COLD, TEMP.
class LruMetadump {
 public:
  // `classes[c]` true: dump class c (index 0 unused); empty: every class.
  // The store must outlive the dump.
  LruMetadump(Store::Impl* impl, std::vector<bool> classes);
  ~LruMetadump();
  LruMetadump(const LruMetadump&) = delete;
  LruMetadump& operator=(const LruMetadump&) = delete;

  // Appends lines to *out until it holds at least `max_bytes` or the dump
  // is over. False when there is nothing more to dump.
  bool Next(std::string* out, size_t max_bytes);

 private:
  Store::Impl* const impl_;
  std::vector<bool> classes_;
  int cls_ = 0;
  int segment_ = kNumLruSegments;
  std::unique_ptr<LruCursor> cursor_;
  bool finished_ = false;  // every requested list walked
};

// The crawler thread and the pending request. Owned by Store::Impl.
class LruCrawler {
 public:
  explicit LruCrawler(Store::Impl* impl, const StoreOptions& options);
  ~LruCrawler();  // stops the thread
  LruCrawler(const LruCrawler&) = delete;
  LruCrawler& operator=(const LruCrawler&) = delete;

  // False when the thread already runs.
  bool Start();
  void Stop();
  bool enabled() const;

  // Queues a crawl of the classes marked in `classes` (empty: all);
  // kBusy while one is queued or running.
  Store::CrawlResult Request(std::vector<bool> classes);
  // Runs a queued crawl to the end on the calling thread. Returns the items
  // checked, or -1 when nothing was queued.
  int RunPending();

  void set_sleep(uint32_t micros) {
    sleep_us_.store(micros, std::memory_order_relaxed);
  }
  void set_tocrawl(uint32_t items) {
    tocrawl_.store(items, std::memory_order_relaxed);
  }
  uint64_t starts() const { return starts_.load(std::memory_order_relaxed); }
  bool running() const { return running_.load(std::memory_order_relaxed); }

 private:
  // Items visited per LRU lock hold, and between two sleeps (memcached's
  // crawls_persleep).
  static constexpr int kBatch = 16;
  static constexpr int kItemsPerSleep = 1000;

  void Loop();
  // Crawls one list; returns items checked. Stops early when stopping.
  int CrawlList(int cls, LruSegment segment, uint32_t limit);
  // Sleeps sleep_us_, cut short by Stop().
  void Pause();

  Store::Impl* const impl_;
  std::atomic<uint32_t> sleep_us_;
  std::atomic<uint32_t> tocrawl_;    // items per class per crawl; 0 = all
  std::atomic<uint64_t> starts_{0};  // crawls started; relaxed counters
  std::atomic<bool> running_{false};
  std::mutex mu_;  // guards pending_, has_pending_, stop_, busy_
  std::condition_variable cv_;  // Request() and Stop() signal it
  std::vector<bool> pending_;
  bool has_pending_ = false;
  bool busy_ = false;  // a crawl is queued or running
  bool stop_ = false;
  std::mutex thread_mu_;  // serializes Start/Stop; guards thread_
  std::thread thread_;
};

}  // namespace memcd

#endif  // MEMCD_STORE_LRU_CRAWLER_H_
