#include "store/slab_allocator.h"

#include <glog/logging.h>

#include <algorithm>
#include <cstring>

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
      max_pages_(MaxPages(options)),
      memory_limit_(options.memory_limit) {
  CHECK_GE(arena_->size(), max_pages_ * page_size_);
  for (uint32_t size : ClassSizes(options)) {
    SlabClass sc;
    sc.size = size;
    sc.perslab = static_cast<uint32_t>(page_size_ / size);
    classes_.push_back(sc);
  }
  page_class_.assign(max_pages_, 0);
}

int SlabAllocator::ClassFor(size_t total) const {
  auto it = std::lower_bound(
      classes_.begin(), classes_.end(), total,
      [](const SlabClass& sc, size_t n) { return sc.size < n; });
  if (it == classes_.end()) return 0;
  return static_cast<int>(it - classes_.begin()) + 1;
}

bool SlabAllocator::do_GrowClass(SlabClass* sc, int cls) {
  size_t page;
  if (!pool_.empty()) {
    page = pool_.back();
    pool_.pop_back();
  } else if (pages_used_ < max_pages_) {
    page = pages_used_++;
  } else {
    return false;
  }
  page_class_[page] = static_cast<uint8_t>(cls);
  sc->carve = arena_->base() + page * page_size_;
  sc->carve_left = sc->perslab;
  ++sc->pages;
  return true;
}

Item* SlabAllocator::do_TakeChunk(SlabClass* sc) {
  if (sc->free_head != kNullItemId) {
    Item* item = arena_->ToItem(sc->free_head);
    sc->free_head = item->h_next;
    --sc->free_count;
    return item;
  }
  if (sc->carve_left == 0) return nullptr;
  Item* item = reinterpret_cast<Item*>(sc->carve);
  sc->carve += sc->size;
  --sc->carve_left;
  return item;
}

Item* SlabAllocator::Alloc(int cls) {
  DCHECK(cls >= 1 && cls <= num_classes());
  std::lock_guard<std::mutex> lock(mu_);
  SlabClass& sc = classes_[cls - 1];
  if (Item* item = do_TakeChunk(&sc)) return item;
  // Chunks of a fresh page are handed out in order and never pre-linked, so
  // memory is touched only when it is first used.
  if (!do_GrowClass(&sc, cls)) return nullptr;
  return do_TakeChunk(&sc);
}

void SlabAllocator::FreeChunk(void* chunk, int cls) {
  DCHECK(cls >= 1 && cls <= num_classes());
  // The free list links through the chunk's Item::h_next. A free chunk has
  // refcount and flags 0 (the page mover relies on it).
  Item* item = static_cast<Item*>(chunk);
  DCHECK_EQ(item->refcount.load(std::memory_order_relaxed), 0)
      << "freed a chunk that still holds references";
  item->flags.store(0, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  SlabClass& sc = classes_[cls - 1];
  if (cls == moving_class_) {
    const char* begin = arena_->base() + moving_page_ * page_size_;
    const char* p = static_cast<const char*>(chunk);
    if (p >= begin && p < begin + page_size_) {
      // Kept aside: the page is being emptied.
      const size_t index = static_cast<size_t>(p - begin) / sc.size;
      DCHECK(!moving_free_[index]);
      moving_free_[index] = true;
      ++moving_free_count_;
      return;
    }
  }
  item->h_next = sc.free_head;
  sc.free_head = arena_->ToId(item);
  ++sc.free_count;
}

Item* SlabAllocator::AllocFree(int cls) {
  std::lock_guard<std::mutex> lock(mu_);
  return do_TakeChunk(&classes_[cls - 1]);
}

uint64_t SlabAllocator::pages(int cls) const {
  std::lock_guard<std::mutex> lock(mu_);
  return cls == 0 ? pool_.size() : classes_[cls - 1].pages;
}

bool SlabAllocator::BeginPageMove(int src, char** begin) {
  std::lock_guard<std::mutex> lock(mu_);
  SlabClass& sc = classes_[src - 1];
  if (moving_class_ != 0 || sc.pages < 2) return false;
  // The page with the most free chunks is the cheapest to empty.
  std::vector<uint32_t> free_in(pages_used_, 0);
  char* const base = arena_->base();
  for (ItemId id = sc.free_head; id != kNullItemId;) {
    Item* item = arena_->ToItem(id);
    ++free_in[static_cast<size_t>(item->bytes() - base) / page_size_];
    id = item->h_next;
  }
  const size_t carve_page =
      sc.carve_left > 0 ? static_cast<size_t>(sc.carve - base) / page_size_
                        : pages_used_;
  if (carve_page < pages_used_) free_in[carve_page] += sc.carve_left;
  size_t best = pages_used_;
  for (size_t page = 0; page < pages_used_; ++page) {
    if (page_class_[page] != src) continue;
    if (best == pages_used_ || free_in[page] > free_in[best]) best = page;
  }
  CHECK_LT(best, pages_used_) << "class pages and page owners disagree";
  moving_class_ = src;
  moving_page_ = best;
  moving_free_.assign(sc.perslab, false);
  moving_free_count_ = 0;
  char* const page_begin = base + best * page_size_;
  // Take the page's chunks off the free list.
  ItemId* link = &sc.free_head;
  while (*link != kNullItemId) {
    Item* item = arena_->ToItem(*link);
    if (item->bytes() >= page_begin && item->bytes() < page_begin + page_size_) {
      *link = item->h_next;
      --sc.free_count;
      moving_free_[static_cast<size_t>(item->bytes() - page_begin) / sc.size] =
          true;
      ++moving_free_count_;
    } else {
      link = &item->h_next;
    }
  }
  if (best == carve_page) {
    for (uint32_t i = sc.perslab - sc.carve_left; i < sc.perslab; ++i) {
      moving_free_[i] = true;
    }
    moving_free_count_ += sc.carve_left;
    sc.carve_left = 0;
    sc.carve = nullptr;
  }
  *begin = page_begin;
  return true;
}

bool SlabAllocator::MovingPageEmpty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return moving_class_ != 0 &&
         moving_free_count_ == classes_[moving_class_ - 1].perslab;
}

void SlabAllocator::do_GivePage(size_t page, int cls) {
  page_class_[page] = static_cast<uint8_t>(cls);
  if (cls == 0) {
    pool_.push_back(page);
    return;
  }
  SlabClass& sc = classes_[cls - 1];
  ++sc.pages;
  char* const begin = arena_->base() + page * page_size_;
  if (sc.carve_left == 0) {
    sc.carve = begin;
    sc.carve_left = sc.perslab;
    return;
  }
  for (uint32_t i = 0; i < sc.perslab; ++i) {
    Item* item = reinterpret_cast<Item*>(begin + size_t{i} * sc.size);
    item->h_next = sc.free_head;
    sc.free_head = arena_->ToId(item);
    ++sc.free_count;
  }
}

void SlabAllocator::MovingPageUsedChunks(std::vector<char*>* out) const {
  out->clear();
  std::lock_guard<std::mutex> lock(mu_);
  if (moving_class_ == 0) return;
  const uint32_t size = classes_[moving_class_ - 1].size;
  char* const begin = arena_->base() + moving_page_ * page_size_;
  for (size_t i = 0; i < moving_free_.size(); ++i) {
    if (!moving_free_[i]) out->push_back(begin + i * size);
  }
}

void SlabAllocator::FinishPageMove(int dst) {
  char* page;
  {
    std::lock_guard<std::mutex> lock(mu_);
    CHECK_NE(moving_class_, 0);
    page = arena_->base() + moving_page_ * page_size_;
  }
  // The new class cuts the page at other offsets: every chunk must start
  // out as a free one (refcount and flags 0). Nobody touches an emptied
  // moving page, so this needs no lock.
  std::memset(page, 0, page_size_);
  std::lock_guard<std::mutex> lock(mu_);
  SlabClass& src = classes_[moving_class_ - 1];
  CHECK_EQ(moving_free_count_, src.perslab) << "the moving page is not empty";
  --src.pages;
  moving_class_ = 0;
  do_GivePage(moving_page_, dst);
}

void SlabAllocator::AbortPageMove() {
  std::lock_guard<std::mutex> lock(mu_);
  if (moving_class_ == 0) return;
  SlabClass& sc = classes_[moving_class_ - 1];
  char* const begin = arena_->base() + moving_page_ * page_size_;
  for (uint32_t i = 0; i < sc.perslab; ++i) {
    if (!moving_free_[i]) continue;
    Item* item = reinterpret_cast<Item*>(begin + size_t{i} * sc.size);
    item->h_next = sc.free_head;
    sc.free_head = arena_->ToId(item);
    ++sc.free_count;
  }
  moving_class_ = 0;
}

bool SlabAllocator::TakePoolPage(int dst) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pool_.empty()) return false;
  const size_t page = pool_.back();
  pool_.pop_back();
  do_GivePage(page, dst);
  return true;
}

bool SlabAllocator::SetMemoryLimit(size_t bytes) {
  const size_t pages = bytes / page_size_;
  if (pages > arena_->size() / page_size_) return false;
  std::lock_guard<std::mutex> lock(mu_);
  max_pages_ = pages;
  memory_limit_ = bytes;
  // Every page that may now be handed out needs an owner slot.
  if (page_class_.size() < pages) page_class_.resize(pages, 0);
  return true;
}

size_t SlabAllocator::memory_limit() const {
  std::lock_guard<std::mutex> lock(mu_);
  return memory_limit_;
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
