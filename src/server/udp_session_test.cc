// UDP sessions end to end: a real worker thread reading a bound UDP socket,
// a real store on a fake clock, and the exact datagrams that come back.
#include "server/udp_session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "net/dispatcher.h"
#include "net/udp_socket.h"
#include "net/worker.h"
#include "server/options.h"
#include "server/server_context.h"
#include "server/session.h"
#include "store/store.h"

namespace memcd {
namespace {

std::string Header(uint16_t id, uint16_t seq, uint16_t total) {
  const char h[8] = {static_cast<char>(id >> 8), static_cast<char>(id & 0xff),
                     static_cast<char>(seq >> 8), static_cast<char>(seq & 0xff),
                     static_cast<char>(total >> 8), static_cast<char>(total & 0xff),
                     0, 0};
  return std::string(h, 8);
}

class UdpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.store.memory_limit = 4u << 20;
    options_.store.item_size_max = 1u << 20;
    store_ = std::make_unique<Store>(options_.store, &clock_);
    worker_ = std::make_unique<Worker>(0, [](Worker*, int fd) { close(fd); });
    std::string error;
    ASSERT_TRUE(worker_->Init(&error)) << error;
    dispatcher_ = std::make_unique<Dispatcher>(std::vector<Worker*>{worker_.get()}, 100, "");
    ctx_.options = &options_;
    ctx_.store = store_.get();
    ctx_.clock = &clock_;
    ctx_.dispatcher = dispatcher_.get();
    ctx_.baseline = &baseline_;
    sessions_ = std::make_unique<WorkerSessions>(&ctx_, worker_.get());
    ASSERT_TRUE(sockets_.Open({{"127.0.0.1", 0}}, &error)) << error;
    udp_ = std::make_unique<UdpSession>(sessions_.get(), sockets_.fds().at(0));
    ASSERT_TRUE(udp_->Start(&error)) << error;
    worker_->Start();

    client_ = socket(AF_INET, SOCK_DGRAM, 0);
    timeval tv{5, 0};
    setsockopt(client_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int big = 4 << 20;  // room for a whole multi-datagram reply
    setsockopt(client_, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(sockets_.BoundPorts().at(0)));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(client_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  }

  void TearDown() override {
    close(client_);
    worker_->Stop();
    udp_.reset();
    sessions_->CloseAll();
  }

  void Send(const std::string& datagram) {
    ASSERT_EQ(send(client_, datagram.data(), datagram.size(), 0),
              static_cast<ssize_t>(datagram.size()));
  }

  // The next datagram, or "" after the timeout.
  std::string Receive() {
    static char buf[65536];
    ssize_t n = recv(client_, buf, sizeof(buf), 0);
    return std::string(buf, n > 0 ? n : 0);
  }

  // Sends "version" as request 0xffff and expects its reply next: whatever
  // was sent before it got no answer.
  void ExpectSilence() {
    Send(Header(0xffff, 0, 1) + "version\r\n");
    std::string got = Receive();
    EXPECT_EQ(got.substr(0, 16), Header(0xffff, 0, 1) + "VERSION ");
  }

  ServerOptions options_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Worker> worker_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<WorkerSessions> sessions_;
  StatsBaseline baseline_;
  ServerContext ctx_;
  UdpSockets sockets_;
  std::unique_ptr<UdpSession> udp_;
  int client_ = -1;
};

TEST_F(UdpSessionTest, EachRequestIsAnsweredAsOneMessageWithItsId) {
  const struct {
    std::string request;               // after the header (id 0x0102)
    std::vector<std::string> replies;  // one message each, after the header
  } kCases[] = {
      {"set a 0 0 1\r\nx\r\n", {"STORED\r\n"}},
      {"get a\r\n", {"VALUE a 0 1\r\nx\r\nEND\r\n"}},
      {"set b 5 0 2\r\nhi\r\nget a b c\r\n",
       {"STORED\r\n", "VALUE a 0 1\r\nx\r\nVALUE b 5 2\r\nhi\r\nEND\r\n"}},
      {"get a\nincr a 1\r\ndelete b\r\n",
       {"VALUE a 0 1\r\nx\r\nEND\r\n",
        "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
        "DELETED\r\n"}},
      // The data block must be whole, and followed by "\r\n".
      {"set c 0 0 5\r\nxy", {"CLIENT_ERROR bad data chunk\r\n"}},
      {"set c 0 0 2\r\nhi", {"CLIENT_ERROR bad data chunk\r\n"}},
      {"set c 0 0 2\r\nhiXXget c\r\n", {"CLIENT_ERROR bad data chunk\r\n", "END\r\n"}},
      {"set d 0 0 1 noreply\r\nz\r\nget d\r\n", {"VALUE d 0 1\r\nz\r\nEND\r\n"}},
      // The refused data block would run past the datagram: all swallowed.
      {"set e 0 0 2000000\r\nxx\r\nget e\r\n",
       {"SERVER_ERROR object too large for cache\r\n"}},
      {"set e 0 0 2000000 noreply\r\nxx\r\n", {}},
      {"bogus\r\n\r\n", {"ERROR\r\n", "ERROR\r\n"}},
      // A cut command line at the end is dropped.
      {"get a\r\nget a", {"VALUE a 0 1\r\nx\r\nEND\r\n"}},
      // "quit": a bare header saying "0 datagrams"; the rest is dropped.
      {"quit\r\nget a\r\n", {""}},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.request);
    Send(Header(0x0102, 0, 1) + c.request);
    for (const std::string& reply : c.replies) {
      EXPECT_EQ(Receive(), Header(0x0102, 0, reply.empty() ? 0 : 1) + reply);
    }
    ExpectSilence();
  }
}

TEST_F(UdpSessionTest, DropsShortAndMultiDatagramRequestsAsMemcached) {
  const std::string kDropped[] = {
      "",
      "\x01",
      Header(1, 0, 1),                    // a header and nothing else
      Header(2, 0, 2) + "get a\r\n",      // announced as two datagrams
      Header(3, 1, 0) + "get a\r\n",      // total 0
      Header(4, 0, 1) + "get a",          // no line end
  };
  for (const std::string& d : kDropped) {
    SCOPED_TRACE(d.size());
    Send(d);
    ExpectSilence();
  }
  // The sequence number and the reserved field of a request are not looked at.
  std::string h = Header(5, 3, 1);
  h[7] = 9;
  Send(h + "get nope\r\n");
  EXPECT_EQ(Receive(), Header(5, 0, 1) + "END\r\n");
}

TEST_F(UdpSessionTest, ABigReplySpansDatagramsOfAtMost1400Bytes) {
  std::string value;
  for (int i = 0; i < 5000; i++) value += static_cast<char>('a' + i % 26);
  Send(Header(7, 0, 1) + "set big 3 0 5000\r\n" + value + "\r\n");
  EXPECT_EQ(Receive(), Header(7, 0, 1) + "STORED\r\n");
  Send(Header(0xabcd, 0, 1) + "get big\r\n");
  const std::string reply = "VALUE big 3 5000\r\n" + value + "\r\nEND\r\n";  // 5025 bytes
  std::string joined;
  for (int seq = 0; seq < 4; seq++) {
    std::string d = Receive();
    ASSERT_EQ(d.size(), seq < 3 ? 1400u : 8u + 5025 - 3 * 1392) << seq;
    EXPECT_EQ(d.substr(0, 8), Header(0xabcd, static_cast<uint16_t>(seq), 4));
    joined += d.substr(8);
  }
  EXPECT_EQ(joined, reply);
}

TEST_F(UdpSessionTest, CountsBytesAsMemcached) {
  const ThreadStats* stats = sessions_->stats();
  Send(Header(1, 0, 1));  // not counted: memcached counts datagrams over 8 bytes
  Send(Header(1, 0, 1) + "set a 0 0 1\r\nx\r\n");  // 8 + 16
  EXPECT_EQ(Receive(), Header(1, 0, 1) + "STORED\r\n");
  Send(Header(2, 0, 2) + "get a\r\n");  // 8 + 7, dropped but counted
  Send(Header(3, 0, 1) + "get a\r\n");  // 8 + 7
  EXPECT_EQ(Receive(), Header(3, 0, 1) + "VALUE a 0 1\r\nx\r\nEND\r\n");
  // The worker counts what it sent just after sending it.
  for (int i = 0; i < 5000 && stats->bytes_written.Get() < 16u + 29; i++) usleep(1000);
  EXPECT_EQ(stats->bytes_written.Get(), 16u + 29);
  EXPECT_EQ(stats->bytes_read.Get(), 24u + 15 + 15);
  EXPECT_EQ(stats->get_hits.Get(), 1u);
  EXPECT_EQ(stats->set_cmds.Get(), 1u);
}

}  // namespace
}  // namespace memcd
