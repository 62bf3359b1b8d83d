// Slab allocator: the arena is cut into fixed pages (slab_page_size, 1 MiB),
// each page is given to one size class and cut into that class's chunks. The
// largest chunk is slab_chunk_max; bigger items are chains of chunks
// (store/chunked_item.h). Chunks are recycled on a per-class free list; pages
// are never returned (a later page mover may move them).
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

  // REQUIRES: mu_ held.
  bool do_GrowClass(SlabClass* sc);

  Arena* const arena_;
  const size_t page_size_;
  const size_t max_pages_;

  mutable std::mutex mu_;  // guards pages_used_ and every SlabClass's lists
  size_t pages_used_ = 0;
  std::vector<SlabClass> classes_;  // index = class id - 1
};

}  // namespace memcd

#endif  // MEMCD_STORE_SLAB_ALLOCATOR_H_
