// memcached's UDP framing (doc/protocol.txt, "UDP protocol"): every datagram
// starts with an 8-byte header of four big-endian 16-bit fields, and a reply
// is cut into datagrams of at most 1400 bytes, header included.
#ifndef MEMCD_NET_UDP_FRAME_H_
#define MEMCD_NET_UDP_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace memcd {

constexpr size_t kUdpHeaderSize = 8;
constexpr size_t kUdpMaxDatagram = 1400;
constexpr size_t kUdpMaxPayload = kUdpMaxDatagram - kUdpHeaderSize;

struct UdpFrameHeader {
  uint16_t request_id = 0;  // chosen by the client, echoed in the reply
  uint16_t sequence = 0;    // 0..total-1 within one message
  uint16_t total = 0;       // datagrams in the message
  uint16_t reserved = 0;    // 0 in replies; ignored in requests
};

// Writes the kUdpHeaderSize bytes of `header` at `out`.
void EncodeUdpHeader(const UdpFrameHeader& header, char* out);
// Reads the header at the front of `datagram`; false if it is shorter.
bool DecodeUdpHeader(std::string_view datagram, UdpFrameHeader* header);

// One datagram of a reply: its encoded header and a slice of the reply text.
struct UdpDatagram {
  char header[kUdpHeaderSize];
  std::string_view payload;
};

// Cuts `reply` into the datagrams of one message for `request_id`: payloads
// of kUdpMaxPayload bytes (the last one shorter), sequence 0..n-1, total n.
// As memcached: an empty reply is one header-only datagram with total 0, and
// past 65535 datagrams the total stays 65535 while the sequence wraps.
std::vector<UdpDatagram> SplitUdpReply(uint16_t request_id, std::string_view reply);

}  // namespace memcd

#endif  // MEMCD_NET_UDP_FRAME_H_
