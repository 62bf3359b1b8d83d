#include "server/udp_session.h"

#include <event2/event.h>
#include <glog/logging.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/verbosity.h"
#include "net/udp_frame.h"
#include "server/binary_handler.h"
#include "proto/binary_parser.h"
#include "proto/meta_parser.h"
#include "proto/text_parser.h"
#include "store/item_ref.h"

namespace memcd {
namespace {

// Room for the largest datagram (65,507 bytes of IPv4 payload, 65,527 of
// IPv6); a bigger one arrives truncated and its cut request is dropped.
constexpr size_t kMaxDatagram = 64 * 1024;

}  // namespace

UdpSession::UdpSession(WorkerSessions* owner, int fd)
    : owner_(owner),
      fd_(fd),
      datagram_(new char[kMaxDatagram]),
      output_(owner->buffer_pool()) {}

UdpSession::~UdpSession() {
  if (read_event_ != nullptr) event_free(read_event_);
}

bool UdpSession::Start(std::string* error) {
  read_event_ = event_new(owner_->base(), fd_, EV_READ | EV_PERSIST, &UdpSession::OnReadable, this);
  if (read_event_ == nullptr || event_add(read_event_, nullptr) != 0) {
    *error = "cannot register a UDP socket with a worker's event loop";
    return false;
  }
  return true;
}

void UdpSession::OnReadable(int /*fd*/, short /*what*/, void* arg) {
  static_cast<UdpSession*>(arg)->ReadDatagrams();
}

void UdpSession::ReadDatagrams() {
  const int limit = owner_->ctx()->options->reqs_per_event;
  for (int i = 0; i < limit; i++) {
    UdpPeer peer;
    ssize_t n = ReceiveDatagram(fd_, datagram_.get(), kMaxDatagram, &peer);
    if (n == 0) return;  // drained, or another worker won the race
    if (n < 0) {
      MEMCD_VLOG(1) << "udp " << fd_ << " receive error: " << strerror(errno);
      return;
    }
    HandleDatagram(std::string_view(datagram_.get(), static_cast<size_t>(n)), peer);
  }
  // More may be waiting: the level-triggered event fires again next round.
}

void UdpSession::HandleDatagram(std::string_view datagram, const UdpPeer& peer) {
  // memcached counts (and serves) only what is longer than a header.
  if (datagram.size() <= kUdpHeaderSize) return;
  owner_->stats()->bytes_read.Add(datagram.size());
  UdpFrameHeader header;
  DecodeUdpHeader(datagram, &header);
  if (header.total != 1) {
    MEMCD_VLOG(1) << "udp request " << header.request_id << " spans " << header.total
            << " datagrams: dropped";
    return;
  }
  std::string_view in = datagram.substr(kUdpHeaderSize);
  // Each datagram chooses its protocol (memcached fixes it for good at the
  // first datagram a worker reads).
  BindingProtocol protocol = owner_->ctx()->options->protocol;
  if (protocol == BindingProtocol::kAuto) {
    protocol = static_cast<uint8_t>(in[0]) == kBinaryRequestMagic ? BindingProtocol::kBinary
                                                                  : BindingProtocol::kAscii;
  }
  while (!in.empty()) {
    bool close = false;
    const bool more = protocol == BindingProtocol::kBinary ? RunBinaryRequest(&in, &close)
                                                           : RunRequest(&in, &close);
    SendReply(header.request_id, peer, close);
    if (!more || close) break;
  }
}

bool UdpSession::RunRequest(std::string_view* in, bool* close) {
  TextHandler* handler = owner_->handler();
  if (IsMetaCommand(*in)) {
    if (in->find('\n') == std::string_view::npos) return false;  // a cut line: dropped
    MEMCD_VLOG(2) << "udp " << fd_ << " < " << RequestLineForLog(*in);
    size_t consumed = 0;
    TextHandler::Next next = handler->HandleMeta(*in, &consumed, &output_, &pending_);
    in->remove_prefix(consumed);
    FinishRequest(next, in, close);
    return true;
  }
  TextRequest req;
  ParseResult r = ParseTextRequest(*in, &req);
  if (r.status == ParseStatus::kNeedMore) return false;  // a cut line: dropped
  MEMCD_VLOG(2) << "udp " << fd_ << " < " << RequestLineForLog(*in);
  if (r.status == ParseStatus::kError) {
    handler->RejectRequest(req, r, &output_);
    in->remove_prefix(r.consumed);
    *close = r.close;
    return true;
  }
  std::unique_ptr<LruMetadump> dump;
  TextHandler::Next next = handler->Handle(req, &output_, &pending_, &dump);
  in->remove_prefix(r.consumed);  // req's views stay valid until here
  if (next == TextHandler::Next::kStreamDump) {
    MEMCD_VLOG(1) << "udp " << fd_ << ": metadump is not served over UDP";
  }
  FinishRequest(next, in, close);
  return true;
}

bool UdpSession::RunBinaryRequest(std::string_view* in, bool* close) {
  if (binary_ == nullptr) {
    binary_ = std::make_unique<BinaryHandler>(owner_->ctx(), owner_->stats());
  }
  size_t consumed = 0;
  uint64_t swallow = 0;
  BinaryHandler::Next next = binary_->Handle(*in, &consumed, &output_, &pending_, &swallow);
  if (next == BinaryHandler::Next::kNeedMore) return false;  // a cut request: dropped
  in->remove_prefix(consumed);
  switch (next) {
    case BinaryHandler::Next::kReadValue: {
      // The whole value must be in this datagram; a binary value has no
      // line end after it.
      ValueWriter value(pending_.item);
      in->remove_prefix(value.Write(in->data(), in->size()));
      const bool whole = value.left() == 0;
      value = ValueWriter();  // drops its pointers into the item
      if (!whole) {
        pending_ = PendingStore();  // releases the unfinished item
        return false;
      }
      binary_->CompleteStore(&pending_, &output_);
      break;
    }
    case BinaryHandler::Next::kSwallow:
      in->remove_prefix(std::min<uint64_t>(swallow, in->size()));
      break;
    case BinaryHandler::Next::kClose:
      *close = true;
      break;
    case BinaryHandler::Next::kNeedMore:
    case BinaryHandler::Next::kCommand:
      break;
  }
  return true;
}

void UdpSession::FinishRequest(TextHandler::Next next, std::string_view* in, bool* close) {
  switch (next) {
    case TextHandler::Next::kCommand:
    case TextHandler::Next::kStreamDump:
    case TextHandler::Next::kWatch:  // a datagram socket cannot be handed over
      break;
    case TextHandler::Next::kReadValue: {
      // The whole data block must be here, followed by "\r\n".
      ValueWriter value(pending_.item);
      in->remove_prefix(value.Write(in->data(), in->size()));
      bool terminated = value.left() == 0 && in->substr(0, 2) == "\r\n";
      if (value.left() > 0 || in->size() < 2) {
        *in = std::string_view();
      } else {
        in->remove_prefix(2);
      }
      value = ValueWriter();  // drops its pointers into the item
      owner_->handler()->CompleteStore(&pending_, terminated, &output_);
      break;
    }
    case TextHandler::Next::kSwallow:
      in->remove_prefix(std::min<uint64_t>(uint64_t{pending_.value_length} + 2, in->size()));
      break;
    case TextHandler::Next::kClose:
      *close = true;
      break;
  }
}

void UdpSession::SendReply(uint16_t request_id, const UdpPeer& peer, bool bare_header) {
  TakeOutput();
  if (reply_.empty() && !bare_header) return;  // noreply
  MEMCD_VLOG(2) << "udp " << fd_ << " > " << reply_.size() << " bytes";
  owner_->stats()->bytes_written.Add(SendUdpReply(fd_, peer, request_id, reply_));
}

void UdpSession::TakeOutput() {
  reply_.clear();
  output_.CopyPendingTo(&reply_);
  output_.Clear();
}

}  // namespace memcd
