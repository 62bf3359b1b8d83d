#include "store/slab_allocator.h"

#include <glog/logging.h>

#include <algorithm>

namespace memcd {

namespace {

constexpr size_t kAlign = 8;

size_t RoundUp8(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

}  // namespace

size_t SlabAllocator::PageSize(const StoreOptions& options) {
  return RoundUp8(options.slab_page_size);
}

size_t SlabAllocator::ChunkMax(const StoreOptions& options) {
  if (options.slab_chunk_max != 0) return RoundUp8(options.slab_chunk_max);
  // memcached refuses -I below half a page unless slab_chunk_max is given;
  // here the largest chunk shrinks to -I instead.
  return RoundUp8(std::min(PageSize(options) / 2, options.item_size_max));
}

size_t SlabAllocator::MaxPages(const StoreOptions& options) {
  return options.memory_limit / PageSize(options);
}

std::vector<uint32_t> SlabAllocator::ClassSizes(const StoreOptions& options) {
  const size_t chunk_max = ChunkMax(options);
  std::vector<uint32_t> sizes;
  if (!options.slab_sizes.empty()) {
    for (uint32_t size : options.slab_sizes) {
      if (sizes.size() == kMaxClasses - 1) break;
      sizes.push_back(static_cast<uint32_t>(RoundUp8(size)));
    }
    sizes.push_back(static_cast<uint32_t>(chunk_max));
    return sizes;
  }
  size_t size =
      RoundUp8(Item::TotalSize(options.use_cas, 0, 0) + options.chunk_size_min);
  while (size < chunk_max / options.growth_factor &&
         sizes.size() < kMaxClasses - 1) {
    sizes.push_back(static_cast<uint32_t>(size));
    // As memcached: the product is truncated, then aligned.
    const size_t grown = static_cast<size_t>(size * options.growth_factor);
    size = std::max(RoundUp8(grown), size + kAlign);
  }
  sizes.push_back(static_cast<uint32_t>(chunk_max));
  return sizes;
}

SlabAllocator::SlabAllocator(const StoreOptions& options, Arena* arena)
    : arena_(arena),
      page_size_(PageSize(options)),
      max_pages_(MaxPages(options)) {
  CHECK_GE(arena_->size(), max_pages_ * page_size_);
  for (uint32_t size : ClassSizes(options)) {
    SlabClass sc;
    sc.size = size;
    sc.perslab = static_cast<uint32_t>(page_size_ / size);
    classes_.push_back(sc);
  }
}

int SlabAllocator::ClassFor(size_t total) const {
  auto it = std::lower_bound(
      classes_.begin(), classes_.end(), total,
      [](const SlabClass& sc, size_t n) { return sc.size < n; });
  if (it == classes_.end()) return 0;
  return static_cast<int>(it - classes_.begin()) + 1;
}

bool SlabAllocator::do_GrowClass(SlabClass* sc) {
  if (pages_used_ >= max_pages_) return false;
  sc->carve = arena_->base() + pages_used_ * page_size_;
  sc->carve_left = sc->perslab;
  ++sc->pages;
  ++pages_used_;
  return true;
}

Item* SlabAllocator::Alloc(int cls) {
  DCHECK(cls >= 1 && cls <= num_classes());
  std::lock_guard<std::mutex> lock(mu_);
  SlabClass& sc = classes_[cls - 1];
  if (sc.free_head != kNullItemId) {
    Item* item = arena_->ToItem(sc.free_head);
    sc.free_head = item->h_next;
    --sc.free_count;
    return item;
  }
  // Chunks of a fresh page are handed out in order and never pre-linked, so
  // memory is touched only when it is first used.
  if (sc.carve_left == 0 && !do_GrowClass(&sc)) return nullptr;
  Item* item = reinterpret_cast<Item*>(sc.carve);
  sc.carve += sc.size;
  --sc.carve_left;
  return item;
}

void SlabAllocator::FreeChunk(void* chunk, int cls) {
  DCHECK(cls >= 1 && cls <= num_classes());
  // The free list links through the chunk's first 4 bytes, as Item::h_next.
  Item* item = static_cast<Item*>(chunk);
  std::lock_guard<std::mutex> lock(mu_);
  SlabClass& sc = classes_[cls - 1];
  item->h_next = sc.free_head;
  sc.free_head = arena_->ToId(item);
  ++sc.free_count;
}

uint64_t SlabAllocator::total_malloced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<uint64_t>(pages_used_) * page_size_;
}

void SlabAllocator::GetClassStats(int cls, SlabClassStats* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  const SlabClass& sc = classes_[cls - 1];
  out->id = cls;
  out->chunk_size = sc.size;
  out->chunks_per_page = sc.perslab;
  out->total_pages = sc.pages;
  out->total_chunks = sc.pages * sc.perslab;
  out->free_chunks = sc.free_count + sc.carve_left;
  out->used_chunks = out->total_chunks - out->free_chunks;
}

}  // namespace memcd
