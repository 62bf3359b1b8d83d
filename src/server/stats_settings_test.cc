// "stats settings", "stats sizes" and cache_memlimit, against a real store.
#include "server/stats_settings.h"

#include <gflags/gflags.h>
#include <glog/logging.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "server/command_line.h"
#include "server/crawler_commands.h"
#include "server/memlimit_command.h"
#include "server/options.h"
#include "server/server_context.h"
#include "store/store.h"

namespace memcd {
namespace {

// The server's default options, as the command line builds them.
ServerOptions DefaultOptions() {
  gflags::FlagSaver saver;
  ServerOptions options;
  std::string error;
  EXPECT_TRUE(BuildOptions(&options, &error)) << error;
  return options;
}

class StatsSettingsTest : public ::testing::Test {
 protected:
  void Start(const ServerOptions& options) {
    options_ = options;
    store_ = std::make_unique<Store>(options_.store, &clock_);
    ctx_.options = &options_;
    ctx_.store = store_.get();
    ctx_.clock = &clock_;
  }
  std::string Settings() {
    std::string out;
    StatsWriter w(&out);
    WriteSettings(ctx_, &w);
    return out;
  }
  std::string Sizes() {
    std::string out;
    StatsWriter w(&out);
    WriteItemSizes(*store_, &w);
    return out;
  }

  FakeClock clock_;
  ServerOptions options_;
  std::unique_ptr<Store> store_;
  ServerContext ctx_;
};

TEST_F(StatsSettingsTest, DefaultsInMemcachedsOrderAndFormats) {
  const int saved_v = FLAGS_v;
  FLAGS_v = 0;
  Start(DefaultOptions());
  EXPECT_EQ(Settings(),
            "STAT maxbytes 67108864\r\n"
            "STAT maxconns 1024\r\n"
            "STAT tcpport 11211\r\n"
            "STAT udpport 0\r\n"
            "STAT inter NULL\r\n"
            "STAT verbosity 0\r\n"
            "STAT evictions on\r\n"
            "STAT domain_socket NULL\r\n"
            "STAT umask 700\r\n"
            "STAT shutdown_command no\r\n"
            "STAT growth_factor 1.25\r\n"
            "STAT chunk_size 48\r\n"
            "STAT num_threads 4\r\n"
            "STAT num_threads_per_udp 4\r\n"
            "STAT stat_key_prefix :\r\n"
            "STAT detail_enabled no\r\n"
            "STAT reqs_per_event 20\r\n"
            "STAT cas_enabled yes\r\n"
            "STAT tcp_backlog 1024\r\n"
            "STAT binding_protocol auto-negotiate\r\n"
            "STAT auth_enabled_sasl no\r\n"
            "STAT auth_enabled_ascii no\r\n"
            "STAT item_size_max 1048576\r\n"
            "STAT maxconns_fast yes\r\n"
            "STAT hashpower_init 16\r\n"
            "STAT slab_reassign yes\r\n"
            "STAT slab_automove 1\r\n"
            "STAT slab_automove_ratio 0.80\r\n"
            "STAT slab_automove_window 30\r\n"
            "STAT slab_chunk_max 524288\r\n"
            "STAT lru_crawler yes\r\n"
            "STAT lru_crawler_sleep 100\r\n"
            "STAT lru_crawler_tocrawl 0\r\n"
            "STAT tail_repair_time 0\r\n"
            "STAT flush_enabled yes\r\n"
            "STAT dump_enabled yes\r\n"
            "STAT hash_algorithm murmur3\r\n"
            "STAT lru_maintainer_thread yes\r\n"
            "STAT lru_segmented yes\r\n"
            "STAT hot_lru_pct 20\r\n"
            "STAT warm_lru_pct 40\r\n"
            "STAT hot_max_factor 0.20\r\n"
            "STAT warm_max_factor 2.00\r\n"
            "STAT temp_lru no\r\n"
            "STAT temporary_ttl 61\r\n"
            "STAT idle_timeout 0\r\n"
            "STAT watcher_logbuf_size 262144\r\n"
            "STAT worker_logbuf_size 65536\r\n"
            "STAT read_buf_mem_limit 0\r\n"
            "STAT track_sizes no\r\n"
            "STAT inline_ascii_response no\r\n"
            "STAT ssl_enabled no\r\n"
            "STAT ssl_chain_cert (null)\r\n"
            "STAT ssl_key (null)\r\n"
            "STAT ssl_verify_mode 0\r\n"
            "STAT ssl_keyformat 1\r\n"
            "STAT ssl_ciphers NULL\r\n"
            "STAT ssl_ca_cert NULL\r\n"
            "STAT ssl_wbuf_size 16384\r\n"
            "STAT ssl_session_cache no\r\n"
            "STAT ssl_kernel_tls no\r\n"
            "STAT ssl_min_version tlsv1.2\r\n");
  FLAGS_v = saved_v;
}

// Lines that follow options and run-time commands.
TEST_F(StatsSettingsTest, FollowsOptionsAndRunTimeChanges) {
  ServerOptions o = DefaultOptions();
  o.listen = {"127.0.0.1", "::1"};
  o.store.evict = false;
  o.store.use_cas = false;
  o.store.track_sizes = true;
  o.store.growth_factor = 1.5;
  o.udp_port = 11311;
  o.unix_socket = "/tmp/m.sock";
  o.unix_mask = 0770;
  o.protocol = BindingProtocol::kBinary;
  Start(o);
  ASSERT_EQ(RunCacheMemlimitCommand("100", store_.get()), "OK");
  store_->SetLruTempTtl(30);
  const std::string s = Settings();
  for (const char* line :
       {"STAT maxbytes 104857600\r\n", "STAT inter 127.0.0.1,::1\r\n",
        "STAT evictions off\r\n", "STAT cas_enabled no\r\n",
        "STAT growth_factor 1.50\r\n", "STAT track_sizes yes\r\n",
        "STAT temp_lru yes\r\n", "STAT temporary_ttl 30\r\n",
        "STAT udpport 11311\r\n", "STAT domain_socket /tmp/m.sock\r\n",
        "STAT umask 770\r\n", "STAT binding_protocol binary\r\n"}) {
    EXPECT_NE(s.find(line), std::string::npos) << line << s;
  }
}

// The crawler's settings after "lru_crawler" commands changed them.
TEST_F(StatsSettingsTest, CrawlerSettingsFollowLruCrawlerCommands) {
  Start(DefaultOptions());
  struct Case {
    const char* command;
    std::vector<std::string> lines;
  };
  const Case cases[] = {
      {"sleep 50",
       {"STAT lru_crawler yes\r\n", "STAT lru_crawler_sleep 50\r\n",
        "STAT lru_crawler_tocrawl 0\r\n"}},
      {"tocrawl 7",
       {"STAT lru_crawler_sleep 50\r\n", "STAT lru_crawler_tocrawl 7\r\n"}},
      {"disable",
       {"STAT lru_crawler no\r\n", "STAT lru_crawler_sleep 50\r\n",
        "STAT lru_crawler_tocrawl 7\r\n"}},
      {"sleep 0", {"STAT lru_crawler no\r\n", "STAT lru_crawler_sleep 0\r\n"}},
      {"enable",
       {"STAT lru_crawler yes\r\n", "STAT lru_crawler_sleep 0\r\n",
        "STAT lru_crawler_tocrawl 7\r\n"}},
  };
  for (const Case& c : cases) {
    std::unique_ptr<LruMetadump> dump;
    ASSERT_EQ(RunLruCrawlerCommand(c.command, true, store_.get(), &dump), "OK")
        << c.command;
    const std::string s = Settings();
    for (const std::string& line : c.lines) {
      EXPECT_NE(s.find(line), std::string::npos) << c.command << ": " << line;
    }
  }
}

TEST_F(StatsSettingsTest, SizesDisabledWithoutTrackSizes) {
  Start(DefaultOptions());
  EXPECT_EQ(Sizes(), "STAT sizes_status disabled\r\n");
}

TEST_F(StatsSettingsTest, SizesListsNonEmptyBuckets) {
  ServerOptions o = DefaultOptions();
  o.store.track_sizes = true;
  Start(o);
  EXPECT_EQ(Sizes(), "");
  for (const char* key : {"a", "b"}) {
    ItemRef item;
    // 41 bytes of header and CAS, a 1-byte key, 20 bytes: 62 -> bucket 64.
    ASSERT_EQ(store_->Allocate(key, 0, 0, 20, &item), AllocResult::kOk);
    ASSERT_EQ(store_->StoreItem(item, StoreMode::kSet, 0), StoreResult::kStored);
  }
  ItemRef item;
  ASSERT_EQ(store_->Allocate("c", 0, 0, 100, &item), AllocResult::kOk);
  ASSERT_EQ(store_->StoreItem(item, StoreMode::kSet, 0), StoreResult::kStored);
  EXPECT_EQ(Sizes(), "STAT 64 2\r\nSTAT 160 1\r\n");
}

TEST_F(StatsSettingsTest, CacheMemlimitReplies) {
  Start(DefaultOptions());
  struct Case {
    const char* arg;
    const char* reply;
    size_t limit_after;  // megabytes
  };
  const Case kCases[] = {
      {"7", "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m", 64},
      {"0", "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m", 64},
      {"abc", "ERROR", 64},
      {"-5", "ERROR", 64},
      {"12abc", "ERROR", 64},
      {"8", "OK", 8},
      {"+9", "OK", 9},
      {"0100", "OK", 100},
      {"1000000001",
       "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes", 100},
      {"4294967296",
       "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes", 100},
      // 32 GiB is the most the arena can address.
      {"32768", "OK", 32768},
      {"32769", "MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust",
       32768},
      {"64", "OK", 64},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.arg);
    EXPECT_EQ(RunCacheMemlimitCommand(c.arg, store_.get()), c.reply);
    StoreStats st;
    store_->GetStats(&st);
    EXPECT_EQ(st.limit_maxbytes, uint64_t{c.limit_after} << 20);
  }
}

TEST_F(StatsSettingsTest, CacheMemlimitRefusedWithPreallocation) {
  ServerOptions o = DefaultOptions();
  o.store.memory_limit = 8 << 20;
  o.store.preallocate = true;
  Start(o);
  EXPECT_EQ(RunCacheMemlimitCommand("16", store_.get()),
            "MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust");
  EXPECT_EQ(store_->memory_limit(), size_t{8} << 20);
}

}  // namespace
}  // namespace memcd
