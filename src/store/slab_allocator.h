// Slab allocator: the arena is cut into fixed pages (slab_page_size, 1 MiB),
// each page is given to one size class and cut into that class's chunks. The
// largest chunk is slab_chunk_max; bigger items are chains of chunks
// (store/chunked_item.h). Chunks are recycled on a per-class free list. The
// page mover (store_slab_mover.cc) takes a page back from a class: while it
// empties the page, chunks of that page are never handed out and chunks freed
// there are kept aside; the empty page then goes to another class or to the
// global page pool (class 0), which growing classes draw from first.
#ifndef MEMCD_STORE_SLAB_ALLOCATOR_H_
#define MEMCD_STORE_SLAB_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "store/arena.h"
#include "store/item.h"
#include "store/store.h"
#include "store/store_stats.h"

namespace memcd {

class SlabAllocator {
 public:
  // Class ids are 1..num_classes(); 0 means "none". Like memcached, at most
  // 62 growing (or slab_sizes) classes plus the slab_chunk_max class.
  static constexpr int kMaxClasses = 63;

  // slab_page_size rounded up to 8.
  static size_t PageSize(const StoreOptions& options);
  // The largest chunk: options.slab_chunk_max, or when that is 0 half a page
  // but no more than item_size_max; rounded up to 8.
  static size_t ChunkMax(const StoreOptions& options);
  // Number of pages that fit in memory_limit (the limit is strict).
  static size_t MaxPages(const StoreOptions& options);
  // Chunk sizes of classes 1..n at indexes 0..n-1, all multiples of 8. With
  // slab_sizes, those sizes rounded up to 8; otherwise the first holds the
  // header (with CAS when enabled) plus chunk_size_min and each next one is
  // the previous times growth_factor (at least +8), while below
  // ChunkMax() / growth_factor (memcached's rule). The last is ChunkMax().
  static std::vector<uint32_t> ClassSizes(const StoreOptions& options);

  // `arena` is borrowed and must hold MaxPages(options) pages.
  SlabAllocator(const StoreOptions& options, Arena* arena);
  SlabAllocator(const SlabAllocator&) = delete;
  SlabAllocator& operator=(const SlabAllocator&) = delete;

  int num_classes() const { return static_cast<int>(classes_.size()); }
  uint32_t chunk_size(int cls) const { return classes_[cls - 1].size; }
  uint32_t chunks_per_page(int cls) const { return classes_[cls - 1].perslab; }
  size_t page_size() const { return page_size_; }
  size_t chunk_max() const { return classes_.back().size; }

  // Smallest class whose chunk holds `total` bytes, or 0 when `total` is
  // larger than chunk_max() (such an item must be chunked).
  int ClassFor(size_t total) const;

  // A chunk of class `cls` (contents undefined, slab_class not yet set), or
  // nullptr when the class has no free chunk and no page is left.
  Item* Alloc(int cls);
  // Returns a chunk from Alloc(). REQUIRES: item->slab_class is its class.
  void Free(Item* item) { FreeChunk(item, item->slab_class); }
  // Returns a chunk from Alloc(cls), whatever it holds.
  void FreeChunk(void* chunk, int cls);

  // A chunk the class already holds (free list or its newest page's unused
  // ones); never grows the class, as the page mover's rescues must not take
  // memory from elsewhere. nullptr if none.
  Item* AllocFree(int cls);

  // --- page moves; at most one at a time, driven by the page mover ---
  // Pages held by class `cls`; class 0 is the global page pool.
  uint64_t pages(int cls) const;
  // Starts taking a page from class `src` (>= 1): the one with the most free
  // chunks. Its free chunks leave the free list. False (nothing changed) when
  // `src` has fewer than 2 pages or a move is under way. *begin is the page.
  bool BeginPageMove(int src, char** begin);
  // Whether every chunk of the moving page is free.
  bool MovingPageEmpty() const;
  // The chunks of the moving page that are not free (in use, or taken
  // before the move began and not yet returned), by address.
  void MovingPageUsedChunks(std::vector<char*>* out) const;
  // Gives the empty moving page to `dst` (0: the global pool), zeroed.
  // REQUIRES MovingPageEmpty().
  void FinishPageMove(int dst);
  // Gives the moving page's free chunks back to its class; the page stays.
  void AbortPageMove();
  // Moves one page from the global pool to `dst`; false if the pool is empty.
  bool TakePoolPage(int dst);

  // cache_memlimit: from now on classes grow only while fewer than
  // `bytes` / page_size() pages are in use. Pages already handed out stay
  // (lowering frees nothing; the page mover may move them). False, nothing
  // changed, when the arena cannot hold `bytes`.
  bool SetMemoryLimit(size_t bytes);
  size_t memory_limit() const;

  uint64_t total_malloced() const;
  // Fills the page and chunk figures of `out` for class `cls`.
  void GetClassStats(int cls, SlabClassStats* out) const;

 private:
  struct SlabClass {
    uint32_t size = 0;               // chunk bytes
    uint32_t perslab = 0;            // chunks per page
    ItemId free_head = kNullItemId;  // free list chained through Item::h_next
    uint64_t free_count = 0;
    char* carve = nullptr;    // next never-used chunk of the newest page
    uint32_t carve_left = 0;  // never-used chunks left there
    uint64_t pages = 0;
  };

  // REQUIRES: mu_ held. A page from the pool, else a never-used one.
  bool do_GrowClass(SlabClass* sc, int cls);
  // A free chunk, else the next uncarved chunk of the class's newest page;
  // nullptr when neither. REQUIRES: mu_ held.
  Item* do_TakeChunk(SlabClass* sc);
  // REQUIRES: mu_ held. Hands a whole page to class `cls`.
  void do_GivePage(size_t page, int cls);

  Arena* const arena_;
  const size_t page_size_;
  size_t max_pages_;        // guarded by mu_: cache_memlimit changes it
  size_t memory_limit_;     // guarded by mu_: bytes, as last set

  mutable std::mutex mu_;  // guards pages_used_ and every SlabClass's lists
  size_t pages_used_ = 0;
  std::vector<SlabClass> classes_;  // index = class id - 1
  std::vector<uint8_t> page_class_;  // owner of each used page; 0 = pool
  std::vector<size_t> pool_;         // pages in the global page pool
  // The page being emptied (moving_class_ 0: none) and which of its chunks
  // are free.
  int moving_class_ = 0;
  size_t moving_page_ = 0;
  std::vector<bool> moving_free_;
  uint32_t moving_free_count_ = 0;
};

}  // namespace memcd

#endif  // MEMCD_STORE_SLAB_ALLOCATOR_H_
