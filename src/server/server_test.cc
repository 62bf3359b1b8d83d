// Sessions end to end over a socketpair: a real worker thread and event loop,
// a real store on a fake clock, and the exact reply bytes.
#include <event2/event.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "net/dispatcher.h"
#include "net/worker.h"
#include "server/options.h"
#include "server/response_buffer.h"
#include "server/server_context.h"
#include "server/session.h"
#include "store/store.h"

namespace memcd {
namespace {

class SessionTest : public ::testing::Test {
 protected:
  // `run_loop`: false leaves the worker's loop to the test thread
  // (RunOnce()), to see what one event does.
  void StartServer(bool run_loop = true) {
    options_.store.memory_limit = 4u << 20;
    options_.store.item_size_max = 1u << 20;
    options_.debug_time = true;
    store_ = std::make_unique<Store>(options_.store, &clock_);
    worker_ = std::make_unique<Worker>(0, [this](Worker*, int fd) { sessions_->Open(fd); });
    std::string error;
    ASSERT_TRUE(worker_->Init(&error)) << error;
    dispatcher_ = std::make_unique<Dispatcher>(std::vector<Worker*>{worker_.get()}, 100,
                                               "ERROR Too many open connections\r\n");
    ctx_.options = &options_;
    ctx_.store = store_.get();
    ctx_.clock = &clock_;
    ctx_.dispatcher = dispatcher_.get();
    ctx_.baseline = &baseline_;
    sessions_ = std::make_unique<WorkerSessions>(&ctx_, worker_.get());
    ctx_.thread_stats.push_back(sessions_->stats());
    if (run_loop) worker_->Start();
  }

  // One pass of the worker's loop: every event ready now, once.
  void RunOnce() { event_base_loop(worker_->base(), EVLOOP_ONCE | EVLOOP_NONBLOCK); }

  // Whatever the server has sent so far, without waiting.
  static std::string ReadNow(int fd) {
    std::string out;
    char buf[65536];
    ssize_t r;
    while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) out.append(buf, r);
    return out;
  }

  void TearDown() override {
    for (int fd : clients_) close(fd);
    if (worker_ != nullptr) worker_->Stop();
    if (sessions_ != nullptr) sessions_->CloseAll();
  }

  // A new client connection; returns our end.
  int Connect() {
    int sv[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    timeval tv{5, 0};
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    dispatcher_->Dispatch(sv[0]);
    clients_.push_back(sv[1]);
    return sv[1];
  }

  static void Send(int fd, const std::string& bytes) {
    ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }

  // Reads exactly `n` bytes (or until EOF/timeout).
  static std::string Read(int fd, size_t n) {
    std::string out;
    char buf[65536];
    while (out.size() < n) {
      ssize_t r = read(fd, buf, std::min(sizeof(buf), n - out.size()));
      if (r <= 0) break;
      out.append(buf, r);
    }
    return out;
  }

  std::string Roundtrip(int fd, const std::string& request, size_t reply_size) {
    Send(fd, request);
    return Read(fd, reply_size);
  }

  void Expect(int fd, const std::string& request, const std::string& reply) {
    EXPECT_EQ(Roundtrip(fd, request, reply.size()), reply) << "request: " << request;
  }

  ServerOptions options_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Worker> worker_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<WorkerSessions> sessions_;
  StatsBaseline baseline_;
  ServerContext ctx_;
  std::vector<int> clients_;
};

TEST_F(SessionTest, RequestsAndExactReplies) {
  StartServer();
  int c = Connect();
  const std::pair<std::string, std::string> cases[] = {
      {"set a 0 0 1\r\nx\r\n", "STORED\r\n"},
      {"get a\r\n", "VALUE a 0 1\r\nx\r\nEND\r\n"},
      {"set b 5 0 2\r\nhi\r\nget a b c\r\n",
       "STORED\r\nVALUE a 0 1\r\nx\r\nVALUE b 5 2\r\nhi\r\nEND\r\n"},
      {"add a 0 0 1\r\ny\r\n", "NOT_STORED\r\n"},
      {"replace zz 0 0 1\r\ny\r\n", "NOT_STORED\r\n"},
      {"append a 0 0 2\r\nyz\r\nprepend a 0 0 1\r\nw\r\nget a\r\n",
       "STORED\r\nSTORED\r\nVALUE a 0 4\r\nwxyz\r\nEND\r\n"},
      {"set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\n", "STORED\r\n15\r\n0\r\n"},
      {"incr a 1\r\n", "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"},
      {"incr nope 1\r\n", "NOT_FOUND\r\n"},
      {"touch a 100\r\ntouch nope 1\r\n", "TOUCHED\r\nNOT_FOUND\r\n"},
      {"delete a\r\ndelete a\r\n", "DELETED\r\nNOT_FOUND\r\n"},
      {"set k 0 0 1\r\nxy\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n"},
      {"set q 0 0 1 noreply\r\nx\r\nget q\r\n", "VALUE q 0 1\r\nx\r\nEND\r\n"},
      {"bogus\r\n", "ERROR\r\n"},
      {"flush_all\r\nget b\r\n", "OK\r\nEND\r\n"},
  };
  for (const auto& [request, reply] : cases) Expect(c, request, reply);
}

TEST_F(SessionTest, CasRoundTrip) {
  StartServer();
  int c = Connect();
  Expect(c, "set c 0 0 1\r\nx\r\n", "STORED\r\n");
  Send(c, "gets c\r\n");
  // Read the header line to learn the cas unique.
  std::string line;
  char ch;
  while (read(c, &ch, 1) == 1) {
    line += ch;
    if (ch == '\n') break;
  }
  ASSERT_EQ(line.rfind("VALUE c 0 1 ", 0), 0u) << line;
  std::string cas = line.substr(12, line.size() - 14);
  EXPECT_EQ(Read(c, 8), "x\r\nEND\r\n");
  Expect(c, "cas c 0 0 1 " + cas + "1\r\ny\r\n", "EXISTS\r\n");
  Expect(c, "cas c 0 0 1 " + cas + "\r\ny\r\n", "STORED\r\n");
  Expect(c, "cas zz 0 0 1 1\r\ny\r\n", "NOT_FOUND\r\n");
}

TEST_F(SessionTest, TooLargeValueIsSwallowedAndOldItemRemoved) {
  StartServer();
  int c = Connect();
  Expect(c, "set big 0 0 1\r\nx\r\n", "STORED\r\n");
  std::string value(2u << 20, 'v');
  Expect(c, "set big 0 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\n",
         "SERVER_ERROR object too large for cache\r\n");
  Expect(c, "get big\r\n", "END\r\n");
}

TEST_F(SessionTest, LargeValueRoundTripsThroughDirectReads) {
  StartServer();
  int c = Connect();
  std::string value;
  for (int i = 0; i < 200000; i++) value += static_cast<char>('a' + i % 26);
  Expect(c, "set v 0 0 200000\r\n" + value + "\r\n", "STORED\r\n");
  Expect(c, "get v\r\n", "VALUE v 0 200000\r\n" + value + "\r\nEND\r\n");
}

uint64_t UsedChunks(Store* store) {
  std::vector<SlabClassStats> classes;
  store->GetSlabStats(&classes);
  uint64_t used = 0;
  for (const SlabClassStats& c : classes) used += c.used_chunks;
  return used;
}

std::string Pattern(size_t n, int seed) {
  std::string v(n, '\0');
  for (size_t i = 0; i < n; i++) v[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return v;
}

// As memcached: a value the socket already holds whole is read on in the
// same event (its first read stops at the read buffer's 16 KiB), with its
// "\r\n" and the request after it, and both are answered at once.
TEST_F(SessionTest, LargeSetAlreadyReceivedIsAnsweredInOneEvent) {
  StartServer(/*run_loop=*/false);
  int c = Connect();
  RunOnce();  // the dispatcher's hand-off: the session opens
  const std::string value = Pattern(100000, 1);
  Send(c, "set big 3 0 100000\r\n" + value + "\r\nget big\r\n");
  RunOnce();
  EXPECT_EQ(ReadNow(c), "STORED\r\nVALUE big 3 100000\r\n" + value + "\r\nEND\r\n");
}

// The peer's close found by a read within the event ends the session there,
// and the half-written item goes back to the allocator.
TEST_F(SessionTest, PeerClosingMidValueEndsTheSessionInThatEvent) {
  StartServer(/*run_loop=*/false);
  int c = Connect();
  RunOnce();
  Send(c, "set cut 0 0 100000\r\n" + Pattern(50000, 6));
  ASSERT_EQ(shutdown(c, SHUT_WR), 0);
  RunOnce();
  char byte;
  EXPECT_EQ(recv(c, &byte, 1, MSG_DONTWAIT), 0) << "the server closed its end";
  EXPECT_EQ(UsedChunks(store_.get()), 0u);
}

// Large values back to back in one write, each read straight into its item
// with what follows it going to the input buffer; and a bad terminator
// after a large value.
TEST_F(SessionTest, PipelinedLargeSetsKeepTheirBoundaries) {
  StartServer();
  int c = Connect();
  const std::string a = Pattern(100000, 2);
  const std::string b = Pattern(70001, 3);
  Expect(c,
         "set a 1 0 100000\r\n" + a + "\r\nset b 2 0 70001 noreply\r\n" + b +
             "\r\nappend a 0 0 3\r\nxyz\r\nget b a\r\n",
         "STORED\r\nSTORED\r\nVALUE b 2 70001\r\n" + b + "\r\nVALUE a 1 100003\r\n" + a +
             "xyz\r\nEND\r\n");
  Expect(c, "set bad 0 0 100000\r\n" + a + "XYget bad\r\n",
         "CLIENT_ERROR bad data chunk\r\nEND\r\n");
}

// A value in more chunks than one readv() covers (slab_chunk_max 16 KiB:
// 25 chunks) arrives in several direct reads; the request after it still
// starts at the right byte.
TEST_F(SessionTest, ChunkedValueLongerThanOneReadv) {
  options_.store.slab_chunk_max = 16 * 1024;
  StartServer();
  int c = Connect();
  const std::string value = Pattern(400000, 4);
  Expect(c, "set ch 0 0 400000\r\n" + value + "\r\nget ch\r\n",
         "STORED\r\nVALUE ch 0 400000\r\n" + value + "\r\nEND\r\n");
}

// The binary protocol has no terminator: the next request follows the
// value directly.
TEST_F(SessionTest, BinaryLargeSetThenGetInOneWrite) {
  StartServer();
  int c = Connect();
  const std::string value = Pattern(100000, 5);
  auto request = [](uint8_t opcode, const std::string& extras, const std::string& key,
                    const std::string& body) {
    std::string r(24, '\0');
    r[0] = static_cast<char>(0x80);
    r[1] = static_cast<char>(opcode);
    r[2] = static_cast<char>(key.size() >> 8);
    r[3] = static_cast<char>(key.size());
    r[4] = static_cast<char>(extras.size());
    const uint32_t total = static_cast<uint32_t>(extras.size() + key.size() + body.size());
    for (int i = 0; i < 4; i++) r[8 + i] = static_cast<char>(total >> (24 - 8 * i));
    return r + extras + key + body;
  };
  const std::string set_extras("\0\0\0\x07\0\0\0\0", 8);  // flags 7, no expiry
  Send(c, request(0x01, set_extras, "bk", value) + request(0x00, "", "bk", ""));
  const std::string set_reply = Read(c, 24);
  ASSERT_EQ(set_reply.size(), 24u);
  EXPECT_EQ(static_cast<uint8_t>(set_reply[0]), 0x81);
  EXPECT_EQ(set_reply[1], 0x01);
  EXPECT_EQ(set_reply.substr(6, 2), std::string("\0\0", 2)) << "status: success";
  const std::string get_reply = Read(c, 24 + 4 + value.size());
  ASSERT_EQ(get_reply.size(), 24u + 4 + value.size());
  EXPECT_EQ(get_reply[1], 0x00);
  EXPECT_EQ(get_reply.substr(6, 2), std::string("\0\0", 2)) << "status: success";
  EXPECT_EQ(get_reply.substr(24, 4), std::string("\0\0\0\x07", 4)) << "flags";
  EXPECT_TRUE(get_reply.substr(28) == value) << "the value, byte for byte";
}

// A pipelined batch of reads is looked at ahead, and each lookup may use
// the hash found then (Store::KnownHash). Where the key looked at is not
// the key looked up (base64, a second key, a line the parser refuses), or a
// request creates an item (N), the replies must still be those of one
// request at a time.
TEST_F(SessionTest, PipelinedReadsLookedAtAheadFindTheirKeys) {
  StartServer();
  int c = Connect();
  Expect(c, "set key 3 0 2\r\nhi\r\nset other 0 0 1\r\nx\r\n", "STORED\r\nSTORED\r\n");
  const std::pair<std::string, std::string> batch[] = {
      {"mg a2V5 b v f\r\n", "VA 2 f3\r\nhi\r\n"},  // base64 of "key"
      {"mg key v\r\n", "VA 2\r\nhi\r\n"},
      {"get nokey key\r\n", "VALUE key 3 2\r\nhi\r\nEND\r\n"},
      {"gets  other \r\n", "VALUE other 0 1 2\r\nx\r\nEND\r\n"},  // CAS: second store
      {"mg other\n", "HD\r\n"},
      {"mg viv N30 s v\r\n", "VA 0 s0 W\r\n\r\n"},  // creates "viv"
      {"mg viv s v\r\n", "VA 0 s0 Z\r\n\r\n"},      // and finds it
      {"get viv\r\n", "VALUE viv 0 0\r\n\r\nEND\r\n"},
      {"mg " + std::string(251, 'k') + " v\r\n", "CLIENT_ERROR bad command line format\r\n"},
      {"get key\r\n", "VALUE key 3 2\r\nhi\r\nEND\r\n"},
  };
  std::string request;
  for (const auto& [line, reply] : batch) request += line;
  Send(c, request);
  for (const auto& [line, reply] : batch) {
    EXPECT_EQ(Read(c, reply.size()), reply) << "request: " << line;
  }
  StoreStats stats;
  store_->GetStats(&stats);
  EXPECT_EQ(stats.curr_items, 3u) << "key, other, viv: no duplicate";
}

TEST_F(SessionTest, ByteAtATime) {
  StartServer();
  int c = Connect();
  std::string request = "set s 0 0 3\r\nabc\r\nget s\r\n";
  for (char ch : request) Send(c, std::string(1, ch));
  std::string reply = "STORED\r\nVALUE s 0 3\r\nabc\r\nEND\r\n";
  EXPECT_EQ(Read(c, reply.size()), reply);
}

TEST_F(SessionTest, YieldsAfterReqsPerEventAndAnswersInOrder) {
  options_.reqs_per_event = 2;
  StartServer();
  int c = Connect();
  std::string request, reply;
  for (int i = 0; i < 50; i++) {
    request += "set k" + std::to_string(i) + " 0 0 1\r\n" + std::to_string(i % 10) + "\r\n";
    reply += "STORED\r\n";
  }
  for (int i = 0; i < 50; i++) {
    request += "get k" + std::to_string(i) + "\r\n";
    reply += "VALUE k" + std::to_string(i) + " 0 1\r\n" + std::to_string(i % 10) + "\r\nEND\r\n";
  }
  Expect(c, request, reply);
  EXPECT_GT(sessions_->stats()->conn_yields.Get(), 0u);
}

TEST_F(SessionTest, ExpiryFollowsTheClock) {
  StartServer();
  int c = Connect();
  Expect(c, "set e 0 10 1\r\nx\r\nget e\r\n", "STORED\r\nVALUE e 0 1\r\nx\r\nEND\r\n");
  Expect(c, "debugtime 11\r\nget e\r\n", "OK\r\nEND\r\n");
}

TEST_F(SessionTest, QuitClosesAfterEarlierReplies) {
  StartServer();
  int c = Connect();
  Send(c, "get nothing\r\nquit\r\n");
  EXPECT_EQ(Read(c, 100), "END\r\n");  // then EOF
}

TEST_F(SessionTest, LineTooLongClosesTheConnection) {
  StartServer();
  int c = Connect();
  Send(c, "set " + std::string(3000, 'k'));
  EXPECT_EQ(Read(c, 100), "CLIENT_ERROR line too long\r\n");
}

TEST_F(SessionTest, StatsCountRequests) {
  StartServer();
  int c = Connect();
  Expect(c, "set a 0 0 1\r\nx\r\nget a b\r\n", "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
  Send(c, "stats\r\n");
  std::string stats;
  while (stats.find("END\r\n") == std::string::npos) {
    std::string more = Read(c, 1);
    if (more.empty()) break;
    stats += more;
  }
  EXPECT_NE(stats.find("STAT cmd_get 2\r\n"), std::string::npos) << stats;
  EXPECT_NE(stats.find("STAT get_hits 1\r\n"), std::string::npos);
  EXPECT_NE(stats.find("STAT get_misses 1\r\n"), std::string::npos);
  EXPECT_NE(stats.find("STAT cmd_set 1\r\n"), std::string::npos);
  EXPECT_NE(stats.find("STAT curr_items 1\r\n"), std::string::npos);
  EXPECT_NE(stats.find("STAT curr_connections 1\r\n"), std::string::npos);
}

TEST_F(SessionTest, StalledReaderHoldsItsItemsUntilItCloses) {
  StartServer();
  int reader = Connect();
  int other = Connect();
  std::string value(100000, 'v');
  Expect(other, "set k 0 0 100000\r\n" + value + "\r\n", "STORED\r\n");
  // Far more reply bytes than the socket buffers hold; never read.
  std::string gets;
  for (int i = 0; i < 200; i++) gets += "get k\r\n";
  Send(reader, gets);
  // Its first batch is being answered (so its items are held) once the
  // first reply line arrives; only then may the other client delete.
  EXPECT_EQ(Read(reader, 18), "VALUE k 0 100000\r\n");
  // The stalled connection does not hold up the worker's other clients.
  Expect(other, "delete k\r\nget k\r\n", "DELETED\r\nEND\r\n");
  // Deleted, but its bytes are still referenced by the pending replies.
  EXPECT_EQ(UsedChunks(store_.get()), 1u);
  close(reader);
  clients_.erase(clients_.begin());
  // The server notices the close and releases what the replies held.
  Expect(other, "version\r\n", std::string("VERSION ") + ServerVersion() + "\r\n");
  for (int i = 0; i < 500 && UsedChunks(store_.get()) != 0; i++) usleep(10000);
  EXPECT_EQ(UsedChunks(store_.get()), 0u);
}

// Values up to 1 KiB are copied into the reply text and their items let go
// at once; bigger ones are sent from item memory and held until Clear().
TEST(ResponseBufferTest, SmallValuesAreCopiedLargeOnesHeld) {
  FakeClock clock;
  Store store(StoreOptions(), &clock);
  auto set = [&store](const std::string& key, const std::string& value) {
    ItemRef item;
    ASSERT_EQ(store.Allocate(key, 0, 0, static_cast<uint32_t>(value.size()), &item),
              AllocResult::kOk);
    ValueWriter w(item);
    w.Write(value.data(), value.size());
    ASSERT_EQ(store.StoreItem(item, StoreMode::kSet, 0), StoreResult::kStored);
  };
  const std::string small(1024, 's');
  const std::string large(1025, 'L');
  set("small", small);
  set("large", large);
  BufferPool pool(16 * 1024, 4);
  ResponseBuffer out(&pool);
  out.AppendValue(store.Get("small"));
  out.AppendValue(store.Get("large"));
  out.AppendValueBytes(store.Get("small"));
  // A header and the value together, in the same block or not.
  out.AppendWithValue("VA 1024\r\n", store.Get("small"));
  out.AppendWithValue("VA 1025\r\n", store.Get("large"));
  char* header = out.ReserveHeader(64, store.Get("small"));
  memcpy(header, "VALUE small 0 1024\r\n", 20);
  out.CommitWithValue(20, store.Get("small"));
  ASSERT_TRUE(store.Delete("small"));
  ASSERT_TRUE(store.Delete("large"));
  EXPECT_EQ(UsedChunks(&store), 1u) << "only the large value is still referenced";
  std::string got;
  out.CopyPendingTo(&got);
  EXPECT_EQ(got, small + "\r\n" + large + "\r\n" + small + "VA 1024\r\n" + small + "\r\n" +
                     "VA 1025\r\n" + large + "\r\n" + "VALUE small 0 1024\r\n" + small +
                     "\r\n");
  out.Clear();
  EXPECT_EQ(UsedChunks(&store), 0u);
}

TEST(ResponseBufferTest, PartialWritesResumeWhereTheyStopped) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int small = 4096;
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  // Non-blocking writer end.
  ASSERT_EQ(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
  BufferPool pool(16 * 1024, 4);
  ResponseBuffer out(&pool);
  std::string expected;
  for (int i = 0; i < 5000; i++) {
    std::string line = "line " + std::to_string(i);
    out.AppendLine(line);
    expected += line + "\r\n";
  }
  std::string got;
  char buf[8192];
  int rounds = 0;
  while (true) {
    size_t written;
    ResponseBuffer::FlushResult r = out.Flush(sv[0], &written);
    ASSERT_NE(r, ResponseBuffer::FlushResult::kError);
    ssize_t n;
    while ((n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT)) > 0) got.append(buf, n);
    if (r == ResponseBuffer::FlushResult::kDone) break;
    ASSERT_LT(++rounds, 100000);
  }
  EXPECT_GT(rounds, 0);  // the small buffer forced partial writes
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(out.empty());
  out.Clear();
  EXPECT_GE(pool.cached(), 1u);  // its text blocks went back to the pool
  close(sv[0]);
  close(sv[1]);
}

}  // namespace
}  // namespace memcd
