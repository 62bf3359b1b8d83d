#include "store/slab_allocator.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "store/arena.h"

namespace memcd {
namespace {

StoreOptions SmallOptions() {
  StoreOptions o;
  o.slab_page_size = 64 << 10;
  o.item_size_max = 16 << 10;
  o.memory_limit = 2 * (64 << 10);
  return o;
}

TEST(SlabAllocatorTest, DefaultClassesMatchMemcachedProgression) {
  const StoreOptions o;  // -n 48 -f 1.25, 1 MiB pages, CAS on
  const std::vector<uint32_t> sizes = SlabAllocator::ClassSizes(o);
  // 33 header + 8 CAS + 48 = 89 -> 96, then *1.25 truncated and aligned.
  const std::vector<uint32_t> first = {96,  120, 152, 192, 240, 304,
                                       384, 480, 600, 752, 944, 1184};
  ASSERT_GE(sizes.size(), first.size());
  EXPECT_EQ(std::vector<uint32_t>(sizes.begin(), sizes.begin() + 12), first);
  EXPECT_EQ(sizes.size(), 40u);
  EXPECT_EQ(sizes[sizes.size() - 2], 493552u);  // the last one <= half a page
  EXPECT_EQ(sizes.back(), 1u << 20);            // then a whole page
}

struct SizingCase {
  const char* name;
  bool use_cas;
  uint32_t chunk_size_min;
  double factor;
  size_t page;
  size_t item_size_max;
  std::vector<uint32_t> want_first;  // leading classes
  size_t want_count;
  uint32_t want_last;
};

TEST(SlabAllocatorTest, ClassSizing) {
  const SizingCase cases[] = {
      // -C: 33 + 48 = 81 -> 88.
      {"no cas",
       false,
       48,
       1.25,
       1 << 20,
       1 << 20,
       {88, 112, 144, 184},
       40,
       1 << 20},
      // -n 5: 41 + 5 = 46 -> 48.
      {"small -n",
       true,
       5,
       1.25,
       1 << 20,
       1 << 20,
       {48, 64, 80, 104},
       0,
       1 << 20},
      // -f 2: doubling up to half a page, then the page.
      {"-f 2",
       true,
       48,
       2.0,
       1 << 20,
       1 << 20,
       {96, 192, 384, 768},
       14,
       1 << 20},
      // A factor too small to move past alignment still grows by 8, and the
      // class count stops at 62 + the page class, as memcached's 63.
      {"-f 1.01",
       true,
       48,
       1.01,
       1 << 20,
       1 << 20,
       {96, 104, 112, 120},
       63,
       1 << 20},
      // -I above the page size: pages grow to hold the largest item.
      {"-I 2m", true, 48, 1.25, 1 << 20, 2 << 20, {96, 120}, 43, 2 << 20},
      // An unaligned -I rounds the page up to 8.
      {"-I 2000",
       true,
       48,
       1.25,
       1500,
       2001,
       {96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 944, 2008},
       12,
       2008},
  };
  for (const SizingCase& c : cases) {
    StoreOptions o;
    o.use_cas = c.use_cas;
    o.chunk_size_min = c.chunk_size_min;
    o.growth_factor = c.factor;
    o.slab_page_size = c.page;
    o.item_size_max = c.item_size_max;
    const std::vector<uint32_t> sizes = SlabAllocator::ClassSizes(o);
    ASSERT_GE(sizes.size(), c.want_first.size()) << c.name;
    EXPECT_EQ(std::vector<uint32_t>(sizes.begin(),
                                    sizes.begin() + c.want_first.size()),
              c.want_first)
        << c.name;
    if (c.want_count != 0) {
      EXPECT_EQ(sizes.size(), c.want_count) << c.name;
    }
    EXPECT_EQ(sizes.back(), c.want_last) << c.name;
    EXPECT_LE(sizes.size(), 63u) << c.name;
    for (size_t i = 0; i < sizes.size(); ++i) {
      EXPECT_EQ(sizes[i] % 8, 0u) << c.name << " class " << i + 1;
      if (i > 0) {
        EXPECT_GE(sizes[i], sizes[i - 1] + 8) << c.name;
      }
      if (i + 1 < sizes.size()) {
        EXPECT_LE(sizes[i], SlabAllocator::PageSize(o) / 2) << c.name;
      }
    }
  }
}

TEST(SlabAllocatorTest, ClassForPicksTheSmallestFittingChunk) {
  StoreOptions o;
  Arena arena(SlabAllocator::MaxPages(o) * SlabAllocator::PageSize(o));
  SlabAllocator slabs(o, &arena);
  EXPECT_EQ(slabs.ClassFor(1), 1);
  EXPECT_EQ(slabs.ClassFor(96), 1);
  EXPECT_EQ(slabs.ClassFor(97), 2);
  EXPECT_EQ(slabs.ClassFor(120), 2);
  EXPECT_EQ(slabs.ClassFor(121), 3);
  EXPECT_EQ(slabs.ClassFor(493552), slabs.num_classes() - 1);
  EXPECT_EQ(slabs.ClassFor(493553), slabs.num_classes());
  // The whole item counts against -I: exactly 1 MiB fits, one more does not.
  EXPECT_EQ(slabs.ClassFor(1 << 20), slabs.num_classes());
  EXPECT_EQ(slabs.ClassFor((1 << 20) + 1), 0);
  EXPECT_EQ(slabs.chunk_size(slabs.num_classes()), 1u << 20);
  EXPECT_EQ(slabs.chunks_per_page(1), (1u << 20) / 96);
  EXPECT_EQ(slabs.chunks_per_page(slabs.num_classes()), 1u);
}

TEST(SlabAllocatorTest, StrictMemoryLimitAndFreeListReuse) {
  const StoreOptions o = SmallOptions();
  ASSERT_EQ(SlabAllocator::PageSize(o), 64u << 10);
  ASSERT_EQ(SlabAllocator::MaxPages(o), 2u);
  Arena arena(SlabAllocator::MaxPages(o) * SlabAllocator::PageSize(o));
  SlabAllocator slabs(o, &arena);
  EXPECT_EQ(slabs.total_malloced(), 0u);

  const int cls = 1;
  const uint32_t per_page = slabs.chunks_per_page(cls);
  std::set<Item*> seen;
  std::vector<Item*> chunks;
  for (uint32_t i = 0; i < 2 * per_page; ++i) {
    Item* it = slabs.Alloc(cls);
    ASSERT_NE(it, nullptr) << i;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(it) % 8, 0u);
    EXPECT_GE(reinterpret_cast<char*>(it), arena.base());
    EXPECT_LE(reinterpret_cast<char*>(it) + slabs.chunk_size(cls),
              arena.base() + arena.size());
    EXPECT_TRUE(seen.insert(it).second) << "chunk handed out twice";
    it->slab_class = cls;
    chunks.push_back(it);
  }
  EXPECT_EQ(slabs.total_malloced(), 2u * (64 << 10));
  // The limit is reached: no class gets another page.
  EXPECT_EQ(slabs.Alloc(cls), nullptr);
  EXPECT_EQ(slabs.Alloc(slabs.num_classes()), nullptr);

  SlabClassStats st;
  slabs.GetClassStats(cls, &st);
  EXPECT_EQ(st.id, cls);
  EXPECT_EQ(st.chunk_size, 96u);
  EXPECT_EQ(st.total_pages, 2u);
  EXPECT_EQ(st.total_chunks, 2u * per_page);
  EXPECT_EQ(st.used_chunks, 2u * per_page);
  EXPECT_EQ(st.free_chunks, 0u);

  slabs.Free(chunks[7]);
  slabs.Free(chunks[3]);
  slabs.GetClassStats(cls, &st);
  EXPECT_EQ(st.free_chunks, 2u);
  EXPECT_EQ(st.used_chunks, 2u * per_page - 2);
  EXPECT_EQ(slabs.Alloc(cls), chunks[3]);  // LIFO free list
  EXPECT_EQ(slabs.Alloc(cls), chunks[7]);
  EXPECT_EQ(slabs.Alloc(cls), nullptr);
}

TEST(SlabAllocatorTest, PagesGoToTheClassThatAsksFirst) {
  const StoreOptions o = SmallOptions();
  Arena arena(SlabAllocator::MaxPages(o) * SlabAllocator::PageSize(o));
  SlabAllocator slabs(o, &arena);
  ASSERT_NE(slabs.Alloc(1), nullptr);
  ASSERT_NE(slabs.Alloc(slabs.num_classes()), nullptr);  // takes page 2
  EXPECT_EQ(slabs.total_malloced(), 2u * (64 << 10));
  EXPECT_EQ(slabs.Alloc(2), nullptr);
  EXPECT_EQ(slabs.Alloc(slabs.num_classes()), nullptr);  // one chunk a page
  EXPECT_NE(slabs.Alloc(1), nullptr);  // class 1 still has its page

  SlabClassStats st;
  slabs.GetClassStats(1, &st);
  EXPECT_EQ(st.total_pages, 1u);
  EXPECT_EQ(st.used_chunks, 2u);
  EXPECT_EQ(st.free_chunks, st.total_chunks - 2);
  slabs.GetClassStats(2, &st);
  EXPECT_EQ(st.total_pages, 0u);
  EXPECT_EQ(st.total_chunks, 0u);
}

}  // namespace
}  // namespace memcd
