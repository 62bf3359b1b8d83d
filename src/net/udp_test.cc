// UDP framing (header bytes, reply splitting) and the sockets that carry it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "net/udp_frame.h"
#include "net/udp_socket.h"

namespace memcd {
namespace {

TEST(UdpFrameTest, HeaderIsFourBigEndianFields) {
  struct Case {
    UdpFrameHeader header;
    std::string bytes;
  } cases[] = {
      {{0, 0, 0, 0}, std::string(8, '\0')},
      {{0x1234, 1, 2, 0}, std::string("\x12\x34\x00\x01\x00\x02\x00\x00", 8)},
      {{0xffff, 0xfffe, 0x0100, 0x00ff}, std::string("\xff\xff\xff\xfe\x01\x00\x00\xff", 8)},
  };
  for (const Case& c : cases) {
    char out[kUdpHeaderSize];
    EncodeUdpHeader(c.header, out);
    EXPECT_EQ(std::string(out, sizeof(out)), c.bytes);
    UdpFrameHeader h;
    ASSERT_TRUE(DecodeUdpHeader(c.bytes + "get a\r\n", &h));
    EXPECT_EQ(h.request_id, c.header.request_id);
    EXPECT_EQ(h.sequence, c.header.sequence);
    EXPECT_EQ(h.total, c.header.total);
    EXPECT_EQ(h.reserved, c.header.reserved);
  }
  UdpFrameHeader h;
  EXPECT_TRUE(DecodeUdpHeader(std::string(8, '\1'), &h));
  EXPECT_EQ(h.request_id, 0x0101);
  EXPECT_FALSE(DecodeUdpHeader(std::string(7, '\0'), &h));
  EXPECT_FALSE(DecodeUdpHeader("", &h));
}

// The sequence, total and payload size of each datagram of a reply.
struct Piece {
  int sequence;
  int total;
  size_t payload;
};

std::vector<Piece> Pieces(const std::vector<UdpDatagram>& datagrams, uint16_t request_id) {
  std::vector<Piece> out;
  for (const UdpDatagram& d : datagrams) {
    UdpFrameHeader h;
    EXPECT_TRUE(DecodeUdpHeader(std::string_view(d.header, kUdpHeaderSize), &h));
    EXPECT_EQ(h.request_id, request_id);
    EXPECT_EQ(h.reserved, 0);
    out.push_back({h.sequence, h.total, d.payload.size()});
  }
  return out;
}

TEST(UdpFrameTest, SplitsRepliesIntoDatagramsOfAtMost1400Bytes) {
  struct Case {
    size_t size;
    std::vector<Piece> pieces;
  } cases[] = {
      {0, {{0, 0, 0}}},  // memcached's answer to "quit": a bare header
      {1, {{0, 1, 1}}},
      {1392, {{0, 1, 1392}}},
      {1393, {{0, 2, 1392}, {1, 2, 1}}},
      {2784, {{0, 2, 1392}, {1, 2, 1392}}},
      {5000, {{0, 4, 1392}, {1, 4, 1392}, {2, 4, 1392}, {3, 4, 824}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.size);
    std::string reply;
    for (size_t i = 0; i < c.size; i++) reply += static_cast<char>('a' + i % 26);
    std::vector<UdpDatagram> datagrams = SplitUdpReply(0xbeef, reply);
    std::vector<Piece> got = Pieces(datagrams, 0xbeef);
    ASSERT_EQ(got.size(), c.pieces.size());
    for (size_t i = 0; i < got.size(); i++) {
      EXPECT_EQ(got[i].sequence, c.pieces[i].sequence) << i;
      EXPECT_EQ(got[i].total, c.pieces[i].total) << i;
      EXPECT_EQ(got[i].payload, c.pieces[i].payload) << i;
    }
    std::string joined;
    for (const UdpDatagram& d : datagrams) joined += d.payload;
    EXPECT_EQ(joined, reply);
  }
}

TEST(UdpFrameTest, PastSixtyFiveThousandDatagramsTotalStaysAndSequenceWraps) {
  const std::string reply(65537 * kUdpMaxPayload, 'x');
  std::vector<UdpDatagram> datagrams = SplitUdpReply(7, reply);
  ASSERT_EQ(datagrams.size(), 65537u);
  std::vector<Piece> last = Pieces({datagrams[65535], datagrams[65536]}, 7);
  EXPECT_EQ(last[0].sequence, 65535);
  EXPECT_EQ(last[1].sequence, 0);
  EXPECT_EQ(last[0].total, 65535);
  EXPECT_EQ(last[1].total, 65535);
}

class UdpSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.Open({{"127.0.0.1", 0}}, &error)) << error;
    ASSERT_EQ(server_.fds().size(), 1u);
    port_ = server_.BoundPorts().at(0);
    client_ = socket(AF_INET, SOCK_DGRAM, 0);
    timeval tv{5, 0};
    setsockopt(client_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port_));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(client_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  }
  void TearDown() override { close(client_); }

  // Waits (bounded) for a datagram on the server socket.
  ssize_t Receive(char* buf, size_t cap, UdpPeer* from) {
    for (int i = 0; i < 5000; i++) {
      ssize_t n = ReceiveDatagram(server_.fds()[0], buf, cap, from);
      if (n != 0) return n;
      usleep(1000);
    }
    return 0;
  }

  UdpSockets server_;
  int port_ = 0;
  int client_ = -1;
};

TEST_F(UdpSocketTest, ReceivesWithoutBlockingAndRepliesInFrames) {
  char buf[65536];
  UdpPeer peer;
  EXPECT_EQ(ReceiveDatagram(server_.fds()[0], buf, sizeof(buf), &peer), 0);  // nothing yet

  const std::string request = std::string("\x00\x05\x00\x00\x00\x01\x00\x00", 8) + "get a\r\n";
  ASSERT_EQ(send(client_, request.data(), request.size(), 0),
            static_cast<ssize_t>(request.size()));
  ssize_t n = Receive(buf, sizeof(buf), &peer);
  ASSERT_EQ(std::string(buf, n > 0 ? n : 0), request);

  std::string reply;
  for (int i = 0; i < 5000; i++) reply += static_cast<char>('0' + i % 10);
  EXPECT_EQ(SendUdpReply(server_.fds()[0], peer, 5, reply), 5000u + 4 * kUdpHeaderSize);
  std::string joined;
  const size_t sizes[] = {1400, 1400, 1400, 832};
  for (int seq = 0; seq < 4; seq++) {
    ssize_t got = recv(client_, buf, sizeof(buf), 0);
    ASSERT_EQ(got, static_cast<ssize_t>(sizes[seq])) << seq;
    UdpFrameHeader h;
    ASSERT_TRUE(DecodeUdpHeader(std::string_view(buf, got), &h));
    EXPECT_EQ(h.request_id, 5);
    EXPECT_EQ(h.sequence, seq);
    EXPECT_EQ(h.total, 4);
    joined.append(buf + kUdpHeaderSize, got - kUdpHeaderSize);
  }
  EXPECT_EQ(joined, reply);

  // An empty reply is a bare header saying "0 datagrams".
  EXPECT_EQ(SendUdpReply(server_.fds()[0], peer, 9, ""), kUdpHeaderSize);
  ssize_t got = recv(client_, buf, sizeof(buf), 0);
  EXPECT_EQ(std::string(buf, got > 0 ? got : 0),
            std::string("\x00\x09\x00\x00\x00\x00\x00\x00", 8));
}

TEST_F(UdpSocketTest, APortInUseIsAnError) {
  UdpSockets other;
  std::string error;
  EXPECT_FALSE(other.Open({{"127.0.0.1", port_}}, &error));
  EXPECT_NE(error.find("failed to listen on UDP 127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << error;
  EXPECT_TRUE(other.fds().empty());
}

}  // namespace
}  // namespace memcd
