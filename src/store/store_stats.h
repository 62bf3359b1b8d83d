// Plain snapshots of store counters, filled by Store::GetStats().
#ifndef MEMCD_STORE_STORE_STATS_H_
#define MEMCD_STORE_STORE_STATS_H_

#include <cstdint>

namespace memcd {

struct StoreStats {
  uint64_t curr_items = 0;         // linked items
  uint64_t total_items = 0;        // items ever linked
  uint64_t bytes = 0;              // key + value + header bytes of linked items
  uint64_t evictions = 0;          // live items evicted to make room
  uint64_t reclaimed = 0;          // expired items whose memory was reused
  uint64_t expired_unfetched = 0;  // reclaimed items never read
  uint64_t evicted_unfetched = 0;  // evicted items never read
  uint64_t get_expired = 0;        // Get() found the key but it had expired
  uint64_t get_flushed = 0;        // Get() found the key but it was flushed
  uint64_t total_malloced = 0;     // bytes of pages handed to classes
  uint64_t limit_maxbytes = 0;     // -m in bytes
  uint64_t hash_power_level = 0;
  uint64_t hash_bytes = 0;
  uint64_t hash_is_expanding = 0;
  uint64_t slabs_moved = 0;          // pages the mover moved
  // The page mover (memcached's names).
  uint64_t slab_reassign_rescues = 0;          // items copied out of a page
  uint64_t slab_reassign_chunk_rescues = 0;    // chunks of chained items
  uint64_t slab_reassign_evictions_nomem = 0;  // no free chunk to copy into
  uint64_t slab_reassign_inline_reclaim = 0;   // freed by allocations
  uint64_t slab_reassign_busy_items = 0;       // held by a reader: retried
  uint64_t slab_reassign_busy_deletes = 0;     // held too long: unlinked
  uint64_t slab_reassign_running = 0;          // 1 while a page moves
  uint64_t slab_global_page_pool = 0;          // pages in the global pool
  uint64_t outofmemory = 0;        // allocations refused (-M or nothing evictable)
  uint64_t curr_cas = 0;           // last CAS handed out (internal)
  // The segmented LRU and its maintainer (store/lru.h).
  uint64_t lru_maintainer_juggles = 0;  // class juggles the maintainer ran
  uint64_t evicted_active = 0;          // evicted while flagged ACTIVE
  uint64_t moves_to_cold = 0;
  uint64_t moves_to_warm = 0;
  uint64_t moves_within_lru = 0;
  uint64_t direct_reclaims = 0;     // extra LRU pulls allocations needed
  uint64_t lru_bumps_dropped = 0;   // COLD hits not moved: bump queue full
  uint64_t lrutail_reflocked = 0;   // tail items skipped: held by a reader
  uint64_t crawler_reclaimed = 0;   // expired items the crawler freed
  uint64_t crawler_items_checked = 0;
  uint64_t lru_crawler_running = 0;  // 1 while a crawl (any kind) runs
  uint64_t lru_crawler_starts = 0;   // crawls started, requested or automatic
};

struct SlabClassStats {
  int id = 0;
  uint32_t chunk_size = 0;
  uint32_t chunks_per_page = 0;
  uint64_t total_pages = 0;
  uint64_t total_chunks = 0;
  uint64_t used_chunks = 0;
  uint64_t free_chunks = 0;
  uint64_t number = 0;        // linked items in the class
  uint64_t age = 0;           // seconds since the LRU tail item was accessed
  uint64_t evicted = 0;
  uint64_t evicted_nonzero = 0;
  uint64_t reclaimed = 0;
  uint64_t outofmemory = 0;
  // Segmented LRU figures (zero in flat mode).
  uint64_t number_hot = 0;
  uint64_t number_warm = 0;
  uint64_t number_cold = 0;
  uint64_t number_temp = 0;
  uint64_t age_hot = 0;   // seconds since the HOT tail item was accessed
  uint64_t age_warm = 0;  // the same for WARM; `age` is COLD's
  uint64_t mem_requested = 0;  // bytes of the class's linked items
  uint64_t evicted_time = 0;   // idle seconds of the last evicted item
  uint64_t expired_unfetched = 0;
  uint64_t evicted_unfetched = 0;
  uint64_t evicted_active = 0;
  uint64_t crawler_reclaimed = 0;
  uint64_t crawler_items_checked = 0;
  uint64_t lrutail_reflocked = 0;
  uint64_t moves_to_cold = 0;
  uint64_t moves_to_warm = 0;
  uint64_t moves_within_lru = 0;
  uint64_t direct_reclaims = 0;
};

}  // namespace memcd

#endif  // MEMCD_STORE_STORE_STATS_H_
