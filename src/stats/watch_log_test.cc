#include "stats/watch_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace memcd {
namespace {

TEST(ParseWatchArgsTest, Table) {
  const struct {
    const char* args;
    bool ok;
    uint32_t mask;
  } kCases[] = {
      {"", true, kWatchFetchers},
      {"   ", true, kWatchFetchers},
      {"fetchers", true, kWatchFetchers},
      {"mutations evictions", true, kWatchMutations | kWatchEvictions},
      {"connevents  fetchers", true, kWatchConnEvents | kWatchFetchers},
      {"rawcmds sysevents proxyreqs proxyevents proxyuser", true,
       kWatchRawCmds | kWatchSysEvents | kWatchProxyReqs | kWatchProxyEvents | kWatchProxyUser},
      {"deletions mutations", true, kWatchDeletions | kWatchMutations},  // newer memcached
      {"fetchers foo", false, 0},
      {"noreply", false, 0},
      {"Fetchers", false, 0},
  };
  for (const auto& c : kCases) {
    uint32_t mask = 0;
    EXPECT_EQ(ParseWatchArgs(c.args, &mask), c.ok) << c.args;
    if (c.ok) {
      EXPECT_EQ(mask, c.mask) << c.args;
    }
  }
}

TEST(UriEncodeTest, Table) {
  EXPECT_EQ(UriEncode("abc-XYZ_0.9~"), "abc-XYZ_0.9~");
  EXPECT_EQ(UriEncode("a b"), "a%20b");
  EXPECT_EQ(UriEncode("a%20b"), "a%2520b");
  EXPECT_EQ(UriEncode(std::string("\x00\xff/:", 4)), "%00%FF%2F%3A");
  EXPECT_EQ(UriEncode(""), "");
}

WatchRecord Base(WatchRecord::Type type) {
  WatchRecord r;
  r.type = type;
  r.gid = 7;
  r.sec = 1700000000;
  r.usec = 4321;  // memcached prints it unpadded
  return r;
}

void SetKey(WatchRecord* r, std::string_view k) {
  std::copy(k.begin(), k.end(), r->text);
  r->text_length = static_cast<uint8_t>(k.size());
}

TEST(FormatWatchRecordTest, EveryType) {
  WatchRecord get = Base(WatchRecord::Type::kGet);
  SetKey(&get, "a b");
  get.status = static_cast<uint8_t>(WatchGetStatus::kFound);
  get.clsid = 3;
  get.fd = 25;
  get.size = 10;
  EXPECT_EQ(FormatWatchRecord(get),
            "ts=1700000000.4321 gid=7 type=item_get key=a%20b status=found clsid=3 cfd=25 "
            "size=10\n");

  WatchRecord store = Base(WatchRecord::Type::kStore);
  SetKey(&store, "k");
  store.status = static_cast<uint8_t>(WatchStoreStatus::kExists);
  store.cmd = static_cast<uint8_t>(WatchStoreCmd::kCas);
  store.ttl = 100;
  store.clsid = 1;
  store.fd = 9;
  store.size = 3;
  EXPECT_EQ(FormatWatchRecord(store),
            "ts=1700000000.4321 gid=7 type=item_store key=k status=exists cmd=cas ttl=100 "
            "clsid=1 cfd=9 size=3\n");

  WatchRecord ev = Base(WatchRecord::Type::kEviction);
  SetKey(&ev, "old");
  ev.status = 0;
  ev.ttl = -1;
  ev.aux = 12;
  ev.clsid = 12;
  ev.size = 1000;
  EXPECT_EQ(FormatWatchRecord(ev),
            "ts=1700000000.4321 gid=7 type=eviction key=old fetch=no ttl=-1 la=12 clsid=12 "
            "size=1000\n");

  WatchRecord cn = Base(WatchRecord::Type::kConnNew);
  SetKey(&cn, "127.0.0.1");
  cn.aux = 57030;
  cn.cmd = static_cast<uint8_t>(WatchTransport::kTcp);
  cn.fd = 25;
  EXPECT_EQ(FormatWatchRecord(cn),
            "ts=1700000000.4321 gid=7 type=conn_new rip=127.0.0.1 rport=57030 transport=tcp "
            "cfd=25\n");

  WatchRecord cc = Base(WatchRecord::Type::kConnClose);
  SetKey(&cc, "unix");
  cc.cmd = static_cast<uint8_t>(WatchTransport::kLocal);
  cc.status = static_cast<uint8_t>(WatchCloseReason::kError);
  cc.fd = 30;
  EXPECT_EQ(FormatWatchRecord(cc),
            "ts=1700000000.4321 gid=7 type=conn_close rip=unix rport=0 transport=local "
            "reason=error cfd=30\n");

  WatchRecord del = Base(WatchRecord::Type::kDelete);
  SetKey(&del, "gone key");
  del.cmd = static_cast<uint8_t>(WatchDeleteCmd::kMetaDelete);
  del.clsid = 3;
  del.size = 12;
  EXPECT_EQ(FormatWatchRecord(del),
            "ts=1700000000.4321 gid=7 type=deleted key=gone%20key cmd=md clsid=3 size=12\n");
}

// A watcher on one end of a socket pair; the test reads the other end.
struct Peer {
  int mine = -1;
  int theirs = -1;
  bool closed = false;
  Peer() {
    int sv[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    mine = sv[0];
    theirs = sv[1];
    fcntl(theirs, F_SETFL, O_NONBLOCK);
    fcntl(mine, F_SETFL, O_NONBLOCK);
  }
  ~Peer() {
    if (mine >= 0) close(mine);
  }
  std::string ReadAll() {
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = read(mine, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  std::function<void()> OnClose() {
    return [this] { closed = true; };
  }
};

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(s.substr(start, nl - start));
  }
  return out;
}

TEST(WatchLogTest, NothingLoggedWithoutWatchers) {
  WatchLog log(WatchLog::Options{});
  EXPECT_FALSE(log.Wants(kWatchFetchers | kWatchMutations));
  Peer p;
  ASSERT_EQ(log.AddWatcher(p.theirs, kWatchMutations, p.OnClose()), WatchLog::AddResult::kOk);
  EXPECT_TRUE(log.Wants(kWatchMutations));
  EXPECT_FALSE(log.Wants(kWatchFetchers));
  EXPECT_EQ(log.GetStats().watchers, 1u);
}

TEST(WatchLogTest, DeliversByFlagsAndOnlyNewerRecords) {
  WatchLog log(WatchLog::Options{});
  log.LogGet("before", WatchGetStatus::kFound, 1, 5, 2);  // nobody watches yet
  Peer gets;
  Peer all;
  ASSERT_EQ(log.AddWatcher(gets.theirs, kWatchFetchers, gets.OnClose()),
            WatchLog::AddResult::kOk);
  ASSERT_EQ(log.AddWatcher(all.theirs, kWatchFetchers | kWatchMutations, all.OnClose()),
            WatchLog::AddResult::kOk);
  log.LogGet("k1", WatchGetStatus::kNotFound, 0, 5, 0);
  log.LogStore("k1", WatchStoreStatus::kStored, WatchStoreCmd::kSet, 0, 1, 5, 3);
  log.RunOnce();
  const std::regex get_re(
      "ts=\\d+\\.\\d+ gid=(\\d+) type=item_get key=k1 status=not_found clsid=0 cfd=5 size=0");
  const std::regex store_re(
      "ts=\\d+\\.\\d+ gid=(\\d+) type=item_store key=k1 status=stored cmd=set ttl=0 clsid=1 "
      "cfd=5 size=3");
  std::vector<std::string> g = Lines(gets.ReadAll());
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0], "OK\r");
  EXPECT_TRUE(std::regex_match(g[1], get_re)) << g[1];
  std::vector<std::string> a = Lines(all.ReadAll());
  ASSERT_EQ(a.size(), 3u);
  std::smatch m1, m2;
  ASSERT_TRUE(std::regex_match(a[1], m1, get_re)) << a[1];
  ASSERT_TRUE(std::regex_match(a[2], m2, store_re)) << a[2];
  EXPECT_LT(std::stoull(m1[1]), std::stoull(m2[1]));
  const WatchLog::Stats s = log.GetStats();
  EXPECT_EQ(s.worker_written, 3u);
  EXPECT_EQ(s.worker_dropped, 0u);
  EXPECT_EQ(s.watcher_sent, 3u);  // one get to each, one store to `all`
}

TEST(WatchLogTest, FullThreadBufferDropsAndCounts) {
  WatchLog::Options o;
  o.worker_buffer_size = 4 * sizeof(WatchRecord);
  WatchLog log(o);
  Peer p;
  ASSERT_EQ(log.AddWatcher(p.theirs, kWatchFetchers, p.OnClose()), WatchLog::AddResult::kOk);
  for (int i = 0; i < 10; ++i) log.LogGet("k" + std::to_string(i), WatchGetStatus::kFound, 1, 5, 1);
  log.RunOnce();
  const WatchLog::Stats s = log.GetStats();
  EXPECT_EQ(s.worker_written, 4u);
  EXPECT_EQ(s.worker_dropped, 6u);
  std::vector<std::string> lines = Lines(p.ReadAll());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_NE(lines[4].find("key=k3 "), std::string::npos) << lines[4];
}

TEST(WatchLogTest, SlowWatcherSkipsAndIsToldHowMany) {
  WatchLog::Options o;
  o.watcher_buffer_size = 1024;
  WatchLog log(o);
  Peer p;
  // A tiny send buffer, so the kernel soon stops taking bytes.
  int small = 1024;
  setsockopt(p.theirs, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  ASSERT_EQ(log.AddWatcher(p.theirs, kWatchFetchers, p.OnClose()), WatchLog::AddResult::kOk);
  for (int i = 0; i < 200; ++i) log.LogGet("key", WatchGetStatus::kFound, 1, 5, 1);
  log.RunOnce();
  const WatchLog::Stats s = log.GetStats();
  EXPECT_GT(s.watcher_skipped, 0u);
  EXPECT_EQ(s.watcher_skipped + s.watcher_sent, 200u);
  // Once the reader catches up, the next line is preceded by the count.
  p.ReadAll();
  log.RunOnce();  // flushes what was buffered
  p.ReadAll();
  log.LogGet("next", WatchGetStatus::kFound, 1, 5, 1);
  log.RunOnce();
  std::vector<std::string> lines = Lines(p.ReadAll());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "skipped=" + std::to_string(s.watcher_skipped));
  EXPECT_NE(lines[1].find("key=next "), std::string::npos);
}

TEST(WatchLogTest, ClosedWatcherIsRemoved) {
  WatchLog log(WatchLog::Options{});
  Peer p;
  ASSERT_EQ(log.AddWatcher(p.theirs, kWatchFetchers, p.OnClose()), WatchLog::AddResult::kOk);
  log.RunOnce();
  close(p.mine);
  p.mine = -1;
  log.RunOnce();
  EXPECT_TRUE(p.closed);
  EXPECT_EQ(log.GetStats().watchers, 0u);
  EXPECT_FALSE(log.Wants(kWatchFetchers));
}

TEST(WatchLogTest, WatcherLimit) {
  WatchLog::Options o;
  o.max_watchers = 2;
  WatchLog log(o);
  Peer a, b, c;
  EXPECT_EQ(log.AddWatcher(a.theirs, kWatchFetchers, nullptr), WatchLog::AddResult::kOk);
  EXPECT_EQ(log.AddWatcher(b.theirs, kWatchFetchers, nullptr), WatchLog::AddResult::kOk);
  EXPECT_EQ(log.AddWatcher(c.theirs, kWatchFetchers, nullptr), WatchLog::AddResult::kTooMany);
  close(c.theirs);  // refused: still ours
}

TEST(WatchLogTest, ManyProducerThreadsInGidOrder) {
  WatchLog log(WatchLog::Options{});
  Peer p;
  int big = 4 << 20;
  setsockopt(p.theirs, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
  ASSERT_EQ(log.AddWatcher(p.theirs, kWatchFetchers | kWatchEvictions, p.OnClose()),
            WatchLog::AddResult::kOk);
  log.Start();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (i % 2) {
          log.LogGet("t" + std::to_string(t), WatchGetStatus::kFound, 1, t, i);
        } else {
          log.LogEviction("t" + std::to_string(t), false, -1, 0, 1, i);
        }
        if (i % 64 == 0) std::this_thread::yield();
      }
    });
  }
  std::string got;
  uint64_t last_gid = 0;
  size_t lines = 0;
  bool ordered = true;
  for (auto& t : threads) t.join();
  for (int tries = 0; tries < 200; ++tries) {
    got += p.ReadAll();
    const WatchLog::Stats s = log.GetStats();
    if (s.worker_written + s.worker_dropped == kThreads * kPerThread &&
        s.watcher_sent + s.watcher_skipped == s.worker_written &&
        Lines(got).size() >= 1 + s.watcher_sent) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  log.Stop();
  got += p.ReadAll();
  for (const std::string& line : Lines(got)) {
    const size_t g = line.find(" gid=");
    if (g == std::string::npos) continue;
    const uint64_t gid = std::stoull(line.substr(g + 5));
    ordered = ordered && gid > last_gid;
    last_gid = gid;
    lines++;
  }
  const WatchLog::Stats s = log.GetStats();
  EXPECT_EQ(s.worker_written + s.worker_dropped, uint64_t{kThreads * kPerThread});
  EXPECT_EQ(lines, s.watcher_sent);
  EXPECT_GT(lines, 0u);
  EXPECT_TRUE(ordered);
}

}  // namespace
}  // namespace memcd
