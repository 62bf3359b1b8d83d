// Large (chunked) items: round trips around every size boundary, piece
// writers and readers, append/prepend, freeing, eviction and the memory limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/store_test_util.h"

namespace memcd {
namespace {

using testing_util::GetValue;
using testing_util::Put;
using testing_util::Stats;
using testing_util::UsedChunks;

constexpr size_t kKiB = 1024;
constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kChunkMax = 512 * kKiB;    // the default slab_chunk_max
constexpr size_t kChunkData = kChunkMax - 32;  // after the 32-byte chunk head
constexpr size_t kOverhead = 34 + 8 + 3;    // header, CAS, 3-byte key "big"

// A deterministic value that differs at every offset of interest.
std::string Pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>('!' + (x >> 16) % 90);
  }
  return s;
}

int CountPieces(const ItemRef& ref) {
  ValueReader reader(ref);
  std::string_view piece;
  int n = 0;
  while (reader.Next(&piece)) {
    EXPECT_FALSE(piece.empty());
    ++n;
  }
  return n;
}

SlabClassStats LargestClass(const Store& store) {
  std::vector<SlabClassStats> all;
  store.GetSlabStats(&all);
  return all.back();
}

class StoreChunksTest : public ::testing::Test {
 protected:
  static StoreOptions Options(size_t memory_mb, size_t item_max) {
    StoreOptions o;
    o.memory_limit = memory_mb * kMiB;
    o.item_size_max = item_max;
    o.hashpower = 12;
    return o;
  }
  void MakeStore(size_t memory_mb, size_t item_max, bool evict = true) {
    StoreOptions o = Options(memory_mb, item_max);
    o.evict = evict;
    store_.reset(new Store(o, &clock_));
  }

  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreChunksTest, RoundTripsAroundEveryBoundary) {
  MakeStore(64, 8 * kMiB);
  struct Case {
    size_t value;
    int pieces;
  };
  const size_t ordinary_max = kChunkMax - kOverhead;  // item == slab_chunk_max
  const Case cases[] = {
      {0, 0},
      {1, 1},
      {ordinary_max - 1, 1},
      {ordinary_max, 1},
      {ordinary_max + 1, 1},  // chunked: its header + one chunk
      {kChunkData - 1, 1},
      {kChunkData, 1},
      {kChunkData + 1, 2},
      {kChunkMax - 1, 2},
      {kChunkMax, 2},
      {kChunkMax + 1, 2},
      {2 * kChunkData, 2},
      {2 * kChunkData + 1, 3},
      {2 * kChunkMax, 3},
      {5 * kMiB, 11},
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    const std::string value = Pattern(c.value, seed++);
    ASSERT_EQ(Put(store_.get(), "big", value), StoreResult::kStored);
    ItemRef ref = store_->Get("big");
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref.value_length(), c.value);
    EXPECT_EQ(CountPieces(ref), c.pieces);
    EXPECT_TRUE(ref.CopyValue() == value);
  }
  // Everything but the last item went back to the free lists.
  ASSERT_TRUE(store_->Delete("big"));
  EXPECT_EQ(UsedChunks(*store_), 0u);
}

TEST_F(StoreChunksTest, WriterFillsPiecesInAnyStepsAndByRegions) {
  MakeStore(64, 8 * kMiB);
  const std::string value = Pattern(3 * kChunkData + 777, 7);
  const size_t steps[] = {1, 13, 4096, kChunkData - 1, kChunkData + 5};
  for (size_t step : steps) {
    SCOPED_TRACE(step);
    ItemRef item;
    ASSERT_EQ(store_->Allocate("k", 0, 0, value.size(), &item),
              AllocResult::kOk);
    ValueWriter writer(item);
    size_t done = 0;
    while (done < value.size()) {
      const size_t n = std::min(step, value.size() - done);
      ASSERT_EQ(writer.Write(value.data() + done, n), n);
      done += n;
    }
    EXPECT_EQ(writer.left(), 0u);
    EXPECT_EQ(writer.Write("x", 1), 0u);  // nothing past the end
    ASSERT_EQ(store_->StoreItem(item, StoreMode::kSet, 0), StoreResult::kStored);
    EXPECT_TRUE(GetValue(store_.get(), "k") == value);
  }
  // readv-style: describe regions, fill part of them, advance.
  ItemRef item;
  ASSERT_EQ(store_->Allocate("r", 0, 0, value.size(), &item), AllocResult::kOk);
  ValueWriter writer(item);
  size_t done = 0;
  while (writer.left() > 0) {
    iovec iov[3];
    const int n = writer.Regions(iov, 3);
    ASSERT_GT(n, 0);
    size_t room = 0;
    for (int i = 0; i < n; ++i) room += iov[i].iov_len;
    // Fill all but 100 bytes of what was offered (a short read).
    size_t want = room > 100 ? room - 100 : room;
    size_t filled = 0;
    for (int i = 0; i < n && filled < want; ++i) {
      const size_t m = std::min(iov[i].iov_len, want - filled);
      memcpy(iov[i].iov_base, value.data() + done + filled, m);
      filled += m;
    }
    writer.Advance(filled);
    done += filled;
    EXPECT_EQ(writer.left(), value.size() - done);
  }
  iovec none[1];
  EXPECT_EQ(writer.Regions(none, 1), 0);
  ASSERT_EQ(store_->StoreItem(item, StoreMode::kSet, 0), StoreResult::kStored);
  EXPECT_TRUE(GetValue(store_.get(), "r") == value);
}

TEST_F(StoreChunksTest, AppendAndPrependOntoAndIntoChunkedItems) {
  MakeStore(64, 8 * kMiB);
  const std::string small = Pattern(1000, 1);
  const std::string big = Pattern(kChunkMax + 12345, 2);
  const std::string near = Pattern(kChunkMax - kOverhead - 10, 3);
  struct Case {
    const char* name;
    const std::string* old_value;
    const std::string* added;
    StoreMode mode;
  };
  const Case cases[] = {
      {"small onto chunked", &big, &small, StoreMode::kAppend},
      {"small before chunked", &big, &small, StoreMode::kPrepend},
      {"chunked onto small", &small, &big, StoreMode::kAppend},
      {"chunked before small", &small, &big, StoreMode::kPrepend},
      {"chunked onto chunked", &big, &big, StoreMode::kAppend},
      {"crossing into chunked", &near, &small, StoreMode::kAppend},
      {"crossing, prepended", &near, &small, StoreMode::kPrepend},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_EQ(Put(store_.get(), "big", *c.old_value, StoreMode::kSet, 42),
              StoreResult::kStored);
    ASSERT_EQ(Put(store_.get(), "big", *c.added, c.mode),
              StoreResult::kStored);
    const std::string want = c.mode == StoreMode::kAppend
                                 ? *c.old_value + *c.added
                                 : *c.added + *c.old_value;
    ItemRef ref = store_->Get("big");
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref.client_flags(), 42u);
    EXPECT_EQ(ref.value_length(), want.size());
    EXPECT_TRUE(ref.CopyValue() == want);
  }
  // Appending past -I fails and keeps the old value.
  ASSERT_EQ(Put(store_.get(), "big", Pattern(8 * kMiB - kOverhead, 4)),
            StoreResult::kStored);
  EXPECT_EQ(Put(store_.get(), "big", "x", StoreMode::kAppend),
            StoreResult::kNoMemory);
  EXPECT_EQ(store_->Get("big").value_length(), 8 * kMiB - kOverhead);
}

TEST_F(StoreChunksTest, ArithOnAChunkedValueIsNonNumeric) {
  MakeStore(64, 8 * kMiB);
  std::string digits(kChunkMax + 1, ' ');
  digits[0] = '7';
  ASSERT_EQ(Put(store_.get(), "n", digits), StoreResult::kStored);
  uint64_t v = 0;
  EXPECT_EQ(store_->Arith("n", true, 1, &v), ArithResult::kNonNumeric);
}

TEST_F(StoreChunksTest, FreeingReturnsEveryChunkEvenWhenHeldFirst) {
  MakeStore(64, 8 * kMiB);
  ASSERT_EQ(UsedChunks(*store_), 0u);
  ASSERT_EQ(Put(store_.get(), "a", Pattern(5 * kMiB, 1)),
            StoreResult::kStored);
  // 10 full chunks of the largest class; the tail and the header elsewhere.
  EXPECT_EQ(LargestClass(*store_).used_chunks, 10u);
  EXPECT_EQ(UsedChunks(*store_), 12u);
  EXPECT_EQ(LargestClass(*store_).number, 1u);
  EXPECT_EQ(Stats(*store_).bytes, 34u + 8 + 1 + 5 * kMiB);

  ItemRef held = store_->Get("a");
  ASSERT_TRUE(store_->Delete("a"));
  EXPECT_EQ(UsedChunks(*store_), 12u);  // a reader still holds it
  const std::string copy = held.CopyValue();
  EXPECT_TRUE(copy == Pattern(5 * kMiB, 1));
  held.Reset();
  EXPECT_EQ(UsedChunks(*store_), 0u);

  // Replacing a chunked item frees the old chain too.
  ASSERT_EQ(Put(store_.get(), "a", Pattern(2 * kMiB, 2)), StoreResult::kStored);
  ASSERT_EQ(Put(store_.get(), "a", "tiny"), StoreResult::kStored);
  EXPECT_EQ(UsedChunks(*store_), 1u);
}

TEST_F(StoreChunksTest, ChunkedItemsAreEvictedAndTheLimitHolds) {
  MakeStore(8, 2 * kMiB);  // 8 pages, each 1.5 MiB value takes 4 chunks
  const size_t n = 1536 * kKiB;
  for (uint32_t i = 0; i < 12; ++i) {
    ASSERT_EQ(Put(store_.get(), "k" + std::to_string(i), Pattern(n, i)),
              StoreResult::kStored)
        << i;
    EXPECT_LE(Stats(*store_).total_malloced, 8 * kMiB);
  }
  const StoreStats s = Stats(*store_);
  EXPECT_GT(s.evictions, 0u);
  EXPECT_EQ(s.total_malloced, 8 * kMiB);
  // The newest item is intact, the oldest was evicted.
  EXPECT_TRUE(GetValue(store_.get(), "k11") == Pattern(n, 11));
  EXPECT_EQ(GetValue(store_.get(), "k0"), "<miss>");
  // Ordinary items of the largest class can evict chunked ones as well.
  for (uint32_t i = 0; i < 16; ++i) {
    ASSERT_EQ(Put(store_.get(), "o" + std::to_string(i),
                  Pattern(kChunkMax - kOverhead, i)),
              StoreResult::kStored)
        << i;
  }
  EXPECT_TRUE(GetValue(store_.get(), "o15") ==
              Pattern(kChunkMax - kOverhead, 15));
}

TEST_F(StoreChunksTest, AnAllocationThatCannotCompleteLeaksNothing) {
  MakeStore(8, 4 * kMiB, /*evict=*/false);  // -M
  const size_t n = 3 * kMiB;
  ASSERT_EQ(Put(store_.get(), "a", Pattern(n, 1)), StoreResult::kStored);
  ASSERT_EQ(Put(store_.get(), "b", Pattern(n, 2)), StoreResult::kStored);
  const uint64_t used = UsedChunks(*store_);
  // Some chunks can be had (free pages), but not all of them.
  ItemRef item;
  EXPECT_EQ(store_->Allocate("c", 0, 0, n, &item), AllocResult::kNoMemory);
  EXPECT_FALSE(item);
  EXPECT_EQ(UsedChunks(*store_), used);
  EXPECT_TRUE(GetValue(store_.get(), "a") == Pattern(n, 1));
  EXPECT_TRUE(GetValue(store_.get(), "b") == Pattern(n, 2));
  EXPECT_GT(Stats(*store_).outofmemory, 0u);
  // The header chunk it took went back: a small item still fits there.
  EXPECT_EQ(Put(store_.get(), "d", "tiny"), StoreResult::kStored);

  // With eviction on, items held by readers cannot be taken either.
  MakeStore(8, 4 * kMiB, /*evict=*/true);
  ASSERT_EQ(Put(store_.get(), "a", Pattern(n, 1)), StoreResult::kStored);
  ASSERT_EQ(Put(store_.get(), "b", Pattern(n, 2)), StoreResult::kStored);
  ItemRef ha = store_->Get("a");
  ItemRef hb = store_->Get("b");
  const uint64_t used_held = UsedChunks(*store_);
  EXPECT_EQ(store_->Allocate("c", 0, 0, n, &item), AllocResult::kNoMemory);
  EXPECT_EQ(UsedChunks(*store_), used_held);
  hb.Reset();
  // Now b can be evicted to make room.
  ASSERT_EQ(store_->Allocate("c", 0, 0, n, &item), AllocResult::kOk);
  EXPECT_TRUE(ha.CopyValue() == Pattern(n, 1));
}

// Three chunked items whose last pieces fill the one page of their class
// (315,872-byte chunks, 3 a page) in a 4-page store: a page of headers, two
// of full chunks (one chunk left), one of last pieces. Nothing in that
// class's LRU can be evicted for another piece or an item of its size.
class StoreChunksFullClassTest : public StoreChunksTest {
 protected:
  static constexpr size_t kPiece = 300 * kKiB;  // class 37 with its head
  static constexpr size_t kValue = kChunkData + kPiece;

  void SetUp() override {
    MakeStore(4, 2 * kMiB);
    for (uint32_t i = 0; i < 3; ++i) {
      ASSERT_EQ(Put(store_.get(), "c" + std::to_string(i), Pattern(kValue, i)),
                StoreResult::kStored)
          << i;
    }
    ASSERT_EQ(Stats(*store_).total_malloced, 4 * kMiB);
    ASSERT_EQ(LargestClass(*store_).used_chunks, 3u);
  }
};

TEST_F(StoreChunksFullClassTest, ALastPieceFallsBackToAFullSizeChunk) {
  // The free full chunk takes c3's first piece; its last piece has no room
  // in its class and evicts the oldest chunked item for a full-size chunk.
  ASSERT_EQ(Put(store_.get(), "c3", Pattern(kValue, 3)), StoreResult::kStored);
  EXPECT_TRUE(GetValue(store_.get(), "c3") == Pattern(kValue, 3));
  EXPECT_EQ(GetValue(store_.get(), "c0"), "<miss>");
  EXPECT_TRUE(GetValue(store_.get(), "c1") == Pattern(kValue, 1));
  const StoreStats s = Stats(*store_);
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.outofmemory, 0u);
  EXPECT_EQ(s.total_malloced, 4 * kMiB);
  // Freed as one: c0's last piece went back to its own class.
  ASSERT_TRUE(store_->Delete("c3"));
  ASSERT_EQ(Put(store_.get(), "c4", Pattern(kValue, 4)), StoreResult::kStored);
  EXPECT_TRUE(GetValue(store_.get(), "c4") == Pattern(kValue, 4));
  EXPECT_EQ(Stats(*store_).evictions, 1u);
}

TEST_F(StoreChunksFullClassTest, ABigItemFallsBackToTheLargestClass) {
  const size_t n = kPiece;  // an ordinary item of the same class
  ASSERT_EQ(Put(store_.get(), "o", Pattern(n, 9)), StoreResult::kStored);
  EXPECT_TRUE(GetValue(store_.get(), "o") == Pattern(n, 9));
  EXPECT_EQ(LargestClass(*store_).used_chunks, 4u);
  const StoreStats s = Stats(*store_);
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_EQ(s.outofmemory, 0u);
  // The next one evicts the oldest item of the largest class, c0, for its
  // full chunk; c0's last piece is freed with it.
  ASSERT_EQ(Put(store_.get(), "p", Pattern(n, 10)), StoreResult::kStored);
  EXPECT_EQ(GetValue(store_.get(), "c0"), "<miss>");
  EXPECT_EQ(Stats(*store_).evictions, 1u);
  EXPECT_EQ(Stats(*store_).total_malloced, 4 * kMiB);
  // Both are freed to the largest class, which they came from.
  ASSERT_TRUE(store_->Delete("o"));
  ASSERT_TRUE(store_->Delete("p"));
  EXPECT_EQ(LargestClass(*store_).used_chunks, 2u);
  EXPECT_TRUE(GetValue(store_.get(), "c2") == Pattern(kValue, 2));
}

TEST_F(StoreChunksFullClassTest, ASmallerItemIsRefusedRatherThanEvictBig) {
  // Smaller than a quarter of a full chunk and no page for its class: a
  // refusal, as memcached's, not a 512 KiB eviction for it.
  AllocResult alloc;
  EXPECT_EQ(Put(store_.get(), "s", Pattern(100 * kKiB, 1), StoreMode::kSet, 0,
                0, 0, nullptr, &alloc),
            StoreResult::kNoMemory);
  EXPECT_EQ(alloc, AllocResult::kNoMemory);
  const StoreStats s = Stats(*store_);
  EXPECT_EQ(s.outofmemory, 1u);
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_TRUE(GetValue(store_.get(), "c0") == Pattern(kValue, 0));
}

struct ChunkOptionCase {
  const char* name;
  size_t item_size_max;
  size_t slab_chunk_max;
  std::vector<uint32_t> slab_sizes;
  const char* want_error;  // nullptr: valid
};

TEST(StoreChunkOptionsTest, MemcachedsRulesAndMessages) {
  const ChunkOptionCase cases[] = {
      {"-I 128m", 128 * kMiB, 0, {}, nullptr},
      {"-I 1k", 1024, 0, {}, nullptr},
      {"-I 1000k, default chunk max", 1000 * kKiB, 0, {}, nullptr},
      {"chunk max 4096", kMiB, 4096, {}, nullptr},
      {"chunk max = page", 2 * kMiB, kMiB, {}, nullptr},
      {"chunk max over -I", 100 * kKiB, 200000, {},
       "slab_chunk_max (bytes: 200000) cannot be larger than -I "
       "(item_size_max 102400)"},
      {"-I not a multiple", kMiB, 1000, {},
       "-I (item_size_max: 1048576) must be evenly divisible by "
       "slab_chunk_max (bytes: 1000)"},
      {"over a page", 2 * kMiB, 2 * kMiB, {},
       "slab_chunk_max (bytes: 2097152) must divide evenly into 1048576 "
       "(slab_page_size)"},
      {"tiny chunk max", kMiB, 512, {},
       "slab_chunk_max (bytes: 512) cannot be smaller than 1024"},
      {"slab_sizes", kMiB, 0, {100, 200, 300}, nullptr},
      {"slab_sizes up to chunk max", kMiB, 0, {48, 524288}, nullptr},
      {"slab size below -n", kMiB, 0, {47}, "slab size 47 is out of valid range"},
      {"slab size over chunk max", kMiB, 0, {100, 524289},
       "slab size 524289 is out of valid range"},
      {"slab sizes descending", kMiB, 0, {300, 200},
       "slab size 200 cannot be lower than or equal to a previous class size"},
      {"slab sizes too close", kMiB, 0, {100, 105},
       "slab size 105 must be at least 8 bytes larger than previous class"},
  };
  for (const ChunkOptionCase& c : cases) {
    StoreOptions o;
    o.memory_limit = 1024 * kMiB;
    o.item_size_max = c.item_size_max;
    o.slab_chunk_max = c.slab_chunk_max;
    o.slab_sizes = c.slab_sizes;
    std::string error;
    EXPECT_EQ(Store::ValidateOptions(o, &error), c.want_error == nullptr)
        << c.name;
    EXPECT_EQ(error, c.want_error == nullptr ? "" : c.want_error) << c.name;
  }
}

}  // namespace
}  // namespace memcd
