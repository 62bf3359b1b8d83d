#include "net/udp_frame.h"

#include <algorithm>

namespace memcd {
namespace {

void Put16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v & 0xff);
}

uint16_t Get16(const char* p) {
  return static_cast<uint16_t>((static_cast<unsigned char>(p[0]) << 8) |
                               static_cast<unsigned char>(p[1]));
}

}  // namespace

void EncodeUdpHeader(const UdpFrameHeader& header, char* out) {
  Put16(out, header.request_id);
  Put16(out + 2, header.sequence);
  Put16(out + 4, header.total);
  Put16(out + 6, header.reserved);
}

bool DecodeUdpHeader(std::string_view datagram, UdpFrameHeader* header) {
  if (datagram.size() < kUdpHeaderSize) return false;
  const char* p = datagram.data();
  header->request_id = Get16(p);
  header->sequence = Get16(p + 2);
  header->total = Get16(p + 4);
  header->reserved = Get16(p + 6);
  return true;
}

std::vector<UdpDatagram> SplitUdpReply(uint16_t request_id, std::string_view reply) {
  const size_t count = (reply.size() + kUdpMaxPayload - 1) / kUdpMaxPayload;
  UdpFrameHeader header;
  header.request_id = request_id;
  header.total = static_cast<uint16_t>(std::min<size_t>(count, UINT16_MAX));
  std::vector<UdpDatagram> out(std::max<size_t>(count, 1));
  for (size_t i = 0; i < out.size(); i++) {
    header.sequence = static_cast<uint16_t>(i);  // wraps past 65535, as memcached
    EncodeUdpHeader(header, out[i].header);
    out[i].payload = reply.substr(std::min(i * kUdpMaxPayload, reply.size()), kUdpMaxPayload);
  }
  return out;
}

}  // namespace memcd
