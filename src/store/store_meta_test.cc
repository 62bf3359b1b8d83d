// The meta protocol's store operations: vivify, the stale/win/recache
// model, CAS-guarded and invalidating deletes and stores, and ma.
#include <gtest/gtest.h>

#include <string>

#include "store/store.h"
#include "store/store_test_util.h"

namespace memcd {
namespace {

using testing_util::GetValue;
using testing_util::Put;

class StoreMetaTest : public ::testing::Test {
 protected:
  StoreMetaTest() : store_(Options(), &clock_) {}
  static StoreOptions Options() {
    StoreOptions o;
    o.memory_limit = 8 << 20;
    return o;
  }
  // An ms with I and C `cas` of `value` over `key`.
  StoreResult InvalidatingSet(std::string_view key, std::string_view value,
                              uint64_t cas) {
    ItemRef item;
    EXPECT_EQ(store_.Allocate(key, 0, 0, static_cast<uint32_t>(value.size()),
                              &item),
              AllocResult::kOk);
    ValueWriter writer(item);
    writer.Write(value.data(), value.size());
    return store_.MetaStoreItem(item, StoreMode::kCas, cas, true, nullptr);
  }

  FakeClock clock_;  // now = 100
  Store store_;
};

TEST_F(StoreMetaTest, MissWithoutVivifyIsEmpty) {
  MetaGetResult r;
  store_.MetaGet("k", MetaGetOptions(), &r);
  EXPECT_FALSE(r.item);
  EXPECT_FALSE(r.won);
  EXPECT_FALSE(r.created);
}

TEST_F(StoreMetaTest, VivifyWinsOnceThenOthersSeeTheToken) {
  MetaGetOptions o;
  o.vivify = true;
  o.vivify_exptime = 130;
  MetaGetResult first;
  store_.MetaGet("k", o, &first);
  ASSERT_TRUE(first.item);
  EXPECT_TRUE(first.created);
  EXPECT_TRUE(first.won);
  EXPECT_FALSE(first.token_sent);
  EXPECT_EQ(first.item.value_length(), 0u);
  EXPECT_EQ(first.item.exptime(), 130u);

  MetaGetResult second;
  store_.MetaGet("k", o, &second);
  ASSERT_TRUE(second.item);
  EXPECT_FALSE(second.created);
  EXPECT_FALSE(second.won);
  EXPECT_TRUE(second.token_sent);

  // Replacing the item clears the token.
  ASSERT_EQ(Put(&store_, "k", "v"), StoreResult::kStored);
  MetaGetResult third;
  store_.MetaGet("k", o, &third);
  EXPECT_FALSE(third.won);
  EXPECT_FALSE(third.token_sent);
  EXPECT_EQ(third.item.CopyValue(), "v");
}

TEST_F(StoreMetaTest, RecacheWinsWhenTheTtlIsBelowTheThreshold) {
  ASSERT_EQ(Put(&store_, "k", "v", StoreMode::kSet, 0, 110),
            StoreResult::kStored);
  MetaGetOptions o;
  o.recache = true;
  o.recache_time = 105;  // exptime 110 is not below it
  MetaGetResult r;
  store_.MetaGet("k", o, &r);
  EXPECT_FALSE(r.won);
  o.recache_time = 130;
  store_.MetaGet("k", o, &r);
  EXPECT_TRUE(r.won);
  store_.MetaGet("k", o, &r);
  EXPECT_FALSE(r.won);
  EXPECT_TRUE(r.token_sent);
}

TEST_F(StoreMetaTest, RecacheNeverWinsOnAnImmortalItem) {
  ASSERT_EQ(Put(&store_, "k", "v"), StoreResult::kStored);
  MetaGetOptions o;
  o.recache = true;
  o.recache_time = 1000;
  MetaGetResult r;
  store_.MetaGet("k", o, &r);
  EXPECT_FALSE(r.won);
}

TEST_F(StoreMetaTest, TouchHitAndFetchedBeforeThisCall) {
  ASSERT_EQ(Put(&store_, "k", "v", StoreMode::kSet, 0, 150),
            StoreResult::kStored);
  clock_.Advance(7);
  MetaGetOptions o;
  o.set_exptime = true;
  o.exptime = 500;
  MetaGetResult r;
  store_.MetaGet("k", o, &r);
  EXPECT_FALSE(r.fetched);
  EXPECT_EQ(r.last_access, 100u);
  EXPECT_EQ(r.exptime_before, 150u);
  EXPECT_EQ(r.item.exptime(), 500u);
  store_.MetaGet("k", MetaGetOptions(), &r);
  EXPECT_TRUE(r.fetched);
}

TEST_F(StoreMetaTest, NoBumpLeavesTheFetchedBitAlone) {
  ASSERT_EQ(Put(&store_, "k", "v"), StoreResult::kStored);
  MetaGetOptions o;
  o.no_bump = true;
  MetaGetResult r;
  store_.MetaGet("k", o, &r);
  store_.MetaGet("k", o, &r);
  EXPECT_FALSE(r.fetched);
}

TEST_F(StoreMetaTest, DeleteWithCasAndInvalidate) {
  uint64_t cas = 0;
  ASSERT_EQ(Put(&store_, "k", "v", StoreMode::kSet, 0, 0, 0, &cas),
            StoreResult::kStored);
  EXPECT_EQ(store_.MetaDelete("k", true, cas + 1, false, false, 0),
            MetaDeleteResult::kExists);
  EXPECT_EQ(store_.MetaDelete("nokey", false, 0, false, false, 0),
            MetaDeleteResult::kNotFound);
  // Invalidate: kept, stale, new CAS and TTL; the next reader wins.
  EXPECT_EQ(store_.MetaDelete("k", true, cas, true, true, 130),
            MetaDeleteResult::kDeleted);
  MetaGetResult r;
  store_.MetaGet("k", MetaGetOptions(), &r);
  ASSERT_TRUE(r.item);
  EXPECT_TRUE(r.stale);
  EXPECT_TRUE(r.won);
  EXPECT_GT(r.item.cas(), cas);
  EXPECT_EQ(r.item.exptime(), 130u);
  store_.MetaGet("k", MetaGetOptions(), &r);
  EXPECT_TRUE(r.stale);
  EXPECT_FALSE(r.won);
  EXPECT_TRUE(r.token_sent);
  const uint64_t stale_cas = r.item.cas();
  r = MetaGetResult();

  // ms I with an older CAS: stored, still stale, token kept, TTL kept.
  EXPECT_EQ(InvalidatingSet("k", "old", stale_cas - 1), StoreResult::kStored);
  store_.MetaGet("k", MetaGetOptions(), &r);
  EXPECT_EQ(r.item.CopyValue(), "old");
  EXPECT_TRUE(r.stale);
  EXPECT_TRUE(r.token_sent);
  EXPECT_EQ(r.item.exptime(), 130u);
  const uint64_t now_cas = r.item.cas();
  r = MetaGetResult();
  // ms I with a newer CAS is an ordinary mismatch.
  EXPECT_EQ(InvalidatingSet("k", "new", now_cas + 5), StoreResult::kExists);
  // The matching CAS replaces it for good: no longer stale.
  EXPECT_EQ(InvalidatingSet("k", "new", now_cas), StoreResult::kStored);
  store_.MetaGet("k", MetaGetOptions(), &r);
  EXPECT_FALSE(r.stale);
  EXPECT_FALSE(r.token_sent);
  EXPECT_EQ(r.item.CopyValue(), "new");

  EXPECT_EQ(store_.MetaDelete("k", false, 0, false, false, 0),
            MetaDeleteResult::kDeleted);
  EXPECT_EQ(GetValue(&store_, "k"), "<miss>");
}

TEST_F(StoreMetaTest, AppendWithCasMustMatch) {
  uint64_t cas = 0;
  ASSERT_EQ(Put(&store_, "k", "a", StoreMode::kSet, 0, 0, 0, &cas),
            StoreResult::kStored);
  ItemRef item;
  ASSERT_EQ(store_.Allocate("k", 0, 0, 1, &item), AllocResult::kOk);
  ValueWriter(item).Write("b", 1);
  EXPECT_EQ(store_.MetaStoreItem(item, StoreMode::kAppend, cas + 1, false,
                                 nullptr),
            StoreResult::kExists);
  EXPECT_EQ(store_.MetaStoreItem(item, StoreMode::kAppend, cas, false,
                                 nullptr),
            StoreResult::kStored);
  EXPECT_EQ(GetValue(&store_, "k"), "ab");
}

struct ArithCase {
  const char* name;
  const char* initial;  // nullptr: the key is missing
  MetaArithOptions options;
  MetaArithResult want;
  uint64_t want_value;
  const char* want_stored;  // value afterwards, or "<miss>"
};

TEST_F(StoreMetaTest, Arith) {
  auto opts = [](bool incr, uint64_t delta, bool vivify, uint64_t initial) {
    MetaArithOptions o;
    o.incr = incr;
    o.delta = delta;
    o.vivify = vivify;
    o.initial = initial;
    return o;
  };
  const ArithCase cases[] = {
      {"incr", "10", opts(true, 5, false, 0), MetaArithResult::kOk, 15, "15"},
      {"decr floors", "10", opts(false, 50, false, 0), MetaArithResult::kOk, 0,
       "0 "},
      {"miss", nullptr, opts(true, 1, false, 0), MetaArithResult::kNotFound, 0,
       "<miss>"},
      {"vivify", nullptr, opts(true, 1, true, 42), MetaArithResult::kCreated,
       42, "42"},
      {"non numeric", "x", opts(true, 1, true, 0),
       MetaArithResult::kNonNumeric, 0, "x"},
  };
  for (const ArithCase& c : cases) {
    SCOPED_TRACE(c.name);
    store_.MetaDelete("n", false, 0, false, false, 0);
    if (c.initial != nullptr) {
      ASSERT_EQ(Put(&store_, "n", c.initial), StoreResult::kStored);
    }
    MetaArithOutcome out;
    EXPECT_EQ(store_.MetaArith("n", c.options, &out), c.want);
    EXPECT_EQ(out.value, c.want_value);
    EXPECT_EQ(GetValue(&store_, "n"), c.want_stored);
  }
}

TEST_F(StoreMetaTest, ArithCasCompareAndTtl) {
  uint64_t cas = 0;
  ASSERT_EQ(Put(&store_, "n", "1", StoreMode::kSet, 0, 150, 0, &cas),
            StoreResult::kStored);
  MetaArithOptions o;
  o.compare_cas = true;
  o.cas = cas + 1;
  MetaArithOutcome out;
  EXPECT_EQ(store_.MetaArith("n", o, &out), MetaArithResult::kExists);
  o.cas = cas;
  o.set_exptime = true;
  o.exptime = 300;
  EXPECT_EQ(store_.MetaArith("n", o, &out), MetaArithResult::kOk);
  EXPECT_EQ(out.value, 2u);
  EXPECT_EQ(out.exptime_before, 150u);
  EXPECT_GT(out.cas, cas);
  ItemRef ref = store_.Get("n");
  EXPECT_EQ(ref.exptime(), 300u);
  EXPECT_EQ(ref.cas(), out.cas);
}

// E<cas>: every change that links or restamps an item can take the client's
// CAS instead of a fresh one; a following compare with it succeeds.
TEST_F(StoreMetaTest, ExplicitCasOnStore) {
  ItemRef item;
  ASSERT_EQ(store_.Allocate("k", 3, 0, 1, &item), AllocResult::kOk);
  ValueWriter(item).Write("a", 1);
  uint64_t cas = 0;
  EXPECT_EQ(store_.MetaStoreItem(item, StoreMode::kSet, 0, false, &cas, 500),
            StoreResult::kStored);
  EXPECT_EQ(cas, 500u);
  EXPECT_EQ(store_.Get("k").cas(), 500u);
  MetaGetResult r;
  store_.MetaGet("k", MetaGetOptions(), &r);
  EXPECT_EQ(r.item.cas(), 500u);
  r = MetaGetResult();
  // The explicit CAS compares like any other, and a fresh one follows on.
  uint64_t next = 0;
  EXPECT_EQ(Put(&store_, "k", "b", StoreMode::kCas, 0, 0, 499, &next),
            StoreResult::kExists);
  EXPECT_EQ(Put(&store_, "k", "b", StoreMode::kCas, 0, 0, 500, &next),
            StoreResult::kStored);
  EXPECT_NE(next, 500u);
  EXPECT_EQ(GetValue(&store_, "k"), "b");
}

TEST_F(StoreMetaTest, ExplicitCasOnArithVivifyAndInvalidate) {
  MetaArithOptions a;
  a.vivify = true;
  a.initial = 5;
  a.new_cas = 77;
  MetaArithOutcome out;
  EXPECT_EQ(store_.MetaArith("n", a, &out), MetaArithResult::kCreated);
  EXPECT_EQ(out.cas, 77u);
  a.new_cas = 88;
  EXPECT_EQ(store_.MetaArith("n", a, &out), MetaArithResult::kOk);
  EXPECT_EQ(out.cas, 88u);
  EXPECT_EQ(store_.Get("n").cas(), 88u);

  MetaGetOptions g;
  g.vivify = true;
  g.new_cas = 1234;
  MetaGetResult r;
  store_.MetaGet("v", g, &r);
  ASSERT_TRUE(r.created);
  EXPECT_EQ(r.item.cas(), 1234u);
  r = MetaGetResult();
  store_.MetaGet("v", g, &r);  // a hit: E changes nothing
  EXPECT_EQ(r.item.cas(), 1234u);
  r = MetaGetResult();

  MetaDeleteOptions d;
  d.invalidate = true;
  d.new_cas = 999;
  EXPECT_EQ(store_.MetaDelete("v", d), MetaDeleteResult::kDeleted);
  store_.MetaGet("v", MetaGetOptions(), &r);
  EXPECT_TRUE(r.stale);
  EXPECT_EQ(r.item.cas(), 999u);
}

// md x, as newer memcached: an empty item in place, client flags and TTL
// from md's own F and T (0 without them), the old CAS kept unless E.
TEST_F(StoreMetaTest, DeleteRemoveValue) {
  uint64_t cas = 0;
  ASSERT_EQ(Put(&store_, "k", "value", StoreMode::kSet, 7, 150, 0, &cas),
            StoreResult::kStored);
  MetaDeleteOptions d;
  d.remove_value = true;
  d.compare_cas = true;
  d.cas = cas + 1;
  EXPECT_EQ(store_.MetaDelete("k", d), MetaDeleteResult::kExists);
  EXPECT_EQ(GetValue(&store_, "k"), "value");
  d.cas = cas;
  EXPECT_EQ(store_.MetaDelete("k", d), MetaDeleteResult::kDeleted);
  ItemRef ref = store_.Get("k");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref.value_length(), 0u);
  EXPECT_EQ(ref.client_flags(), 0u);
  EXPECT_EQ(ref.exptime(), 0u);
  EXPECT_EQ(ref.cas(), cas);
  ref.Reset();

  d = MetaDeleteOptions();
  d.remove_value = true;
  d.client_flags = 9;
  d.set_exptime = true;
  d.exptime = 200;
  d.new_cas = 42;
  EXPECT_EQ(store_.MetaDelete("k", d), MetaDeleteResult::kDeleted);
  ref = store_.Get("k");
  EXPECT_EQ(ref.client_flags(), 9u);
  EXPECT_EQ(ref.exptime(), 200u);
  EXPECT_EQ(ref.cas(), 42u);
  ref.Reset();

  // With I: the empty item is also stale, with a fresh CAS.
  ASSERT_EQ(Put(&store_, "k", "again"), StoreResult::kStored);
  d = MetaDeleteOptions();
  d.remove_value = true;
  d.invalidate = true;
  EXPECT_EQ(store_.MetaDelete("k", d), MetaDeleteResult::kDeleted);
  MetaGetResult r;
  store_.MetaGet("k", MetaGetOptions(), &r);
  ASSERT_TRUE(r.item);
  EXPECT_EQ(r.item.value_length(), 0u);
  EXPECT_TRUE(r.stale);
  EXPECT_TRUE(r.won);
  r = MetaGetResult();
  EXPECT_EQ(store_.MetaDelete("nokey", d), MetaDeleteResult::kNotFound);
}

TEST(StoreMetaNoCasTest, ExplicitCasIgnoredWithoutCas) {
  FakeClock clock;
  StoreOptions o;
  o.memory_limit = 8 << 20;
  o.use_cas = false;
  Store store(o, &clock);
  ItemRef item;
  ASSERT_EQ(store.Allocate("k", 0, 0, 1, &item), AllocResult::kOk);
  ValueWriter(item).Write("a", 1);
  uint64_t cas = 1;
  EXPECT_EQ(store.MetaStoreItem(item, StoreMode::kSet, 0, false, &cas, 500),
            StoreResult::kStored);
  EXPECT_EQ(cas, 0u);
  EXPECT_EQ(store.Get("k").cas(), 0u);
  MetaDeleteOptions d;
  d.remove_value = true;
  d.new_cas = 9;
  EXPECT_EQ(store.MetaDelete("k", d), MetaDeleteResult::kDeleted);
  EXPECT_EQ(store.Get("k").cas(), 0u);
  EXPECT_EQ(GetValue(&store, "k"), "");
}

}  // namespace
}  // namespace memcd
