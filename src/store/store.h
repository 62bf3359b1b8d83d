// The item store facade: the only interface the server layer uses to reach
// items. Thread-safe; takes no thread, connection or socket objects.
#ifndef MEMCD_STORE_STORE_H_
#define MEMCD_STORE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "store/item_ref.h"
#include "store/store_stats.h"

namespace memcd {

class LruMetadump;  // store/lru_crawler.h
class WatchLog;     // stats/watch_log.h

struct StoreOptions {
  size_t memory_limit = 64u << 20;   // -m, bytes of item pages
  size_t item_size_max = 1u << 20;   // -I, largest item (header + key + value)
  size_t slab_page_size = 1u << 20;  // page handed to a class
  // -o slab_chunk_max: largest chunk; bigger items are chained chunks. 0 =
  // half a page, or -I when that is smaller.
  size_t slab_chunk_max = 0;
  std::vector<uint32_t> slab_sizes;  // -o slab_sizes; empty: -n and -f rule
  uint32_t chunk_size_min = 48;      // -n, smallest chunk's key+value+flags room
  double growth_factor = 1.25;       // -f
  bool use_cas = true;               // false with -C
  int hashpower = 16;                // -o hashpower: initial 2^n buckets
  int worker_threads = 4;            // -t: sets the item lock stripes (ItemLocks)
  bool hash_expand = true;           // false with -o no_hashexpand
  bool evict = true;                 // false with -M: refuse instead of evicting
  // LRU (memcached 1.6's defaults). Segmented: HOT/WARM/COLD(/TEMP) per
  // class; else one flat list. The maintainer thread is started only when
  // asked (the server does, for -o lru_maintainer); without it, callers run
  // RunLruMaintainerPass() themselves (tests).
  bool lru_segmented = true;
  bool lru_maintainer_thread = false;
  // The thread's sleep: the shortest after a pass with work, doubling to
  // the longest while there is none (memcached's bounds). No flag sets
  // them; tests lengthen them.
  uint32_t lru_maintainer_min_sleep_us = 1000;
  uint32_t lru_maintainer_max_sleep_us = 1000000;
  uint32_t hot_lru_pct = 20;     // -o hot_lru_pct
  uint32_t warm_lru_pct = 40;    // -o warm_lru_pct
  double hot_max_factor = 0.2;   // -o hot_max_factor
  double warm_max_factor = 2.0;  // -o warm_max_factor
  bool temp_lru = false;         // on when -o temporary_ttl is given
  int32_t temporary_ttl = 61;    // -o temporary_ttl
  // The LRU crawler (store/lru_crawler.h). Its thread, which also runs the
  // automatic crawls, is started only when asked (the server does, for -o
  // lru_crawler, the default); without it, callers run RunLruCrawlerPass()
  // and RunLruAutocrawlPass() themselves (tests).
  bool lru_crawler_thread = false;
  uint32_t lru_crawler_sleep = 100;   // -o lru_crawler_sleep, microseconds
  uint32_t lru_crawler_tocrawl = 0;   // -o lru_crawler_tocrawl; 0 = all
  // The slab page mover (store_slab_mover.cc). Its thread is started only
  // when asked (the server does, with -o slab_reassign, the default);
  // without it, callers run RunSlabMoverPass() / RunSlabAutomovePass().
  bool slab_reassign = true;        // -o slab_reassign / no_slab_reassign
  bool slab_mover_thread = false;
  int slab_automove = 1;            // -o slab_automove: 0 off, 1, 2 eager
  double slab_automove_ratio = 0.8;    // -o slab_automove_ratio
  uint32_t slab_automove_window = 30;  // -o slab_automove_window, seconds
  // -L: commit the whole limit at start-up (huge pages where the kernel has
  // them); the limit is then fixed, as memcached's.
  bool preallocate = false;
  bool track_sizes = false;  // -o track_sizes: keep a histogram of item sizes
  // Borrowed, may be null: evictions are logged to it for "watch evictions".
  WatchLog* watch_log = nullptr;
};

// The LRU knobs in force ("lru tune|mode|temp_ttl" change them at run time).
struct LruSettings {
  bool segmented = true;
  bool temp_lru = false;
  int32_t temporary_ttl = 0;
  uint32_t hot_lru_pct = 0;
  uint32_t warm_lru_pct = 0;
  double hot_max_factor = 0;
  double warm_max_factor = 0;
};

enum class StoreMode { kSet, kAdd, kReplace, kAppend, kPrepend, kCas };

enum class StoreResult {
  kStored,     // STORED
  kNotStored,  // NOT_STORED (add on hit, replace/append/prepend on miss)
  kExists,     // EXISTS (cas mismatch)
  kNotFound,   // NOT_FOUND (cas on a missing key)
  kNoMemory,   // append/prepend could not allocate the combined item
};

enum class AllocResult {
  kOk,
  kTooLarge,  // SERVER_ERROR object too large for cache
  kNoMemory,  // SERVER_ERROR out of memory storing object
};

enum class ArithResult {
  kOk,
  kNotFound,    // NOT_FOUND
  kNonNumeric,  // CLIENT_ERROR cannot increment or decrement non-numeric value
  kNoMemory,    // SERVER_ERROR out of memory
};

// --- The meta protocol's operations (mg, ms, md, ma) ---

struct MetaGetOptions {
  bool vivify = false;         // N: on a miss, link an empty item and win
  RelTime vivify_exptime = 0;  // the vivified item's exptime
  bool recache = false;        // R: win when the exptime is below this
  RelTime recache_time = 0;
  bool set_exptime = false;    // T: a new exptime
  RelTime exptime = 0;
  bool no_bump = false;        // u: leave the LRU and fetched bit alone
  bool key_binary = false;     // b: a vivified item's key came in base64
  bool peek = false;           // me: hand out no win token either
  // E: the CAS a vivified item gets instead of a fresh one (not with -C).
  std::optional<uint64_t> new_cas;
};

struct MetaGetResult {
  ItemRef item;                // empty on a miss
  bool created = false;        // vivified by this call
  bool won = false;            // W: this client is to recache the item
  bool token_sent = false;     // Z: another client already won
  bool stale = false;          // X: invalidated by md I or ms I
  bool fetched = false;        // h: read before this call
  RelTime last_access = 0;     // l: the item's time before this call
  RelTime exptime_before = 0;  // before T and N took effect (0 if created)
};

enum class MetaDeleteResult {
  kDeleted,
  kNotFound,
  kExists,
  kNoMemory,  // remove_value could not allocate the empty item
};

struct MetaDeleteOptions {
  bool compare_cas = false;   // C: only if the item's CAS matches
  uint64_t cas = 0;
  bool invalidate = false;    // I: keep the item, stale, with a new CAS
  bool set_exptime = false;   // T
  RelTime exptime = 0;
  // x: replace the item by an empty one with `client_flags` (F) and the T
  // exptime (0 without T), keeping the old CAS unless `new_cas`.
  bool remove_value = false;
  uint32_t client_flags = 0;
  // E: the CAS the kept item gets instead of a fresh (I) or the old (x) one.
  std::optional<uint64_t> new_cas;
};

struct MetaArithOptions {
  bool incr = true;
  uint64_t delta = 1;
  bool compare_cas = false;  // C: apply only if the item's CAS matches
  uint64_t cas = 0;
  bool vivify = false;       // N: on a miss, create the item with `initial`
  uint64_t initial = 0;
  RelTime vivify_exptime = 0;
  bool set_exptime = false;  // T
  RelTime exptime = 0;
  // E: the CAS the changed or created item gets instead of a fresh one.
  std::optional<uint64_t> new_cas;
};

enum class MetaArithResult {
  kOk,
  kCreated,  // vivified (N) with the initial value
  kNotFound,
  kExists,   // CAS mismatch
  kNonNumeric,
  kNoMemory,
};

struct MetaArithOutcome {
  uint64_t value = 0;
  uint64_t cas = 0;
  RelTime exptime_before = 0;  // before T and N took effect (0 if created)
};

class Store {
 public:
  // `clock` is borrowed and must outlive the store.
  Store(const StoreOptions& options, const Clock* clock);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // True when `options` can be served; otherwise false with a one-line reason
  // in *error (memcached's wording where memcached refuses the same). The
  // constructor requires valid options.
  static bool ValidateOptions(const StoreOptions& options, std::string* error);
  // The part of ValidateOptions() about slab_chunk_max and slab_sizes
  // (against -I, -n and the page size), for the command line.
  static bool ValidateChunkOptions(const StoreOptions& options,
                                   std::string* error);

  // Allocates an unlinked item with room for `value_length` value bytes (the
  // value is stored without its trailing "\r\n"). An item larger than the
  // largest chunk gets a chain of chunks; failing to get all of them is
  // kNoMemory with nothing held. The caller fills the value with a
  // ValueWriter and then calls StoreItem(). `exptime` is already a RelTime
  // (see Clock::ToRelTime).
  AllocResult Allocate(std::string_view key, uint32_t client_flags,
                       RelTime exptime, uint32_t value_length, ItemRef* out);

  // Links an item from Allocate() according to `mode`. `cas_in` is used by
  // kCas only. On kStored, *cas_out (if not null) receives the stored item's
  // CAS (0 with -C).
  StoreResult StoreItem(const ItemRef& item, StoreMode mode, uint64_t cas_in,
                        uint64_t* cas_out = nullptr);

  // Returns the live item for `key` or an empty ref. Expired and flushed
  // items are unlinked lazily here. Marks the item fetched.
  ItemRef Get(std::string_view key);
  // Get and set a new exptime in one step (gat/gats).
  ItemRef GetAndTouch(std::string_view key, RelTime exptime);
  // Multi-key reads (get k1 k2 ...), a window of keys at a time:
  // PrefetchKeys hashes keys[0..n) into hashes[] and starts loading the
  // cache lines their lookups will read (bucket, item lock, item), so that
  // the cache misses of n keys overlap instead of following one another.
  // Then Get/GetAndTouch with each key's hash, in order; they behave
  // exactly as without it. With one key (or none) it only hashes.
  static constexpr size_t kPrefetchWindow = 16;
  // A key's hash from PrefetchKeys, kept for the lookup that comes later
  // so that it need not hash the key again. It names the key by address:
  // whoever keeps one must drop it before the bytes there can change.
  struct KnownHash {
    const char* key = nullptr;
    size_t size = 0;
    uint32_t hash = 0;
    // Whether `k` is that very key: the same bytes at the same address.
    bool Matches(std::string_view k) const { return k.data() == key && k.size() == size; }
  };
  void PrefetchKeys(const std::string_view* keys, size_t n, uint32_t* hashes);
  ItemRef Get(std::string_view key, uint32_t hash);
  ItemRef GetAndTouch(std::string_view key, uint32_t hash, RelTime exptime);
  // Sets a new exptime; false when the key is missing.
  bool Touch(std::string_view key, RelTime exptime);
  // Unlinks the key; false when missing.
  bool Delete(std::string_view key);
  // incr (incr=true, wraps at 2^64) or decr (floors at 0) of a decimal value.
  // On kOk, *value_out holds the new value and *cas_out (if not null) the
  // item's new CAS.
  ArithResult Arith(std::string_view key, bool incr, uint64_t delta,
                    uint64_t* value_out, uint64_t* cas_out = nullptr);
  // mg: Get with memcached's meta semantics, all under the item lock:
  // vivify on miss (N), new exptime (T), and the stale/win/recache model
  // (W is handed to one client at a time until the item is replaced).
  void MetaGet(std::string_view key, const MetaGetOptions& options,
               MetaGetResult* out);
  // The same with the key's hash known (from PrefetchKeys).
  // REQUIRES: hash == HashKey(key).
  void MetaGet(std::string_view key, uint32_t hash,
               const MetaGetOptions& options, MetaGetResult* out);
  // ms: StoreItem, plus `invalidate` (I): a kCas store whose CAS is lower
  // than the item's is still accepted, as a stale item keeping the old
  // exptime and win token. A non-zero `cas_in` with kAppend/kPrepend must
  // match the item's CAS (kExists otherwise). `new_cas` (E): the stored
  // item's CAS instead of a fresh one; ignored with -C.
  StoreResult MetaStoreItem(const ItemRef& item, StoreMode mode,
                            uint64_t cas_in, bool invalidate,
                            uint64_t* cas_out,
                            std::optional<uint64_t> new_cas = std::nullopt);
  // md: with `compare_cas`, only if the CAS matches (kExists otherwise).
  // `invalidate` (I) keeps the item, marked stale with a new CAS, its win
  // token cleared, and the new exptime when `set_exptime`.
  MetaDeleteResult MetaDelete(std::string_view key, bool compare_cas,
                              uint64_t cas, bool invalidate, bool set_exptime,
                              RelTime exptime);
  // md with every flag (see MetaDeleteOptions), all under the item lock.
  // kNoMemory only with remove_value.
  MetaDeleteResult MetaDelete(std::string_view key,
                              const MetaDeleteOptions& options);
  // ma: Arith with CAS compare, auto-create and a new exptime.
  MetaArithResult MetaArith(std::string_view key,
                            const MetaArithOptions& options,
                            MetaArithOutcome* out);

  // Invalidates every item stored at or before `when` (a RelTime; Now() for
  // an immediate flush) once `when` has come. Does not walk memory.
  void FlushAll(RelTime when);

  // Snapshot of the store-wide counters and gauges.
  void GetStats(StoreStats* out) const;
  // Per slab class figures, for "stats slabs" / "stats items".
  void GetSlabStats(std::vector<SlabClassStats>* out) const;

  // --- LRU control ("lru" commands) and the maintainer's work ---
  enum class LruTuneResult { kOk, kBadPercents, kBadFactors };
  // Requires hot_pct + warm_pct <= 80 and both factors > 0; else changes
  // nothing.
  LruTuneResult TuneLru(uint32_t hot_pct, uint32_t warm_pct,
                        double hot_max_factor, double warm_max_factor);
  void SetLruSegmented(bool segmented);
  // A negative ttl turns the TEMP LRU off; otherwise on, with that ttl.
  void SetLruTempTtl(int32_t ttl);
  // "stats cachedump": what it shows of one item.
  struct ColdItem {
    std::string_view key;
    uint32_t value_length;
    RelTime exptime;  // 0: never
    bool binary_key;  // stored through a base64 meta key
  };
  // Calls `visit` for each item in class `cls`'s COLD list (the only list
  // when flat), newest first, expired ones included, until it returns
  // false; memcached's cachedump shows exactly these. `visit` runs under
  // that list's lock: it must be quick and must not call the store. An
  // unknown class visits nothing.
  void VisitColdLru(int cls, const std::function<bool(const ColdItem&)>& visit) const;
  // One maintainer pass: queued COLD->WARM bumps, then every class's
  // segments juggled and expired tails reclaimed. Returns the bumps taken
  // plus the items moved or reclaimed. The maintainer thread calls it;
  // tests call it directly.
  int RunLruMaintainerPass();
  // Whether the maintainer thread sleeps after a pass that found nothing
  // (a queued bump wakes it then); false without the thread. For tests.
  bool LruMaintainerNapping() const;
  // Whether short-TTL items currently go to the TEMP LRU.
  bool lru_temp_enabled() const;
  LruSettings GetLruSettings() const;

  // --- memory limit and item sizes (store_memory.cc) ---
  // cache_memlimit: the item memory limit from now on; pages already in use
  // stay (see SlabAllocator::SetMemoryLimit). False, nothing changed, with
  // -L or when `bytes` is more than the address space reserved at start-up
  // (Arena::kMaxBytes when it could be had).
  bool SetMemoryLimit(size_t bytes);
  size_t memory_limit() const;
  // With track_sizes, fills *out with {size, linked items} for every
  // non-empty 32-byte bucket of item sizes (rounded up: size is the bucket's
  // upper bound), ascending, and returns true; else false.
  bool GetItemSizes(std::vector<std::pair<uint64_t, uint64_t>>* out) const;

  // --- the slab page mover ("slabs" commands) ---
  enum class ReassignResult {
    kOk,        // OK: the move is queued
    kRunning,   // BUSY: a move is under way
    kBadClass,  // BADCLASS: src not 1..n (or -1 finding none), dst not 0..n
    kNoSpare,   // NOSPARE: src holds fewer than 2 pages
    kSame,      // SAME: src == dst
  };
  // Queues moving one page from class `src` to class `dst` (0: the global
  // page pool, which growing classes draw from first), memcached's rules and
  // checks in its order; src -1 picks a class with a spare page.
  ReassignResult SlabsReassign(int src, int dst);
  // 0 off, 1 memcached's default policy, 2 eager (moves on any eviction).
  void SetSlabAutomove(int level);
  void SetSlabAutomoveRatio(double ratio);
  // The current values ("slabs automove" changes them), for stats settings.
  int slab_automove() const;
  double slab_automove_ratio() const;
  // One step of the page mover: starts a queued move or empties more of the
  // moving page, finishing it once empty. Returns 1 while a move is under
  // way, else 0. The mover thread calls it; tests call it directly.
  int RunSlabMoverPass();
  // One automove decision (the thread runs it about once a second): may
  // queue one move. Returns 1 when it queued one.
  int RunSlabAutomovePass();

  // --- the LRU crawler ("lru_crawler" commands; store/lru_crawler.h) ---
  enum class CrawlResult {
    kOk,    // OK: queued (an automatic crawl under way is stopped for it)
    kBusy,  // BUSY: another requested crawl is queued or running
  };
  // Starts the crawler thread, which also crawls on its own (automatic
  // crawls; store/lru_crawler.h); false when it already runs.
  bool StartLruCrawler();
  // Stops it (a crawl under way ends early); nothing when stopped.
  void StopLruCrawler();
  bool lru_crawler_enabled() const;
  // Microseconds slept after every 1000 items checked.
  void SetLruCrawlerSleep(uint32_t micros);
  uint32_t lru_crawler_sleep() const;
  // Items checked per class per crawl; 0 = the whole class.
  void SetLruCrawlerToCrawl(uint32_t items);
  uint32_t lru_crawler_tocrawl() const;
  // Queues a crawl reclaiming expired and flushed items of the classes with
  // classes[id] true (empty: every class; ids past the last class ignored).
  CrawlResult CrawlLrus(std::vector<bool> classes);
  // Runs a queued crawl to its end on the calling thread (tests, and the
  // crawler thread). Returns the items checked, or -1 when none was queued.
  int RunLruCrawlerPass();
  // One automatic-crawl check at store time `now` on the calling thread:
  // crawls the classes due by then (LruCrawler::RunAutocrawl). The crawler
  // thread runs it about once a second; tests call it directly. Returns the
  // items checked, or -1 when no crawl started.
  int RunLruAutocrawlPass(RelTime now);
  // "lru_crawler metadump": a dump of the live items of the classes marked
  // as for CrawlLrus(). Runs on the caller's thread, batch by batch.
  std::unique_ptr<LruMetadump> StartMetadump(std::vector<bool> classes);

  const StoreOptions& options() const { return options_; }

  // For ItemRef only: drops one reference, freeing the item when it was the
  // last one and the item is no longer linked.
  void Release(Item* item);

 private:
  class Impl;
  friend class LruCursor;  // store/lru_crawler.h: they walk Impl's lists
  friend class LruMetadump;
  friend class LruCrawler;
  StoreOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace memcd

#endif  // MEMCD_STORE_STORE_H_
