// memcached's -o suboptions (suboptions.cc), through ParseCommandLine.
#include <gflags/gflags.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/command_line_test_util.h"
#include "server/flags.h"

namespace memcd {
namespace {

using command_line_test::ExpectSameOptions;
using command_line_test::Join;
using command_line_test::Outcome;
using command_line_test::ParseArgs;
using command_line_test::Split;

TEST(CommandLineTest, LruCrawlerSuboptionsAndDisableDumping) {
  struct Case {
    std::vector<std::string> args;
    bool thread;
    uint32_t sleep;
    uint32_t tocrawl;
    bool dump;
  };
  const Case kCases[] = {
      {{}, true, 100, 0, true},
      {{"-o", "no_lru_crawler"}, false, 100, 0, true},
      {{"-o", "no_lru_crawler,lru_crawler"}, true, 100, 0, true},
      {{"-o", "lru_crawler_sleep=0,lru_crawler_tocrawl=500"}, true, 0, 500,
       true},
      {{"-o", "lru_crawler_sleep=1000000"}, true, 1000000, 0, true},
      {{"-X"}, true, 100, 0, false},
      {{"--disable-dumping"}, true, 100, 0, false},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ("", o.err);
    EXPECT_EQ(c.thread, o.options.store.lru_crawler_thread);
    EXPECT_EQ(c.sleep, o.options.store.lru_crawler_sleep);
    EXPECT_EQ(c.tocrawl, o.options.store.lru_crawler_tocrawl);
    EXPECT_EQ(c.dump, o.options.dump_enabled);
  }
  const std::pair<std::vector<std::string>, std::string> kBad[] = {
      {{"-o", "lru_crawler_sleep=1000001"},
       "memcd: LRU crawler sleep must be between 0 and 1 second\n"},
      {{"-o", "lru_crawler_tocrawl=-1"},
       "memcd: lru_crawler_tocrawl must not be negative\n"},
      {{"-o", "lru_crawler_sleep"},
       "memcd: Missing numeric argument for lru_crawler_sleep\n"},
  };
  for (const auto& c : kBad) {
    SCOPED_TRACE(Join(c.first));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.first);
    EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
    EXPECT_EQ(c.second, o.err);
  }
}

TEST(CommandLineTest, LruSuboptions) {
  {
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({});
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    const StoreOptions& s = o.options.store;
    EXPECT_TRUE(s.lru_maintainer_thread);
    EXPECT_TRUE(s.lru_segmented);
    EXPECT_EQ(20u, s.hot_lru_pct);
    EXPECT_EQ(40u, s.warm_lru_pct);
    EXPECT_DOUBLE_EQ(0.2, s.hot_max_factor);
    EXPECT_DOUBLE_EQ(2.0, s.warm_max_factor);
    EXPECT_FALSE(s.temp_lru);
    EXPECT_EQ(61, s.temporary_ttl);
  }
  {
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({"-o",
                           "hot_lru_pct=10,warm_lru_pct=30,hot_max_factor=0.5,"
                           "warm_max_factor=3,temporary_ttl=30"});
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ("", o.err);
    const StoreOptions& s = o.options.store;
    EXPECT_EQ(10u, s.hot_lru_pct);
    EXPECT_EQ(30u, s.warm_lru_pct);
    EXPECT_DOUBLE_EQ(0.5, s.hot_max_factor);
    EXPECT_DOUBLE_EQ(3.0, s.warm_max_factor);
    EXPECT_TRUE(s.temp_lru);
    EXPECT_EQ(30, s.temporary_ttl);
  }
  {
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({"-o", "no_lru_maintainer"});
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ("", o.err);
    EXPECT_FALSE(o.options.store.lru_maintainer_thread);
    EXPECT_FALSE(o.options.store.lru_segmented);
  }
  {
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({"-o", "no_lru_maintainer,lru_maintainer"});
    EXPECT_TRUE(o.options.store.lru_maintainer_thread);
  }
  const struct {
    std::vector<std::string> args;
    std::string err;
  } kBad[] = {
      {{"-o", "hot_lru_pct=80"}, "memcd: hot_lru_pct must be > 1 and < 80\n"},
      {{"-o", "warm_lru_pct=0"}, "memcd: warm_lru_pct must be > 1 and < 80\n"},
      {{"-o", "hot_lru_pct=50,warm_lru_pct=40"},
       "memcd: hot_lru_pct + warm_lru_pct cannot be more than 80% combined\n"},
      {{"-o", "hot_max_factor=0"},
       "memcd: hot_max_factor and warm_max_factor must be greater than 0\n"},
      {{"-o", "temporary_ttl"},
       "memcd: Missing numeric argument for temporary_ttl\n"},
      {{"-o", "warm_lru_pct=x"},
       "memcd: invalid value \"x\" for -o warm_lru_pct\n"},
  };
  for (const auto& c : kBad) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
    EXPECT_EQ(c.err, o.err);
  }
}

TEST(CommandLineTest, SlabMoverSuboptions) {
  const struct {
    std::vector<std::string> args;
    bool reassign;
    int automove;
    double ratio;
    uint32_t window;
  } kCases[] = {
      {{}, true, 1, 0.8, 30},  // memcached 1.6's defaults
      {{"-o", "no_slab_reassign"}, false, 1, 0.8, 30},
      {{"-o", "no_slab_reassign,slab_reassign"}, true, 1, 0.8, 30},
      {{"-o", "slab_reassign=0"}, true, 1, 0.8, 30},  // value ignored
      {{"-o", "slab_automove=2"}, true, 2, 0.8, 30},
      {{"-o", "slab_automove=0"}, true, 0, 0.8, 30},
      {{"-o", "no_slab_automove"}, true, 0, 0.8, 30},
      {{"-o", "slab_automove=0,slab_automove"}, true, 1, 0.8, 30},
      {{"-o", "slab_automove_ratio=0.5,slab_automove_window=10"},
       true, 1, 0.5, 10},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ("", o.err);
    const StoreOptions& s = o.options.store;
    EXPECT_EQ(c.reassign, s.slab_reassign);
    EXPECT_EQ(c.reassign, s.slab_mover_thread);
    EXPECT_EQ(c.automove, s.slab_automove);
    EXPECT_DOUBLE_EQ(c.ratio, s.slab_automove_ratio);
    EXPECT_EQ(c.window, s.slab_automove_window);
  }
  const struct {
    std::vector<std::string> args;
    std::string err;
  } kBad[] = {
      {{"-o", "slab_automove=3"},
       "memcd: slab_automove must be between 0 and 2\n"},
      {{"-o", "slab_automove=-1"},
       "memcd: slab_automove must be between 0 and 2\n"},
      {{"-o", "slab_automove_ratio"},
       "memcd: Missing slab_automove_ratio argument\n"},
      {{"-o", "slab_automove_window=x"},
       "memcd: invalid value \"x\" for -o slab_automove_window\n"},
  };
  for (const auto& c : kBad) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
    EXPECT_EQ(c.err, o.err);
  }
}

TEST(CommandLineTest, EveryMemcachedSuboptionIsAcceptedWithAWarning) {
  // memcached 1.6.18's -o names (its table plus extstore's), hashpower,
  // no_hashexpand, the LRU ones (LruSuboptions) and the slab mover's
  // (SlabMoverSuboptions) aside.
  const std::string kNames =
      "tail_repair_time "
      "hash_algorithm "
      "no_inline_ascii_resp modern "
      "no_modern no_chunked_items "
      "inline_ascii_resp "
      "no_drop_privileges drop_privileges resp_obj_mem_limit "
      "read_buf_mem_limit sock_cookie_id ext_path ext_page_size ext_wbuf_size "
      "ext_threads ext_io_depth ext_item_size ext_item_age ext_low_ttl "
      "ext_recache_rate ext_compact_under ext_drop_under ext_max_sleep "
      "ext_max_frag ext_drop_unread slab_automove_freeratio";
  for (const std::string& name : Split(kNames)) {
    SCOPED_TRACE(name);
    gflags::FlagSaver saver;
    Outcome o = ParseArgs({"-o", name + "=1"});
    EXPECT_EQ(CommandLineResult::kRun, o.result);
    EXPECT_EQ("memcd: -o " + name + " is not supported yet; ignored\n", o.err);
  }
}

TEST(CommandLineTest, SlabChunkMaxAndSlabSizes) {
  struct Good {
    std::vector<std::string> args;
    size_t chunk_max;
    std::vector<uint32_t> sizes;
  } kGood[] = {
      {{}, 0, {}},
      {{"-o", "slab_chunk_max=4096"}, 4096, {}},
      {{"-o", "slab_chunk_max=+4096"}, 4096, {}},
      {{"-I", "2m", "-o", "slab_chunk_max=1048576"}, 1 << 20, {}},
      {{"-I", "1k", "-o", "slab_chunk_max=1024"}, 1024, {}},
      {{"-o", "slab_sizes=100-200-300"}, 0, {100, 200, 300}},
      // As memcached's strtok(): empty fields are skipped.
      {{"-o", "slab_sizes=-100--200-"}, 0, {100, 200}},
      {{"-o", "slab_sizes=48-524288"}, 0, {48, 524288}},
      // The sizes are checked against the final slab_chunk_max.
      {{"-o", "slab_sizes=100-200-300,slab_chunk_max=4096"},
       4096,
       {100, 200, 300}},
      {{"--slab_chunk_max=65536", "--slab_sizes=100-65536"},
       65536,
       {100, 65536}},
      // memcached refuses -I below 512k without slab_chunk_max, and an -I
      // that is not a multiple of it; memcd shrinks the largest chunk to -I
      // or chains whatever is left, so these start.
      {{"-I", "256k"}, 0, {}},
      {{"-I", "1000k"}, 0, {}},
      {{"-m", "512", "-I", "128m"}, 0, {}},
  };
  for (const Good& c : kGood) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    ASSERT_EQ(CommandLineResult::kRun, o.result) << o.err;
    EXPECT_EQ("", o.err);
    EXPECT_EQ(c.chunk_max, o.options.store.slab_chunk_max);
    EXPECT_EQ(c.sizes, o.options.store.slab_sizes);
  }
  struct Bad {
    std::vector<std::string> args;
    std::string err;
  } kBad[] = {
      // memcached 1.6.18's messages.
      {{"-o", "slab_chunk_max"}, "memcd: Missing slab_chunk_max argument\n"},
      {{"-o", "slab_chunk_max=2m"},
       "memcd: could not parse argument to slab_chunk_max\n"},
      {{"-o", "slab_chunk_max=4096x"},
       "memcd: could not parse argument to slab_chunk_max\n"},
      {{"-o", "slab_chunk_max=600000"},
       "memcd: -I (item_size_max: 1048576) must be evenly divisible by "
       "slab_chunk_max (bytes: 600000)\n"},
      {{"-I", "100k", "-o", "slab_chunk_max=200000"},
       "memcd: slab_chunk_max (bytes: 200000) cannot be larger than -I "
       "(item_size_max 102400)\n"},
      {{"-I", "2m", "-o", "slab_chunk_max=2097152"},
       "memcd: slab_chunk_max (bytes: 2097152) must divide evenly into "
       "1048576 (slab_page_size)\n"},
      {{"-o", "slab_sizes=100-200-2000000"},
       "memcd: slab size 2000000 is out of valid range\n"},
      {{"-o", "slab_sizes=300-200"},
       "memcd: slab size 200 cannot be lower than or equal to a previous "
       "class size\n"},
      {{"-o", "slab_sizes=100-105"},
       "memcd: slab size 105 must be at least 8 bytes larger than previous "
       "class\n"},
      {{"-o", "slab_sizes=47"}, "memcd: slab size 47 is out of valid range\n"},
      {{"-n", "100", "-o", "slab_sizes=90-200"},
       "memcd: slab size 90 is out of valid range\n"},
      {{"-o", "slab_sizes=100-200x"},
       "memcd: slab size 0 is out of valid range\n"},
      {{"-o", "slab_chunk_max=4096,slab_sizes=100-200-5000"},
       "memcd: slab size 5000 is out of valid range\n"},
      // memcached exits silently (or crashes) on these.
      {{"-o", "slab_sizes"}, "memcd: Missing slab_sizes argument\n"},
      {{"-o", "slab_sizes="}, "memcd: Missing slab_sizes argument\n"},
      {{"-o", "slab_chunk_max=0"},
       "memcd: slab_chunk_max (bytes: 0) must be between 1 and 1073741824\n"},
      // memcd needs room for a chunked item's header in one chunk.
      {{"-I", "1k", "-o", "slab_chunk_max=512"},
       "memcd: slab_chunk_max (bytes: 512) cannot be smaller than 1024\n"},
  };
  for (const Bad& c : kBad) {
    SCOPED_TRACE(Join(c.args));
    gflags::FlagSaver saver;
    Outcome o = ParseArgs(c.args);
    EXPECT_EQ(CommandLineResult::kExitUsage, o.result);
    EXPECT_EQ(c.err, o.err);
  }
}

}  // namespace
}  // namespace memcd
