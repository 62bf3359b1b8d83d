#include "store/hash_table.h"

#include <gtest/gtest.h>

#include <cstring>
#include <new>
#include <string>

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

}  // namespace
}  // namespace memcd
