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
  // 34 header + 8 CAS + 48 = 90 -> 96, then *1.25 truncated and aligned.
  // memcached 1.6.18 -vv prints exactly these 39 classes.
  const std::vector<uint32_t> want = {
      96,     120,    152,    192,    240,    304,    384,    480,
      600,    752,    944,    1184,   1480,   1856,   2320,   2904,
      3632,   4544,   5680,   7104,   8880,   11104,  13880,  17352,
      21696,  27120,  33904,  42384,  52984,  66232,  82792,  103496,
      129376, 161720, 202152, 252696, 315872, 394840, 524288};
  EXPECT_EQ(sizes, want);
  EXPECT_EQ(SlabAllocator::PageSize(o), 1u << 20);
  EXPECT_EQ(SlabAllocator::ChunkMax(o), 512u << 10);
}

struct SizingCase {
  const char* name;
  bool use_cas;
  uint32_t chunk_size_min;
  double factor;
  size_t page;
  size_t item_size_max;
  size_t slab_chunk_max;
  std::vector<uint32_t> slab_sizes;
  std::vector<uint32_t> want_first;  // leading classes
  size_t want_count;
  uint32_t want_last;
};

TEST(SlabAllocatorTest, ClassSizing) {
  const SizingCase cases[] = {
      // -C: 34 + 48 = 82 -> 88.
      {"no cas",
       false,
       48,
       1.25,
       1 << 20,
       1 << 20,
       0,
       {},
       {88, 112, 144, 184},
       0,
       512 << 10},
      // -n 5: 41 + 5 = 46 -> 48.
      {"small -n",
       true,
       5,
       1.25,
       1 << 20,
       1 << 20,
       0,
       {},
       {48, 64, 80, 104},
       0,
       512 << 10},
      // -f 2: doubling while below slab_chunk_max / 2 (memcached: 13).
      {"-f 2",
       true,
       48,
       2.0,
       1 << 20,
       1 << 20,
       0,
       {},
       {96, 192, 384, 768, 1536, 3072, 6144, 12288, 24576, 49152, 98304,
        196608, 524288},
       13,
       512 << 10},
      // A factor too small to move past alignment still grows by 8, and the
      // class count stops at 62 + the page class, as memcached's 63.
      {"-f 1.01",
       true,
       48,
       1.01,
       1 << 20,
       1 << 20,
       0,
       {},
       {96, 104, 112, 120},
       63,
       512 << 10},
      // -I above the page size: pages stay 1 MiB, big items are chained.
      {"-I 2m", true, 48, 1.25, 1 << 20, 2 << 20, 0, {}, {96, 120}, 39,
       512 << 10},
      // -I below half a page: the largest chunk is -I (rounded up to 8).
      {"-I 5001",
       true,
       48,
       1.25,
       1 << 20,
       5001,
       0,
       {},
       {96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 944, 1184, 1480,
        1856, 2320, 2904, 3632, 5008},
       18,
       5008},
      // -o slab_chunk_max=4096 (memcached: 17 classes).
      {"slab_chunk_max",
       true,
       48,
       1.25,
       1 << 20,
       1 << 20,
       4096,
       {},
       {96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 944, 1184, 1480,
        1856, 2320, 2904, 4096},
       17,
       4096},
      // -o slab_sizes=100-200-300: aligned, then slab_chunk_max.
      {"slab_sizes",
       true,
       48,
       1.25,
       1 << 20,
       1 << 20,
       0,
       {100, 200, 300},
       {104, 200, 304, 524288},
       4,
       512 << 10},
  };
  for (const SizingCase& c : cases) {
    StoreOptions o;
    o.use_cas = c.use_cas;
    o.chunk_size_min = c.chunk_size_min;
    o.growth_factor = c.factor;
    o.slab_page_size = c.page;
    o.item_size_max = c.item_size_max;
    o.slab_chunk_max = c.slab_chunk_max;
    o.slab_sizes = c.slab_sizes;
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
        EXPECT_LT(sizes[i], SlabAllocator::ChunkMax(o)) << c.name;
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
  EXPECT_EQ(slabs.ClassFor(394840), slabs.num_classes() - 1);
  EXPECT_EQ(slabs.ClassFor(394841), slabs.num_classes());
  // Past slab_chunk_max an item has no class: it must be chunked.
  EXPECT_EQ(slabs.ClassFor(512 << 10), slabs.num_classes());
  EXPECT_EQ(slabs.ClassFor((512 << 10) + 1), 0);
  EXPECT_EQ(slabs.chunk_max(), 512u << 10);
  EXPECT_EQ(slabs.chunk_size(slabs.num_classes()), 512u << 10);
  EXPECT_EQ(slabs.chunks_per_page(1), (1u << 20) / 96);
  EXPECT_EQ(slabs.chunks_per_page(slabs.num_classes()), 2u);
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
  // -I 16k: the largest chunk is 16 KiB, four a page.
  ASSERT_EQ(slabs.chunks_per_page(slabs.num_classes()), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(slabs.Alloc(slabs.num_classes()), nullptr) << i;
  }
  EXPECT_EQ(slabs.Alloc(slabs.num_classes()), nullptr);
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
