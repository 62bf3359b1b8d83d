#include "stats/latency_histogram.h"

#include <string>

#include "gtest/gtest.h"

namespace memcd {
namespace {

TEST(LatencyHistogramTest, BucketsAreUpperInclusivePowersOfTwoMicroseconds) {
  const struct {
    uint64_t nanos;
    int bucket;
  } kCases[] = {
      {0, 0},           {1, 0},           {1000, 0},        {1001, 1},
      {2000, 1},        {2001, 2},        {4000, 2},        {4001, 3},
      {999999, 10},     {1024000, 10},    {1024001, 11},    {1048576000, 20},
      {1048576001, 21}, {UINT64_MAX, 21},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(LatencyBucketFor(c.nanos), c.bucket) << c.nanos << " ns";
  }
}

TEST(LatencyHistogramTest, EveryBoundFallsInItsOwnBucket) {
  for (int i = 0; i < kLatencyBuckets; ++i) {
    EXPECT_EQ(LatencyBucketFor(LatencyBucketBoundNanos(i)), i);
    EXPECT_EQ(LatencyBucketFor(LatencyBucketBoundNanos(i) + 1), i + 1);
  }
}

TEST(LatencyHistogramTest, LabelsAreExactSeconds) {
  EXPECT_EQ(LatencyBucketLabel(0), "0.000001");
  EXPECT_EQ(LatencyBucketLabel(1), "0.000002");
  EXPECT_EQ(LatencyBucketLabel(10), "0.001024");
  EXPECT_EQ(LatencyBucketLabel(20), "1.048576");
}

TEST(LatencyHistogramTest, SnapshotSumsWorkers) {
  LatencyHistogram a, b;
  a.Record(500);
  a.Record(3000);
  b.Record(3500);
  b.Record(5000000000);  // 5 s: overflow
  LatencySnapshot s;
  s.Add(a);
  s.Add(b);
  EXPECT_EQ(s.count(), 4u);
  EXPECT_EQ(s.sum_nanos, 500u + 3000 + 3500 + 5000000000u);
  EXPECT_EQ(s.buckets[0], 1u);
  EXPECT_EQ(s.buckets[2], 2u);
  EXPECT_EQ(s.buckets[kLatencyBuckets], 1u);
}

TEST(LatencyHistogramTest, FamilyNames) {
  EXPECT_STREQ(CommandFamilyName(CommandFamily::kGet), "get");
  EXPECT_STREQ(CommandFamilyName(CommandFamily::kIncrDecr), "incr_decr");
  EXPECT_STREQ(CommandFamilyName(CommandFamily::kMetaArith), "meta_arithmetic");
  EXPECT_STREQ(CommandFamilyName(CommandFamily::kOther), "other");
}

}  // namespace
}  // namespace memcd
