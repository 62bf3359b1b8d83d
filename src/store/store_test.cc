#include "store/store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/hash.h"
#include "store/store_test_util.h"

namespace memcd {
namespace {

using testing_util::GetValue;
using testing_util::Put;
using testing_util::Stats;

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : store_(Options(), &clock_) {}
  static StoreOptions Options() {
    StoreOptions o;
    o.memory_limit = 8 << 20;
    return o;
  }

  FakeClock clock_;
  Store store_;
};

TEST_F(StoreTest, SetThenGet) {
  uint64_t cas = 0;
  EXPECT_EQ(Put(&store_, "key", "value", StoreMode::kSet, 42, 0, 0, &cas),
            StoreResult::kStored);
  EXPECT_EQ(cas, 1u);  // the counter starts at 1
  ItemRef ref = store_.Get("key");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref.key(), "key");
  EXPECT_EQ(ref.CopyValue(), "value");
  EXPECT_EQ(ref.client_flags(), 42u);
  EXPECT_EQ(ref.cas(), 1u);
  EXPECT_EQ(ref.exptime(), 0u);
  EXPECT_FALSE(store_.Get("nokey"));
  EXPECT_FALSE(store_.Get("ke"));

  const StoreStats s = Stats(store_);
  EXPECT_EQ(s.curr_items, 1u);
  EXPECT_EQ(s.total_items, 1u);
  EXPECT_EQ(s.bytes, 34u + 8 + 3 + 5);  // header + CAS + key + value
  EXPECT_EQ(s.curr_cas, 1u);
  EXPECT_EQ(s.limit_maxbytes, 8u << 20);
  EXPECT_EQ(s.total_malloced, 1u << 20);  // one page for class 1
  EXPECT_EQ(s.hash_power_level, 16u);
  EXPECT_EQ(s.hash_bytes, 262144u);
}

TEST_F(StoreTest, SetOverwritesAndOldReadersKeepTheirBytes) {
  ASSERT_EQ(Put(&store_, "k", "old", StoreMode::kSet, 1), StoreResult::kStored);
  ItemRef old_ref = store_.Get("k");
  ASSERT_EQ(Put(&store_, "k", "newer", StoreMode::kSet, 2),
            StoreResult::kStored);
  EXPECT_EQ(old_ref.CopyValue(), "old");
  EXPECT_EQ(old_ref.client_flags(), 1u);
  EXPECT_EQ(GetValue(&store_, "k"), "newer");
  const StoreStats s = Stats(store_);
  EXPECT_EQ(s.curr_items, 1u);
  EXPECT_EQ(s.total_items, 2u);
  EXPECT_EQ(s.bytes, 34u + 8 + 1 + 5);
}

TEST_F(StoreTest, AddAndReplace) {
  EXPECT_EQ(Put(&store_, "k", "1", StoreMode::kReplace),
            StoreResult::kNotStored);
  EXPECT_EQ(GetValue(&store_, "k"), "<miss>");
  EXPECT_EQ(Put(&store_, "k", "2", StoreMode::kAdd), StoreResult::kStored);
  EXPECT_EQ(Put(&store_, "k", "3", StoreMode::kAdd), StoreResult::kNotStored);
  EXPECT_EQ(GetValue(&store_, "k"), "2");
  EXPECT_EQ(Put(&store_, "k", "4", StoreMode::kReplace), StoreResult::kStored);
  EXPECT_EQ(GetValue(&store_, "k"), "4");
  EXPECT_EQ(Stats(store_).total_items, 2u);
}

TEST_F(StoreTest, AppendPrependKeepTheOldFlagsAndExptime) {
  EXPECT_EQ(Put(&store_, "m", "x", StoreMode::kAppend),
            StoreResult::kNotStored);
  EXPECT_EQ(Put(&store_, "m", "x", StoreMode::kPrepend),
            StoreResult::kNotStored);
  EXPECT_EQ(GetValue(&store_, "m"), "<miss>");

  const RelTime exp = clock_.ToRelTime(100);
  ASSERT_EQ(Put(&store_, "m", "ab", StoreMode::kSet, 7, exp),
            StoreResult::kStored);
  uint64_t cas = 0;
  EXPECT_EQ(Put(&store_, "m", "c", StoreMode::kAppend, 9, 0, 0, &cas),
            StoreResult::kStored);
  EXPECT_EQ(Put(&store_, "m", "z", StoreMode::kPrepend, 9),
            StoreResult::kStored);
  ItemRef ref = store_.Get("m");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref.CopyValue(), "zabc");
  EXPECT_EQ(ref.client_flags(), 7u);
  EXPECT_EQ(ref.exptime(), exp);
  EXPECT_EQ(cas, 2u);
  EXPECT_EQ(ref.cas(), 3u);
  EXPECT_EQ(Stats(store_).curr_items, 1u);
}

TEST_F(StoreTest, CasHitMissMismatch) {
  EXPECT_EQ(Put(&store_, "c", "v", StoreMode::kCas, 0, 0, 1),
            StoreResult::kNotFound);
  uint64_t cas = 0;
  ASSERT_EQ(Put(&store_, "c", "v1", StoreMode::kSet, 0, 0, 0, &cas),
            StoreResult::kStored);
  EXPECT_EQ(Put(&store_, "c", "v2", StoreMode::kCas, 0, 0, cas + 1),
            StoreResult::kExists);
  EXPECT_EQ(Put(&store_, "c", "v2", StoreMode::kCas, 0, 0, 0),
            StoreResult::kExists);  // memcached 1.6: 0 never matches
  uint64_t cas2 = 0;
  EXPECT_EQ(Put(&store_, "c", "v3", StoreMode::kCas, 5, 0, cas, &cas2),
            StoreResult::kStored);
  EXPECT_GT(cas2, cas);
  ItemRef ref = store_.Get("c");
  EXPECT_EQ(ref.CopyValue(), "v3");
  EXPECT_EQ(ref.client_flags(), 5u);
  EXPECT_EQ(ref.cas(), cas2);
  // The old CAS is spent.
  EXPECT_EQ(Put(&store_, "c", "v4", StoreMode::kCas, 0, 0, cas),
            StoreResult::kExists);
}

TEST_F(StoreTest, Delete) {
  EXPECT_FALSE(store_.Delete("d"));
  ASSERT_EQ(Put(&store_, "d", "v"), StoreResult::kStored);
  ItemRef held = store_.Get("d");
  EXPECT_TRUE(store_.Delete("d"));
  EXPECT_FALSE(store_.Delete("d"));
  EXPECT_EQ(GetValue(&store_, "d"), "<miss>");
  EXPECT_EQ(held.CopyValue(), "v");
  const StoreStats s = Stats(store_);
  EXPECT_EQ(s.curr_items, 0u);
  EXPECT_EQ(s.bytes, 0u);
  EXPECT_EQ(s.total_items, 1u);
}

struct ArithCase {
  const char* start;
  bool incr;
  uint64_t delta;
  ArithResult want;
  uint64_t want_value;
  const char* want_bytes;  // the stored value afterwards
};

TEST_F(StoreTest, Arith) {
  const ArithCase cases[] = {
      {"1", true, 1, ArithResult::kOk, 2, "2"},
      {"9", true, 1, ArithResult::kOk, 10, "10"},      // grows: new item
      {"100", false, 95, ArithResult::kOk, 5, "5  "},  // in place, padded
      {"5  ", true, 1000, ArithResult::kOk, 1005, "1005"},
      {"9", false, 100, ArithResult::kOk, 0, "0"},  // floors at 0
      {"18446744073709551615", true, 2, ArithResult::kOk, 1,
       "1                   "},  // wraps at 2^64
      {"12 a", true, 1, ArithResult::kOk, 13, "13  "},
      {"abc", true, 1, ArithResult::kNonNumeric, 0, "abc"},
      {"", true, 1, ArithResult::kNonNumeric, 0, ""},
      {"-1", false, 1, ArithResult::kNonNumeric, 0, "-1"},
      {"18446744073709551616", true, 1, ArithResult::kNonNumeric, 0,
       "18446744073709551616"},
  };
  for (const ArithCase& c : cases) {
    ASSERT_EQ(Put(&store_, "n", c.start, StoreMode::kSet, 3),
              StoreResult::kStored);
    const uint64_t cas_before = store_.Get("n").cas();
    uint64_t value = 12345, cas = 0;
    EXPECT_EQ(store_.Arith("n", c.incr, c.delta, &value, &cas), c.want)
        << c.start;
    EXPECT_EQ(GetValue(&store_, "n"), c.want_bytes) << c.start;
    if (c.want == ArithResult::kOk) {
      EXPECT_EQ(value, c.want_value) << c.start;
      EXPECT_GT(cas, cas_before) << c.start;
      EXPECT_EQ(store_.Get("n").cas(), cas) << c.start;
      EXPECT_EQ(store_.Get("n").client_flags(), 3u) << c.start;
    }
  }
  uint64_t value;
  EXPECT_EQ(store_.Arith("missing", true, 1, &value), ArithResult::kNotFound);
}

TEST_F(StoreTest, ArithLeavesHeldBytesAlone) {
  ASSERT_EQ(Put(&store_, "n", "10"), StoreResult::kStored);
  ItemRef held = store_.Get("n");
  uint64_t value = 0;
  // "11" would fit in place, but a reader holds the item: a new one is made.
  ASSERT_EQ(store_.Arith("n", true, 1, &value), ArithResult::kOk);
  EXPECT_EQ(value, 11u);
  EXPECT_EQ(held.CopyValue(), "10");
  EXPECT_EQ(GetValue(&store_, "n"), "11");
  EXPECT_EQ(Stats(store_).curr_items, 1u);
  // A shorter result is padded to the old length on either path, so what a
  // client reads back does not depend on whether a reader held the item.
  ASSERT_EQ(store_.Arith("n", false, 5, &value), ArithResult::kOk);
  EXPECT_EQ(value, 6u);
  EXPECT_EQ(GetValue(&store_, "n"), "6 ");
  EXPECT_EQ(held.CopyValue(), "10");
}

// The 16-bit refcount must not wrap however many readers hold an item (one
// get line may name a key 70,000 times): past the bound a lookup misses.
TEST_F(StoreTest, ReaderReferencesStopShortOfWrapping) {
  ASSERT_EQ(Put(&store_, "hot", "v"), StoreResult::kStored);
  std::vector<ItemRef> refs;
  refs.reserve(70000);
  int misses = 0;
  for (int i = 0; i < 70000; ++i) {
    ItemRef r = store_.Get("hot");
    if (r) {
      refs.push_back(std::move(r));
    } else {
      ++misses;
    }
  }
  EXPECT_GT(misses, 0);
  EXPECT_LT(refs.size(), 65535u);
  refs.clear();  // every reference released: the item is still linked
  EXPECT_EQ(GetValue(&store_, "hot"), "v");
  EXPECT_EQ(Stats(store_).curr_items, 1u);
}

TEST_F(StoreTest, TouchAndGetAndTouch) {
  EXPECT_FALSE(store_.Touch("t", clock_.ToRelTime(10)));
  EXPECT_FALSE(store_.GetAndTouch("t", clock_.ToRelTime(10)));
  ASSERT_EQ(Put(&store_, "t", "v", StoreMode::kSet, 0, clock_.ToRelTime(5)),
            StoreResult::kStored);
  EXPECT_TRUE(store_.Touch("t", clock_.ToRelTime(20)));
  clock_.Advance(10);
  EXPECT_EQ(GetValue(&store_, "t"), "v");  // would have expired at +5
  ItemRef ref = store_.GetAndTouch("t", clock_.ToRelTime(30));
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref.CopyValue(), "v");
  EXPECT_EQ(ref.exptime(), clock_.Now() + 30);
  clock_.Advance(29);
  EXPECT_EQ(GetValue(&store_, "t"), "v");
  clock_.Advance(1);
  EXPECT_EQ(GetValue(&store_, "t"), "<miss>");
  EXPECT_FALSE(store_.Touch("t", 0));
}

// A multi-get's window: PrefetchKeys hashes as HashKey does, and the
// lookups by hash find, miss and touch exactly as the plain ones.
TEST_F(StoreTest, PrefetchedLookupsMatchPlainOnes) {
  ASSERT_EQ(Put(&store_, "a", "1"), StoreResult::kStored);
  ASSERT_EQ(Put(&store_, "c", "3", StoreMode::kSet, 7, clock_.ToRelTime(5)),
            StoreResult::kStored);
  const std::string_view keys[] = {"a", "b", "c", "a", ""};
  uint32_t hashes[5] = {};
  store_.PrefetchKeys(keys, 5, hashes);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(hashes[i], HashKey(keys[i])) << i;
  uint32_t one = 0;
  store_.PrefetchKeys(&keys[2], 1, &one);  // one key: only hashed
  EXPECT_EQ(one, HashKey("c"));

  ItemRef a = store_.Get(keys[0], hashes[0]);
  ASSERT_TRUE(a);
  EXPECT_EQ(a.CopyValue(), "1");
  EXPECT_FALSE(store_.Get(keys[1], hashes[1]));
  EXPECT_FALSE(store_.Get(keys[4], hashes[4]));
  ItemRef c = store_.GetAndTouch(keys[2], hashes[2], clock_.ToRelTime(30));
  ASSERT_TRUE(c);
  EXPECT_EQ(c.client_flags(), 7u);
  EXPECT_EQ(c.exptime(), clock_.Now() + 30);
  EXPECT_FALSE(store_.GetAndTouch(keys[1], hashes[1], clock_.ToRelTime(30)));
  EXPECT_FALSE(store_.Get("b")) << "a touch by hash does not create the key";
  clock_.Advance(10);
  EXPECT_EQ(GetValue(&store_, "c"), "3") << "the touch by hash took";
  EXPECT_EQ(Stats(store_).get_expired, 0u);
}

struct ExpiryCase {
  const char* name;
  int64_t exptime;   // as sent by a client
  RelTime alive_at;  // seconds after the store: still there
  RelTime dead_at;   // and gone (0: never)
};

TEST_F(StoreTest, Expiry) {
  const int64_t started = clock_.process_started();
  const ExpiryCase cases[] = {
      {"relative", 10, 9, 10},
      {"absolute", started + 200 + 10, 9, 10},  // stored at Now() == 200
      {"absolute past", started + 5, 0, 0},
      {"negative", -1, 0, 0},
      {"never", 0, 1000000, 0},
  };
  int i = 0;
  for (const ExpiryCase& c : cases) {
    FakeClock clock(started, 200);
    Store store(Options(), &clock);
    const std::string key = "e" + std::to_string(i++);
    ASSERT_EQ(
        Put(&store, key, "v", StoreMode::kSet, 0, clock.ToRelTime(c.exptime)),
        StoreResult::kStored)
        << c.name;
    if (c.alive_at == 0 && c.dead_at == 0) {
      EXPECT_EQ(GetValue(&store, key), "<miss>") << c.name;  // born dead
      EXPECT_EQ(Stats(store).get_expired, 1u) << c.name;
      continue;
    }
    clock.Advance(c.alive_at);
    EXPECT_EQ(GetValue(&store, key), "v") << c.name;
    if (c.dead_at != 0) {
      clock.Advance(c.dead_at - c.alive_at);
      EXPECT_EQ(GetValue(&store, key), "<miss>") << c.name;
      const StoreStats s = Stats(store);
      EXPECT_EQ(s.get_expired, 1u) << c.name;
      EXPECT_EQ(s.curr_items, 0u) << c.name;  // unlinked lazily by the get
    }
  }
}

TEST_F(StoreTest, EveryLookupReapsExpiredItems) {
  // As memcached's do_item_get: set/delete/incr/touch also count get_expired.
  const char* keys[] = {"a", "b", "c", "d"};
  for (const char* k : keys) {
    ASSERT_EQ(Put(&store_, k, "1", StoreMode::kSet, 0, clock_.ToRelTime(1)),
              StoreResult::kStored);
  }
  clock_.Advance(1);
  EXPECT_EQ(Put(&store_, "a", "2", StoreMode::kAdd), StoreResult::kStored);
  EXPECT_FALSE(store_.Delete("b"));
  uint64_t v;
  EXPECT_EQ(store_.Arith("c", true, 1, &v), ArithResult::kNotFound);
  EXPECT_FALSE(store_.Touch("d", 0));
  const StoreStats s = Stats(store_);
  EXPECT_EQ(s.get_expired, 4u);
  EXPECT_EQ(s.curr_items, 1u);
}

TEST_F(StoreTest, TooLargeBoundary) {
  // The whole item counts against -I: 34 header + 8 CAS + 1 key + value.
  const uint32_t fits = (1u << 20) - 34 - 8 - 1;
  ItemRef ref;
  EXPECT_EQ(store_.Allocate("k", 0, 0, fits, &ref), AllocResult::kOk);
  EXPECT_TRUE(ref);
  EXPECT_EQ(store_.Allocate("k", 0, 0, fits + 1, &ref), AllocResult::kTooLarge);
  EXPECT_FALSE(ref);
  EXPECT_EQ(store_.Allocate("k", 0, 0, 1u << 20, &ref), AllocResult::kTooLarge);
  // Appending past -I cannot allocate the combined item.
  std::string big(fits - 10, 'x');
  ASSERT_EQ(Put(&store_, "k", big), StoreResult::kStored);
  EXPECT_EQ(Put(&store_, "k", std::string(11, 'y'), StoreMode::kAppend),
            StoreResult::kNoMemory);
  EXPECT_EQ(Put(&store_, "k", std::string(10, 'y'), StoreMode::kAppend),
            StoreResult::kStored);
  EXPECT_EQ(store_.Get("k").value_length(), fits);
}

TEST(StoreNoCasTest, CasIsZeroAndCasCommandsNeverMatch) {
  FakeClock clock;
  StoreOptions o;
  o.memory_limit = 4 << 20;
  o.use_cas = false;
  Store store(o, &clock);
  uint64_t cas = 99;
  ASSERT_EQ(Put(&store, "k", "v", StoreMode::kSet, 0, 0, 0, &cas),
            StoreResult::kStored);
  EXPECT_EQ(cas, 0u);
  EXPECT_EQ(store.Get("k").cas(), 0u);
  // As memcached -C: cas answers EXISTS whatever is sent.
  EXPECT_EQ(Put(&store, "k", "w", StoreMode::kCas, 0, 0, 0),
            StoreResult::kExists);
  EXPECT_EQ(Put(&store, "k", "w", StoreMode::kCas, 0, 0, 1),
            StoreResult::kExists);
  EXPECT_EQ(Put(&store, "nope", "w", StoreMode::kCas, 0, 0, 1),
            StoreResult::kNotFound);
  uint64_t value = 0;
  ASSERT_EQ(Put(&store, "n", "5"), StoreResult::kStored);
  ASSERT_EQ(store.Arith("n", true, 1, &value, &cas), ArithResult::kOk);
  EXPECT_EQ(cas, 0u);
  const StoreStats s = Stats(store);
  EXPECT_EQ(s.curr_cas, 0u);
  EXPECT_EQ(s.bytes, (34u + 1 + 1) * 2);  // no CAS bytes stored
}

struct ValidateCase {
  const char* name;
  void (*tweak)(StoreOptions*);
  const char* want_error;  // nullptr: valid
};

TEST(StoreValidateTest, RefusesWhatCannotBeServed) {
  const ValidateCase cases[] = {
      {"defaults", [](StoreOptions*) {}, nullptr},
      {"32 GiB", [](StoreOptions* o) { o->memory_limit = size_t{32} << 30; },
       nullptr},
      {"above 32 GiB",
       [](StoreOptions* o) {
         o->memory_limit = (size_t{32} << 30) + (1 << 20);
       },
       "Memory limit of 32769 MiB is above the 32768 MiB that 32-bit item ids "
       "can address."},
      {"-I 512", [](StoreOptions* o) { o->item_size_max = 512; },
       "Item max size cannot be less than 1024 bytes."},
      {"-I 2g",
       [](StoreOptions* o) {
         o->item_size_max = size_t{2} << 30;
         o->memory_limit = size_t{8} << 30;
       },
       "Cannot set item size limit higher than a gigabyte."},
      {"-m 1", [](StoreOptions* o) { o->memory_limit = 1 << 20; },
       "Cannot set item size limit higher than 1/2 of memory max."},
      {"-m 2", [](StoreOptions* o) { o->memory_limit = 2 << 20; }, nullptr},
      {"page over -m",
       [](StoreOptions* o) {
         o->memory_limit = 512 << 10;
         o->item_size_max = 64 << 10;
       },
       "Memory limit is smaller than one slab page."},
      {"-f 1", [](StoreOptions* o) { o->growth_factor = 1.0; },
       "Factor must be greater than 1"},
      {"-n 0", [](StoreOptions* o) { o->chunk_size_min = 0; },
       "Chunk size must be greater than 0"},
      {"hashpower 11", [](StoreOptions* o) { o->hashpower = 11; },
       "Initial hashtable multiplier of 11 is too low"},
      {"hashpower 33", [](StoreOptions* o) { o->hashpower = 33; },
       "Initial hashtable multiplier of 33 is too high"},
  };
  for (const ValidateCase& c : cases) {
    StoreOptions o;
    c.tweak(&o);
    std::string error;
    EXPECT_EQ(Store::ValidateOptions(o, &error), c.want_error == nullptr)
        << c.name;
    EXPECT_EQ(error, c.want_error == nullptr ? "" : c.want_error) << c.name;
  }
}

}  // namespace
}  // namespace memcd
