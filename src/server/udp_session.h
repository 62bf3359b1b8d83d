// memcached's UDP service (-U) on one worker: the worker's reader of one UDP
// socket that every worker shares and races on. A datagram carries whole
// text or meta requests, or binary ones (-B; under auto, a datagram whose
// first byte is 0x80), after its frame header; each request's reply goes back to
// the sender as one framed message (memcached 1.6 too answers two requests in
// one datagram with two messages). As memcached: datagrams of 8 bytes or
// fewer, and requests announced as spanning several datagrams, are dropped
// unanswered; "quit" is answered with a bare header (total 0); an incomplete
// command line at a datagram's end is dropped. A storage command's data must
// be in the same datagram; when it is cut short the reply is
// "CLIENT_ERROR bad data chunk". A metadump is not served over UDP (memcached
// sends nothing either).
#ifndef MEMCD_SERVER_UDP_SESSION_H_
#define MEMCD_SERVER_UDP_SESSION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/udp_socket.h"
#include "server/response_buffer.h"
#include "server/session.h"
#include "server/text_handler.h"

struct event;

namespace memcd {

class BinaryHandler;

class UdpSession {
 public:
  // `fd` is borrowed (UdpSockets owns it); `owner` outlives the session,
  // whose requests run on owner's handler and count in owner's stats.
  UdpSession(WorkerSessions* owner, int fd);
  ~UdpSession();
  UdpSession(const UdpSession&) = delete;
  UdpSession& operator=(const UdpSession&) = delete;

  // Registers with the worker's event base: before the worker thread runs,
  // or on it.
  bool Start(std::string* error);

 private:
  static void OnReadable(int fd, short what, void* arg);
  // Receives and serves up to -R datagrams, then yields to the loop.
  void ReadDatagrams();
  void HandleDatagram(std::string_view datagram, const UdpPeer& peer);
  // Runs the request at the front of *in, consuming it (and its data block);
  // false when the rest of the datagram is to be dropped.
  bool RunRequest(std::string_view* in, bool* close);
  // The same for a binary request.
  bool RunBinaryRequest(std::string_view* in, bool* close);
  // After the handler ran a text or meta request: reads its data block from
  // *in, or skips one being swallowed, and notes a close.
  void FinishRequest(TextHandler::Next next, std::string_view* in, bool* close);
  // Sends output_ as one message; an empty one only when `bare_header`.
  void SendReply(uint16_t request_id, const UdpPeer& peer, bool bare_header);
  // Moves output_'s bytes into reply_ and clears it.
  void TakeOutput();

  WorkerSessions* owner_;
  const int fd_;
  event* read_event_ = nullptr;
  std::unique_ptr<char[]> datagram_;  // the datagram being served
  ResponseBuffer output_;
  PendingStore pending_;
  std::unique_ptr<BinaryHandler> binary_;  // made at the first binary datagram
  std::string reply_;  // output_'s bytes, cut into datagrams from here
};

}  // namespace memcd

#endif  // MEMCD_SERVER_UDP_SESSION_H_
