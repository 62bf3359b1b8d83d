// memcached's LRU crawler: a background thread that walks the LRU lists of
// slab classes from tail to head and reclaims expired and flushed items, so
// their memory comes back without a read. It crawls when asked ("lru_crawler
// crawl") and, while it runs, on its own (automatic crawls, below). Also
// the walk behind "lru_crawler metadump".
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
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
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

// What an automatic crawl saw of one class's live (not reclaimed) items.
struct TtlTally {
  static constexpr int kMinutes = 60;  // memcached's histogram: one hour
  uint64_t live = 0;    // live items checked
  uint64_t no_ttl = 0;  // of those, never expiring (exptime 0)
  // Live items with a TTL by whole minutes left ([0]: under a minute);
  // those with an hour or more left count in `live` only.
  uint64_t by_minute[kMinutes] = {};
};

// The crawler thread, the queued manual request and the automatic crawls.
// Owned by Store::Impl.
//
// Automatic crawls (memcached's lru_maintainer_crawler_check and its
// "autocrawl" crawler mode), per slab class, in store time:
// - While the thread runs it checks about once a second (real time) for
//   classes that are due, and crawls all of them in one crawl, as a manual
//   crawl does (same counters, lru_crawler_starts included; tocrawl and
//   sleep apply).
// - Each class has a next-crawl time, at first 0: at the first check
//   every class with items is due. A check finding the store clock past
//   a class's time crawls it when it holds items, else (empty) looks again
//   kIdleCrawlWait later. A crawl starting sets the time to now +
//   kMinCrawlWait (memcached's retry wait), which stays if it is cut short.
// - A class crawled to its end gets now + NextCrawlDelay(what it saw): with
//   N live items carrying a TTL, the first whole minute m (0..59) by which
//   N / 100 + 1 of them (memcached's 1% low watermark) will have expired
//   gives 60 * m + kMinCrawlWait seconds; none within the hour (items
//   without TTL never count) gives kMaxCrawlWait; no live item at all
//   gives kIdleCrawlWait. memcached moves a per-class wait towards that
//   target by 60 s a crawl (from 0, so its first crawl of an empty class
//   also gives 65 s) and keeps it per LRU segment; memcd jumps to it, per
//   class. Waiting a minute on empty classes also keeps a class from being
//   crawled the moment it fills, under the feet of its first reads.
// - A manual request while an automatic crawl runs is accepted and stops
//   the automatic crawl, then runs (memcached answers BUSY instead). An
//   automatic crawl does not start while a manual one is queued or
//   running. Stop() ("lru_crawler disable") ends either crawl early; with
//   no thread nothing is scheduled.
class LruCrawler {
 public:
  // memcached's minimum retry wait and MAX_MAINTCRAWL_WAIT, in seconds;
  // and its first wait after a crawl with nothing to reclaim (60 s + 5).
  static constexpr RelTime kMinCrawlWait = 5;
  static constexpr RelTime kMaxCrawlWait = 60 * 60;
  static constexpr RelTime kIdleCrawlWait = 60 + kMinCrawlWait;

  explicit LruCrawler(Store::Impl* impl, const StoreOptions& options);
  ~LruCrawler();  // stops the thread
  LruCrawler(const LruCrawler&) = delete;
  LruCrawler& operator=(const LruCrawler&) = delete;

  // False when the thread already runs.
  bool Start();
  // Stops and joins the thread; a crawl under way ends early.
  void Stop();
  bool enabled() const;

  // Queues a manual crawl of the classes marked in `classes` (empty: all);
  // kBusy while another manual crawl is queued or running.
  Store::CrawlResult Request(std::vector<bool> classes);
  // Runs a queued manual crawl to the end on the calling thread. Returns
  // the items checked, or -1 when nothing was queued.
  int RunPending();
  // One automatic check at store time `now` (the thread passes the store
  // clock's; tests a FakeClock's), on the calling thread: crawls the due
  // classes to the end, unless pre-empted or stopped. Returns the items
  // checked, or -1 when no crawl started (none due, or a manual crawl
  // queued or running).
  int RunAutocrawl(RelTime now);
  // Seconds from the check that crawled a class to its next crawl.
  static RelTime NextCrawlDelay(const TtlTally& tally);

  void set_sleep(uint32_t micros) {
    sleep_us_.store(micros, std::memory_order_relaxed);
  }
  void set_tocrawl(uint32_t items) {
    tocrawl_.store(items, std::memory_order_relaxed);
  }
  uint32_t sleep_micros() const {
    return sleep_us_.load(std::memory_order_relaxed);
  }
  uint32_t tocrawl() const { return tocrawl_.load(std::memory_order_relaxed); }
  uint64_t starts() const { return starts_.load(std::memory_order_relaxed); }
  // Whether a crawl, manual or automatic, runs.
  bool running() const { return running_.load(std::memory_order_relaxed) > 0; }

 private:
  // Items visited per LRU lock hold, and between two sleeps (memcached's
  // crawls_persleep).
  static constexpr int kBatch = 16;
  static constexpr int kItemsPerSleep = 1000;
  // Real time between two automatic checks of the thread.
  static constexpr std::chrono::seconds kCheckInterval{1};

  void Loop();
  // Crawls every segment of class `cls` (up to tocrawl items) at store time
  // `now`, tallying live items into *tally when given. Returns items
  // checked.
  int CrawlClass(int cls, RelTime now, bool automatic, TtlTally* tally);
  // Crawls one list; returns items checked. Stops early when ShouldQuit().
  int CrawlList(int cls, LruSegment segment, uint32_t limit, RelTime now,
                bool automatic, TtlTally* tally);
  // Stopping, or (for an automatic crawl) a manual request is waiting.
  bool ShouldQuit(bool automatic);
  // Sleeps sleep_us_, cut short when ShouldQuit().
  void Pause(bool automatic);

  Store::Impl* const impl_;
  std::atomic<uint32_t> sleep_us_;
  std::atomic<uint32_t> tocrawl_;    // items per class per crawl; 0 = all
  std::atomic<uint64_t> starts_{0};  // crawls started; relaxed counters
  std::atomic<int> running_{0};      // crawls under way; relaxed gauge
  std::mutex mu_;  // guards pending_, has_pending_, manual_busy_, stop_
  std::condition_variable cv_;  // Request() and Stop() signal it
  std::vector<bool> pending_;
  bool has_pending_ = false;
  bool manual_busy_ = false;  // a manual crawl is queued or running
  bool stop_ = false;
  // Held for a whole automatic check, before mu_; guards next_crawl_.
  std::mutex auto_mu_;
  std::vector<RelTime> next_crawl_;  // per class id: crawl when now is past
  mutable std::mutex thread_mu_;  // serializes Start/Stop; guards thread_
  std::thread thread_;
};

}  // namespace memcd

#endif  // MEMCD_STORE_LRU_CRAWLER_H_
