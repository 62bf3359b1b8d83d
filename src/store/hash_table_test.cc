#include "store/hash_table.h"

#include <gtest/gtest.h>

#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "base/hash.h"
#include "store/arena.h"

namespace memcd {
namespace {

class HashTableTest : public ::testing::Test {
 protected:
  HashTableTest() : arena_(1 << 16), table_(2, &arena_) {}

  // A minimal item (no CAS, no value) in slot `n` of the arena.
  Item* MakeItem(int n, const std::string& key) {
    Item* item = new (arena_.base() + n * 64) Item;
    item->h_next = kNullItemId;
    item->flags.store(0);
    item->key_length = static_cast<uint8_t>(key.size());
    item->value_length = 0;
    std::memcpy(item->key_data(), key.data(), key.size());
    return item;
  }

  Arena arena_;
  HashTable table_;  // 4 buckets: collisions are easy to make
};

TEST_F(HashTableTest, Geometry) {
  EXPECT_EQ(table_.hashpower(), 2);
  EXPECT_EQ(table_.bucket_count(), 4u);
  EXPECT_EQ(table_.bytes(), 16u);
  HashTable big(16, &arena_);
  EXPECT_EQ(big.bytes(), 262144u);  // 4-byte ids: half of memcached's 512 KiB
}

TEST_F(HashTableTest, InsertFindRemove) {
  Item* a = MakeItem(0, "alpha");
  EXPECT_EQ(table_.Find("alpha", 1), nullptr);
  table_.Insert(a, 1);
  EXPECT_EQ(table_.Find("alpha", 1), a);
  EXPECT_EQ(table_.Find("alph", 1), nullptr);  // prefix is not a match
  EXPECT_EQ(table_.Find("alphab", 1), nullptr);
  EXPECT_EQ(table_.Find("alpha", 2), nullptr);  // another bucket
  EXPECT_EQ(table_.Find("alpha", 5), a);        // same bucket (5 & 3 == 1)
  EXPECT_TRUE(table_.Remove(a, 1));
  EXPECT_EQ(table_.Find("alpha", 1), nullptr);
  EXPECT_FALSE(table_.Remove(a, 1));
}

TEST_F(HashTableTest, CollisionsChainAndUnchainInAnyOrder) {
  // Three keys in one bucket, removed head, middle and tail first.
  const int orders[][3] = {{0, 1, 2}, {1, 0, 2}, {2, 1, 0}, {1, 2, 0}};
  for (const auto& order : orders) {
    Item* items[3] = {MakeItem(0, "k0"), MakeItem(1, "k1"), MakeItem(2, "k2")};
    for (int i = 0; i < 3; ++i) table_.Insert(items[i], 7 + 4 * i);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(table_.Find("k" + std::to_string(i), 3), items[i]);
    }
    for (int step = 0; step < 3; ++step) {
      const int gone = order[step];
      EXPECT_TRUE(table_.Remove(items[gone], 3));
      for (int i = 0; i < 3; ++i) {
        bool removed = false;
        for (int s = 0; s <= step; ++s) removed |= order[s] == i;
        EXPECT_EQ(table_.Find("k" + std::to_string(i), 3),
                  removed ? nullptr : items[i])
            << "order " << order[0] << order[1] << order[2] << " step " << step;
      }
    }
  }
}

TEST_F(HashTableTest, ReplaceKeepsTheRestOfTheChain) {
  Item* a = MakeItem(0, "a");
  Item* b_old = MakeItem(1, "b");
  Item* c = MakeItem(2, "c");
  Item* b_new = MakeItem(3, "b");
  table_.Insert(a, 0);
  table_.Insert(b_old, 0);
  table_.Insert(c, 0);
  table_.Replace(b_old, b_new, 0);
  EXPECT_EQ(table_.Find("a", 0), a);
  EXPECT_EQ(table_.Find("b", 0), b_new);
  EXPECT_EQ(table_.Find("c", 0), c);
  EXPECT_FALSE(table_.Remove(b_old, 0));
  EXPECT_TRUE(table_.Remove(b_new, 0));
  EXPECT_EQ(table_.Find("b", 0), nullptr);
  EXPECT_EQ(table_.Find("a", 0), a);
  EXPECT_EQ(table_.Find("c", 0), c);
}


// Growth tests use the real key hash: migration rehashes keys.
class HashTableGrowthTest : public HashTableTest {
 protected:
  Item* Add(HashTable* table, int n) {
    const std::string key = "key" + std::to_string(n);
    Item* item = MakeItem(n, key);
    table->Insert(item, HashKey(key));
    return item;
  }
  // Every item of `items` (slot n holds "key<n>") is found, and no other.
  void ExpectExactly(const HashTable& table, const std::vector<int>& present,
                     int slots, const std::string& when) {
    for (int n = 0; n < slots; ++n) {
      const std::string key = "key" + std::to_string(n);
      bool want = false;
      for (int p : present) want |= p == n;
      Item* found = table.Find(key, HashKey(key));
      EXPECT_EQ(found, want ? reinterpret_cast<Item*>(arena_.base() + n * 64)
                            : nullptr)
          << key << " " << when;
    }
  }
};

TEST_F(HashTableGrowthTest, WantsToGrowAboveOneAndAHalfItemsPerBucket) {
  // 4 buckets: memcached's rule is items > 4 * 3 / 2 = 6.
  for (int n = 0; n < 6; ++n) Add(&table_, n);
  EXPECT_EQ(table_.item_count(), 6u);
  EXPECT_FALSE(table_.WantsToGrow());
  Add(&table_, 6);
  EXPECT_EQ(table_.item_count(), 7u);
  EXPECT_TRUE(table_.WantsToGrow());
  EXPECT_TRUE(table_.Remove(reinterpret_cast<Item*>(arena_.base()),
                            HashKey("key0")));
  EXPECT_EQ(table_.item_count(), 6u);
  EXPECT_FALSE(table_.WantsToGrow());
}

TEST_F(HashTableGrowthTest, MigrationKeepsEveryKeyFindable) {
  std::vector<int> present;
  for (int n = 0; n < 12; ++n) {
    Add(&table_, n);
    present.push_back(n);
  }
  ASSERT_TRUE(table_.WantsToGrow());
  ASSERT_TRUE(table_.StartExpansion());
  EXPECT_TRUE(table_.is_expanding());
  EXPECT_FALSE(table_.WantsToGrow());  // already expanding
  EXPECT_EQ(table_.hashpower(), 3);
  EXPECT_EQ(table_.bucket_count(), 8u);
  EXPECT_EQ(table_.bytes(), (8u + 4u) * 4u);  // both arrays while expanding
  EXPECT_EQ(table_.old_bucket_count(), 4u);
  ExpectExactly(table_, present, 20, "after start");
  int next = 12;
  for (size_t b = 0; b < 4; ++b) {
    table_.do_MigrateBucket(b);
    ExpectExactly(table_, present, 20, "after bucket " + std::to_string(b));
    // Writers keep going mid-migration: one insert and one removal per
    // step, landing in migrated and unmigrated buckets alike.
    Add(&table_, next);
    present.push_back(next++);
    const int gone = present.front();
    const std::string key = "key" + std::to_string(gone);
    EXPECT_TRUE(table_.Remove(table_.Find(key, HashKey(key)), HashKey(key)));
    present.erase(present.begin());
    ExpectExactly(table_, present, 20, "after writes " + std::to_string(b));
  }
  table_.FinishExpansion();
  EXPECT_FALSE(table_.is_expanding());
  EXPECT_EQ(table_.hashpower(), 3);
  EXPECT_EQ(table_.bytes(), 32u);
  EXPECT_EQ(table_.old_bucket_count(), 0u);
  EXPECT_EQ(table_.item_count(), 12u);
  ExpectExactly(table_, present, 20, "after finish");
  // Replace still finds its link in the grown table.
  Item* fresh = MakeItem(40, "key15");
  table_.Replace(table_.Find("key15", HashKey("key15")), fresh,
                 HashKey("key15"));
  EXPECT_EQ(table_.Find("key15", HashKey("key15")), fresh);
}

TEST_F(HashTableGrowthTest, StopsAtMaxPower) {
  HashTable table(2, &arena_, /*max_power=*/3);
  for (int n = 0; n < 30; ++n) Add(&table, n);
  ASSERT_TRUE(table.WantsToGrow());
  ASSERT_TRUE(table.StartExpansion());
  for (size_t b = 0; b < 4; ++b) table.do_MigrateBucket(b);
  table.FinishExpansion();
  EXPECT_EQ(table.hashpower(), 3);
  EXPECT_FALSE(table.WantsToGrow());  // 30 > 12, but 2^3 is the cap
  EXPECT_FALSE(table.StartExpansion());
  EXPECT_EQ(table.hashpower(), 3);
  EXPECT_FALSE(table.is_expanding());
  std::vector<int> all;
  for (int n = 0; n < 30; ++n) all.push_back(n);
  ExpectExactly(table, all, 40, "at the cap");
}

TEST_F(HashTableGrowthTest, GrowsAgainAfterADoubling) {
  for (int n = 0; n < 25; ++n) Add(&table_, n);
  for (int power = 3; power <= 5; ++power) {
    ASSERT_TRUE(table_.WantsToGrow()) << power;
    ASSERT_TRUE(table_.StartExpansion());
    const size_t old_buckets = table_.old_bucket_count();
    EXPECT_EQ(old_buckets, size_t{1} << (power - 1));
    for (size_t b = 0; b < old_buckets; ++b) table_.do_MigrateBucket(b);
    table_.FinishExpansion();
    EXPECT_EQ(table_.hashpower(), power);
  }
  EXPECT_FALSE(table_.WantsToGrow());  // 25 <= 32 * 1.5
  std::vector<int> all;
  for (int n = 0; n < 25; ++n) all.push_back(n);
  ExpectExactly(table_, all, 30, "after three doublings");
}

}  // namespace
}  // namespace memcd
