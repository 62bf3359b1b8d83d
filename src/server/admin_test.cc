// The pure pieces of the admin commands: prefix extraction and counting,
// the auth file and its token step, cachedump lines and the command's
// argument checks, shutdown modes, and the connection registry's text.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "base/clock.h"
#include "server/admin_commands.h"
#include "server/auth_file.h"
#include "server/conn_registry.h"
#include "server/prefix_stats.h"
#include "store/item_ref.h"
#include "store/store.h"

namespace memcd {
namespace {

TEST(ExtractPrefixTest, Table) {
  struct Case {
    std::string key;
    char delimiter;
    bool found;
    std::string prefix;
  } cases[] = {
      {"a:b", ':', true, "a"},
      {"a:b:c", ':', true, "a"},
      {":b", ':', true, ""},
      {"ab", ':', false, ""},
      {"a/b:c", '/', true, "a"},
      {"a/b:c", ':', true, "a/b"},
      {std::string("a\0:b", 4), ':', false, ""},  // NUL ends the C string
  };
  for (const Case& c : cases) {
    std::string_view prefix;
    EXPECT_EQ(ExtractPrefix(c.key, c.delimiter, &prefix), c.found) << c.key;
    if (c.found) {
      EXPECT_EQ(prefix, c.prefix) << c.key;
    }
  }
}

TEST(PrefixStatsTest, CountsOnlyWhileEnabled) {
  PrefixStats stats(':');
  stats.RecordSet("a:1");
  EXPECT_EQ(stats.Dump(), "END\r\n");
  stats.set_enabled(true);
  stats.RecordSet("a:1");
  stats.RecordGet("a:1", true);
  stats.RecordGet("a:2", false);
  stats.RecordDelete("a:1");
  stats.RecordGet("nokey", true);
  stats.set_enabled(false);
  stats.RecordGet("a:1", true);
  // Counts survive "off", as in memcached.
  EXPECT_EQ(stats.Dump(), "PREFIX a get 2 hit 1 set 1 del 1\r\nEND\r\n");
}

TEST(PrefixStatsTest, DumpOrderIsMemcachedsBucketOrder) {
  // memcached 1.6.18 dumped "a/b" before "a" (MurmurHash3 % 256 buckets).
  PrefixStats stats(':');
  stats.set_enabled(true);
  stats.RecordSet("a:x");
  stats.RecordSet("a/b:x");
  EXPECT_EQ(stats.Dump(),
            "PREFIX a/b get 0 hit 0 set 1 del 0\r\n"
            "PREFIX a get 0 hit 0 set 1 del 0\r\n"
            "END\r\n");
}

TEST(RunStatsDetailTest, Subcommands) {
  PrefixStats stats(':');
  EXPECT_EQ(RunStatsDetail(" on", &stats), "OK\r\n");
  EXPECT_TRUE(stats.enabled());
  EXPECT_EQ(RunStatsDetail(" dump", &stats), "END\r\n");
  EXPECT_EQ(RunStatsDetail(" off", &stats), "OK\r\n");
  EXPECT_FALSE(stats.enabled());
  EXPECT_EQ(RunStatsDetail("", &stats), "CLIENT_ERROR usage: stats detail on|off|dump\r\n");
  EXPECT_EQ(RunStatsDetail(" foo", &stats),
            "CLIENT_ERROR usage: stats detail on|off|dump\r\n");
}

TEST(AuthFileTest, Parse) {
  AuthFile auth;
  ASSERT_TRUE(auth.Parse("alice:secret\nbob:pw:x\r\ncarol:last"));
  EXPECT_EQ(auth.size(), 3u);
  EXPECT_TRUE(auth.Check("alice", "secret"));
  EXPECT_TRUE(auth.Check("bob", "pw:x"));  // the user ends at the first ':'
  EXPECT_TRUE(auth.Check("carol", "last"));
  EXPECT_FALSE(auth.Check("alice", "secre"));
  EXPECT_FALSE(auth.Check("alice", "secrett"));
  EXPECT_FALSE(auth.Check("bob", "pw"));
  EXPECT_FALSE(auth.Check("dave", "secret"));
  EXPECT_FALSE(auth.Parse("alice:secret\n\nbob:x\n"));  // empty line
  EXPECT_FALSE(auth.Parse("nocolon\n"));
  // A failed parse keeps the entries loaded before.
  EXPECT_TRUE(auth.Check("alice", "secret"));
}

TEST(AuthFileTest, ReadsAtMostEightEntries) {
  std::string text;
  for (int i = 0; i < 10; i++) text += "u" + std::to_string(i) + ":p\n";
  AuthFile auth;
  ASSERT_TRUE(auth.Parse(text));
  EXPECT_EQ(auth.size(), AuthFile::kMaxEntries);
  EXPECT_TRUE(auth.Check("u7", "p"));
  EXPECT_FALSE(auth.Check("u8", "p"));
}

TEST(AuthFileTest, CheckToken) {
  AuthFile auth;
  ASSERT_TRUE(auth.Parse("alice:secret\n"));
  using R = AuthFile::TokenResult;
  EXPECT_EQ(auth.CheckToken("alice secret"), R::kOk);
  EXPECT_EQ(auth.CheckToken("alice  secret"), R::kOk);
  EXPECT_EQ(auth.CheckToken("alice secret extra"), R::kOk);
  EXPECT_EQ(auth.CheckToken("alice"), R::kBadFormat);
  EXPECT_EQ(auth.CheckToken(""), R::kBadFormat);
  EXPECT_EQ(auth.CheckToken("alice secreX"), R::kFailure);
  EXPECT_EQ(auth.CheckToken(" a b"), R::kFailure);
}

TEST(AuthFileTest, StepTable) {
  AuthFile auth;
  ASSERT_TRUE(auth.Parse("alice:secret\n"));
  struct Case {
    std::string input;
    bool done;
    size_t consumed;
    std::string reply;
    uint64_t swallow;
    bool authenticated;
  } cases[] = {
      {"get a", false, 0, "", 0, false},
      {"get a\r\n", true, 7, "CLIENT_ERROR unauthenticated\r\n", 0, false},
      {"quit\r\n", true, 6, "CLIENT_ERROR unauthenticated\r\n", 0, false},
      {"add k 0 0 12\r\nalice secret\r\n", true, 14, "CLIENT_ERROR unauthenticated\r\n", 0,
       false},
      {"set k 0 0 x\r\n", true, 13, "CLIENT_ERROR unauthenticated\r\n", 0, false},
      {"set k 0 0 -1\r\n", true, 14, "CLIENT_ERROR unauthenticated\r\n", 0, false},
      {"set k 0 0\r\n", true, 11, "CLIENT_ERROR unauthenticated\r\n", 0, false},
      {"set k 0 0 12\r\nalice sec", false, 0, "", 0, false},
      {"set k 0 0 12\r\nalice secret\r\n", true, 28, "STORED\r\n", 0, true},
      {"set k 0 0 12 noreply\r\nalice secret\r\n", true, 36, "STORED\r\n", 0, true},
      {"set k 0 0 3 4 5 6\r\nabc\r\n", true, 24,
       "CLIENT_ERROR bad authentication token format\r\n", 0, false},
      {"set k 0 0 12\r\nalice secreX\r\n", true, 28,
       "CLIENT_ERROR authentication failure\r\n", 0, false},
      {"set k 0 0 10\r\nalice sec\r\n\r\n", true, 26,
       "CLIENT_ERROR bad command line termination\r\n", 0, false},
      {"set k 0 0 100000\r\n", true, 18, "CLIENT_ERROR authentication failure\r\n", 100002,
       false},
  };
  for (const Case& c : cases) {
    size_t consumed = 0;
    std::string_view reply;
    uint64_t swallow = 0;
    bool authenticated = false;
    ASSERT_EQ(auth.Step(c.input, &consumed, &reply, &swallow, &authenticated), c.done)
        << c.input;
    if (!c.done) continue;
    EXPECT_EQ(consumed, c.consumed) << c.input;
    EXPECT_EQ(reply, c.reply) << c.input;
    EXPECT_EQ(swallow, c.swallow) << c.input;
    EXPECT_EQ(authenticated, c.authenticated) << c.input;
  }
}

TEST(CacheDumpTest, LineFormat) {
  std::string out;
  AppendCacheDumpLine("q", 1, 0, &out);
  AppendCacheDumpLine("key:2", 123456, 1700000123, &out);
  EXPECT_EQ(out, "ITEM q [1 b; 0 s]\r\nITEM key:2 [123456 b; 1700000123 s]\r\n");
}

class CacheDumpCommandTest : public ::testing::Test {
 protected:
  CacheDumpCommandTest() : store_(StoreOptions(), &clock_) {}

  void Set(const std::string& key, const std::string& value, RelTime exptime) {
    ItemRef item;
    ASSERT_EQ(store_.Allocate(key, 0, exptime, static_cast<uint32_t>(value.size()), &item),
              AllocResult::kOk);
    ValueWriter w(item);
    w.Write(value.data(), value.size());
    ASSERT_EQ(store_.StoreItem(item, StoreMode::kSet, 0), StoreResult::kStored);
  }
  std::string Run(std::string_view args, bool enabled = true) {
    return RunStatsCacheDump(args, enabled, &store_, clock_);
  }

  FakeClock clock_;
  Store store_;
};

TEST_F(CacheDumpCommandTest, ArgumentsAndRefusals) {
  EXPECT_EQ(Run(" 1 1", false), "CLIENT_ERROR stats cachedump not allowed\r\n");
  EXPECT_EQ(Run(" 1"), "CLIENT_ERROR bad command line\r\n");
  EXPECT_EQ(Run(""), "CLIENT_ERROR bad command line\r\n");
  EXPECT_EQ(Run(" x 1"), "CLIENT_ERROR bad command line format\r\n");
  EXPECT_EQ(Run(" 1 x"), "CLIENT_ERROR bad command line format\r\n");
  EXPECT_EQ(Run(" 64 0"), "CLIENT_ERROR Illegal slab id\r\n");
  EXPECT_EQ(Run(" 100 1"), "CLIENT_ERROR Illegal slab id\r\n");
  EXPECT_EQ(Run(" 0 0"), "END\r\n");
  EXPECT_EQ(Run(" 63 0"), "END\r\n");
}

TEST_F(CacheDumpCommandTest, ListsTheColdLruNewestFirst) {
  store_.SetLruSegmented(false);  // flat: every item is in COLD
  Set("q", "x", 0);
  Set("k:1", "xy", clock_.Now() + 100);
  const std::string exp = std::to_string(clock_.ToUnixTime(clock_.Now() + 100));
  EXPECT_EQ(Run(" 1 0"), "ITEM k:1 [2 b; " + exp + " s]\r\nITEM q [1 b; 0 s]\r\nEND\r\n");
  EXPECT_EQ(Run(" 1 1 extra"), "ITEM k:1 [2 b; " + exp + " s]\r\nEND\r\n");
  EXPECT_EQ(Run(" 2 0"), "END\r\n");
}

TEST_F(CacheDumpCommandTest, LeavesOutItemsStillInHot) {
  Set("q", "x", 0);
  EXPECT_EQ(Run(" 1 0"), "END\r\n");
}

TEST(ShutdownTest, Modes) {
  EXPECT_EQ(ParseShutdown("", false), ShutdownMode::kDisabled);
  EXPECT_EQ(ParseShutdown("graceful", false), ShutdownMode::kDisabled);
  EXPECT_EQ(ParseShutdown("foo", false), ShutdownMode::kDisabled);
  EXPECT_EQ(ParseShutdown("", true), ShutdownMode::kNow);
  EXPECT_EQ(ParseShutdown("graceful", true), ShutdownMode::kGraceful);
  EXPECT_EQ(ParseShutdown("graceful foo", true), ShutdownMode::kInvalid);
  EXPECT_EQ(ParseShutdown("noreply", true), ShutdownMode::kInvalid);
  EXPECT_EQ(ParseShutdown("foo", true), ShutdownMode::kInvalid);
}

TEST(SocketAddressTextTest, Families) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(11211);
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  EXPECT_EQ(SocketAddressText(&in, sizeof(in), false), "tcp:127.0.0.1:11211");
  EXPECT_EQ(SocketAddressText(&in, sizeof(in), true), "udp:127.0.0.1:11211");
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(5);
  inet_pton(AF_INET6, "::1", &in6.sin6_addr);
  EXPECT_EQ(SocketAddressText(&in6, sizeof(in6), false), "tcp6:[::1]:5");
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  strcpy(un.sun_path, "/tmp/x.sock");
  EXPECT_EQ(SocketAddressText(&un, sizeof(un), false), "unix:/tmp/x.sock");
  sockaddr_storage none{};
  EXPECT_EQ(SocketAddressText(&none, 0, false), "?:<AF 0>");
}

TEST(ConnRegistryTest, ReportsEachSocketByFd) {
  FakeClock clock(1700000000, 100);
  ConnRegistry registry(&clock);
  int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listen_fd, 4), 0);
  socklen_t len = sizeof(addr);
  getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  int served = accept(listen_fd, nullptr, nullptr);
  ASSERT_GE(served, 0);
  sockaddr_in peer{};
  len = sizeof(peer);
  getsockname(client, reinterpret_cast<sockaddr*>(&peer), &len);
  const std::string peer_port = std::to_string(ntohs(peer.sin_port));

  registry.Add(listen_fd, ConnRegistry::Kind::kListener);
  ConnRegistry::Entry* e = registry.Add(served, ConnRegistry::Kind::kClient);
  clock.Advance(7);
  const std::string l = std::to_string(listen_fd) + ":";
  const std::string s = std::to_string(served) + ":";
  const std::string listen_lines = "STAT " + l + "addr tcp:127.0.0.1:" + port + "\r\n" +
                                   "STAT " + l + "state conn_listening\r\n" + "STAT " + l +
                                   "secs_since_last_cmd 7\r\n";
  auto client_lines = [&](const std::string& state, int secs) {
    return "STAT " + s + "addr tcp:127.0.0.1:" + peer_port + "\r\n" + "STAT " + s +
           "listen_addr tcp:127.0.0.1:" + port + "\r\n" + "STAT " + s + "state " + state +
           "\r\n" + "STAT " + s + "secs_since_last_cmd " + std::to_string(secs) + "\r\n";
  };
  ASSERT_LT(listen_fd, served);
  EXPECT_EQ(registry.Report(-1), listen_lines + client_lines("conn_new_cmd", 7) + "END\r\n");
  e->active.store(true);
  e->last_cmd.store(clock.Now() - 2);
  EXPECT_EQ(registry.Report(-1), listen_lines + client_lines("conn_read", 2) + "END\r\n");
  EXPECT_EQ(registry.Report(served),
            listen_lines + client_lines("conn_parse_cmd", 2) + "END\r\n");
  registry.Remove(served);
  EXPECT_EQ(registry.Report(-1), listen_lines + "END\r\n");
  close(served);
  close(client);
  close(listen_fd);
}

}  // namespace
}  // namespace memcd
