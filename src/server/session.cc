#include "server/session.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <glog/logging.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "base/verbosity.h"
#include "net/worker.h"
#include "proto/binary_parser.h"
#include "proto/lookahead.h"
#include "proto/meta_parser.h"
#include "proto/text_parser.h"
#include "server/admin_commands.h"
#include "server/auth_file.h"
#include "server/binary_handler.h"
#include "server/request_family.h"

namespace memcd {
namespace {

// Read buffers and reply text blocks are this big, pooled per worker; a read
// asks for at least kMinReadSpace free bytes, so leftover partial requests
// rarely force growth.
constexpr size_t kBufferSize = 16 * 1024;
constexpr size_t kMinReadSpace = 2 * 1024;
constexpr size_t kPooledBuffers = 128;
// Values at least this large are read straight into item memory, into at
// most this many pieces per readv().
constexpr uint32_t kDirectReadMin = 16 * 1024;
constexpr int kDirectReadPieces = 16;
// Reads a worker makes in one event for values still arriving, past the
// event's first: bounds the time one connection sending large values holds
// the worker.
constexpr int kValueReadsPerEvent = 8;
// A get line may exceed kMaxCommandLine, but not this (bounds a connection's
// input buffer; 4 MiB is some 16,000 keys of 250 bytes).
constexpr size_t kMaxGetLine = 4 * 1024 * 1024;
// A metadump is asked for batches of about kDumpBatch bytes while less than
// kDumpFill is queued (only once the previous fill has been sent), and at
// most kDumpBatchesPerEvent times (~1 MiB) per event before other
// connections get a turn.
constexpr size_t kDumpBatch = 64 * 1024;
constexpr size_t kDumpFill = 256 * 1024;
constexpr int kDumpBatchesPerEvent = 16;

}  // namespace

Session::Session(WorkerSessions* owner, int fd, bool tls)
    : owner_(owner),
      fd_(fd),
      input_(owner->buffer_pool()),
      output_(owner->buffer_pool()),
      wants_tls_(tls) {
  switch (owner->ctx()->options->protocol) {
    case BindingProtocol::kAscii:
      break;
    case BindingProtocol::kBinary:
      binary_ = std::make_unique<BinaryHandler>(owner->ctx(), owner->stats());
      binary_->set_current_fd(fd_);
      break;
    case BindingProtocol::kAuto:
      negotiating_ = true;
      break;
  }
}

Session::~Session() {
  if (read_event_ != nullptr) event_free(read_event_);
  if (write_event_ != nullptr) event_free(write_event_);
  // Before close(): the fd number may be reused by the next accept.
  if (conn_entry_ != nullptr) owner_->admin()->conns->Remove(fd_);
  if (fd_released_) return;  // the watch log closes it, and counts it closed
  if (tls_ != nullptr) tls_->Shutdown();
  tls_.reset();
  LogConnEvent(false);
  close(fd_);
  owner_->ctx()->dispatcher->OnConnectionClosed();
  MEMCD_VLOG(1) << "conn " << fd_ << " closed";
}

bool Session::Start() {
  // Listeners accept non-blocking sockets already; other sources may not.
  if (evutil_make_socket_nonblocking(fd_) != 0) return false;
  read_event_ = event_new(owner_->base(), fd_, EV_READ | EV_PERSIST, &Session::OnEvent, this);
  write_event_ = event_new(owner_->base(), fd_, EV_WRITE | EV_PERSIST, &Session::OnEvent, this);
  if (read_event_ == nullptr || write_event_ == nullptr) return false;
  if (wants_tls_) {
    TlsContext* context = owner_->ctx()->tls;
    ssl_st* ssl = context != nullptr ? context->NewSsl() : nullptr;
    if (ssl == nullptr) return false;
    tls_ = std::make_unique<TlsConnection>(context, ssl, fd_);
  }
  if (AdminState* admin = owner_->admin()) {
    conn_entry_ = admin->conns->Add(fd_, ConnRegistry::Kind::kClient);
    authenticated_ = admin->auth == nullptr;
  }
  if (owner_->ctx()->options->idle_timeout > 0) {
    sockaddr_storage local{};
    socklen_t len = sizeof(local);
    idle_kickable_ = getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len) == 0 &&
                     (local.ss_family == AF_INET || local.ss_family == AF_INET6);
  }
  MEMCD_VLOG(1) << "conn " << fd_ << " opened";
  LogConnEvent(true);
  return event_add(read_event_, nullptr) == 0;
}

void Session::LogConnEvent(bool opened) {
  WatchLog* log = owner_->ctx()->watch_log;
  if (log == nullptr || !log->Wants(kWatchConnEvents)) return;
  if (peer_ip_.empty()) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    char ip[INET6_ADDRSTRLEN] = "";
    if (getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      if (addr.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
        peer_port_ = ntohs(in->sin_port);
      } else if (addr.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
        peer_port_ = ntohs(in6->sin6_port);
      } else if (addr.ss_family == AF_UNIX) {
        std::strcpy(ip, "unix");  // memcached's name for a unix socket peer
        transport_ = WatchTransport::kLocal;
      }
    }
    peer_ip_ = ip;
  }
  if (opened) {
    log->LogConnNew(peer_ip_, peer_port_, transport_, fd_);
  } else {
    log->LogConnClose(peer_ip_, peer_port_, transport_, close_reason_, fd_);
  }
}

bool Session::StartWatching() {
  // The watch log writes plaintext to the socket: not for TLS.
  if (tls_ != nullptr) {
    output_.AppendLine("WATCHER_FAILED failed to add log watcher");
    return false;
  }
  // memcached refuses while replies to earlier requests are still queued.
  if (!output_.empty()) {
    output_.AppendLine("CLIENT_ERROR cannot watch while processing commands");
    return false;
  }
  // Once added, the log thread may close the fd at any moment and the
  // number be reused: first let go of everything keyed by it.
  event_del(read_event_);
  event_del(write_event_);
  waiting_to_write_ = false;
  if (conn_entry_ != nullptr) {
    owner_->admin()->conns->Remove(fd_);
    conn_entry_ = nullptr;
  }
  Dispatcher* dispatcher = owner_->ctx()->dispatcher;
  const WatchLog::AddResult r = owner_->ctx()->watch_log->AddWatcher(
      fd_, owner_->handler()->watch_flags(), [dispatcher] { dispatcher->OnConnectionClosed(); });
  if (r == WatchLog::AddResult::kOk) {
    fd_released_ = true;
    closed_ = true;
    state_ = State::kClosing;
    return true;
  }
  output_.AppendLine(r == WatchLog::AddResult::kTooMany
                         ? "WATCHER_TOO_MANY log watcher limit reached"
                         : "WATCHER_FAILED failed to add log watcher");
  if (AdminState* admin = owner_->admin()) {
    conn_entry_ = admin->conns->Add(fd_, ConnRegistry::Kind::kClient);
  }
  event_add(read_event_, nullptr);
  return false;
}

bool Session::IdleLongerThan(RelTime now, int seconds) const {
  if (!idle_kickable_ || conn_entry_ == nullptr || closed_ || yielded_) return false;
  if (state_ != State::kCommand || waiting_to_write_ || dump_ != nullptr || !output_.empty()) {
    return false;
  }
  // A binary request with its header in is memcached's conn_nread: spared.
  if (binary_ != nullptr && !input_.empty()) return false;
  const RelTime last = conn_entry_->last_cmd.load(std::memory_order_relaxed);
  return now > last && now - last > static_cast<RelTime>(seconds);
}

void Session::CloseIdle() {
  MEMCD_VLOG(1) << "closing idle conn " << fd_;
  owner_->stats()->idle_kicks.Add(1);
  close_reason_ = WatchCloseReason::kIdleTimeout;
  closed_ = true;
}

void Session::OnEvent(int /*fd*/, short what, void* arg) {
  auto* self = static_cast<Session*>(arg);
  self->HandleEvent(what);
  if (self->closed_) self->owner_->Close(self);
}

void Session::HandleEvent(short what) {
  dump_batches_left_ = kDumpBatchesPerEvent;
  // A TLS write blocked on either event is retried first.
  if ((what & EV_WRITE) || (tls_ != nullptr && waiting_to_write_ && !yielded_)) {
    FlushOutput();
    return;
  }
  if (yielded_) {
    yielded_ = false;  // resumed by event_active(): input is already buffered
  } else if (!ReadInput()) {
    closed_ = true;
    return;
  } else if (tls_read_wants_write_) {
    tls_read_wants_write_ = false;
    WaitForWritable();  // FlushOutput() then resumes reading
    return;
  } else if (conn_entry_ != nullptr) {
    if (!seen_input_) {
      seen_input_ = true;
      conn_entry_->active.store(true, std::memory_order_relaxed);
    }
  }
  ProcessInput();
  // Decrypted bytes OpenSSL holds will not wake the socket's event.
  if (tls_ != nullptr && !closed_ && !waiting_to_write_ && !yielded_ && tls_->HasBuffered()) {
    event_active(read_event_, EV_READ, 0);
  }
}

bool Session::ReadTls() {
  char* p;
  size_t space;
  const bool direct = state_ == State::kValue && input_.empty() && value_.left() >= kDirectReadMin;
  if (direct) {
    iovec iov[1] = {};  // the value's first region; the next read takes the next
    value_.Regions(iov, 1);
    p = static_cast<char*>(iov[0].iov_base);
    space = iov[0].iov_len;
  } else {
    p = input_.PrepareWrite(kMinReadSpace, &space);
  }
  const TlsConnection::Result r = tls_->Read(p, space);
  switch (r.status) {
    case TlsConnection::Status::kOk:
      if (direct) {
        value_.Advance(r.bytes);
      } else {
        input_.Commit(r.bytes);
      }
      owner_->stats()->bytes_read.Add(r.bytes);
      return true;
    case TlsConnection::Status::kWantRead:
      return true;
    case TlsConnection::Status::kWantWrite:
      tls_read_wants_write_ = true;
      return true;
    case TlsConnection::Status::kClosed:
      return false;
    case TlsConnection::Status::kError:
      break;
  }
  MEMCD_VLOG(1) << "conn " << fd_ << " TLS read or handshake failed";
  close_reason_ = WatchCloseReason::kError;
  return false;
}

ResponseBuffer::FlushResult Session::FlushTls(size_t* written) {
  char* scratch = owner_->tls_scratch();
  return output_.FlushVia(
      [this, scratch](const iovec* iov, int count) -> ssize_t {
        const TlsConnection::Result r = tls_->Writev(iov, count, scratch);
        tls_write_wants_read_ = r.status == TlsConnection::Status::kWantRead;
        if (r.status == TlsConnection::Status::kOk) return static_cast<ssize_t>(r.bytes);
        const bool blocked = tls_write_wants_read_ || r.status == TlsConnection::Status::kWantWrite;
        errno = blocked ? EAGAIN : ECONNRESET;
        return -1;
      },
      written);
}

bool Session::ReadInput() {
  if (tls_ != nullptr) return ReadTls();
  return ReadPlain() != ReadResult::kGone;
}

Session::ReadResult Session::ReadPlain() {
  ssize_t n;
  if (state_ == State::kValue && input_.empty() &&
      value_.left() >= kDirectReadMin) {
    // Straight into the item's pieces (several chunks of a large value);
    // when they hold the whole rest of the value, what follows it ("\r\n",
    // the next request) goes to the input buffer in the same call.
    iovec iov[kDirectReadPieces + 1];
    const int pieces = value_.Regions(iov, kDirectReadPieces);
    size_t to_value = 0;
    for (int i = 0; i < pieces; ++i) to_value += iov[i].iov_len;
    int count = pieces;
    if (to_value == value_.left()) {
      size_t space;
      iov[count].iov_base = input_.PrepareWrite(kMinReadSpace, &space);
      iov[count++].iov_len = space;
    }
    n = readv(fd_, iov, count);
    if (n > 0) {
      const size_t filled = std::min(static_cast<size_t>(n), to_value);
      value_.Advance(filled);
      input_.Commit(static_cast<size_t>(n) - filled);
    }
  } else {
    size_t space;
    char* p = input_.PrepareWrite(kMinReadSpace, &space);
    n = read(fd_, p, space);
    if (n > 0) input_.Commit(n);
  }
  if (n > 0) {
    owner_->stats()->bytes_read.Add(n);
    return ReadResult::kData;
  }
  if (n == 0) return ReadResult::kGone;  // peer closed
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return ReadResult::kNone;
  MEMCD_VLOG(1) << "conn " << fd_ << " read error: " << strerror(errno);
  close_reason_ = WatchCloseReason::kError;
  return ReadResult::kGone;
}

bool Session::ReadOn(int* reads) {
  if (tls_ != nullptr || *reads >= kValueReadsPerEvent) return false;
  ++*reads;
  const ReadResult r = ReadPlain();
  if (r == ReadResult::kGone) closed_ = true;
  return r == ReadResult::kData;
}

void Session::ProcessInput() {
  const int limit = owner_->ctx()->options->reqs_per_event;
  TextHandler* handler = owner_->handler();
  handler->set_current_fd(fd_);
  int handled = 0;
  int value_reads = 0;      // reads for values still arriving, this event
  // The look-ahead: requests [ahead_first, ahead_first + ahead_n) are the
  // read lines whose keys and hashes it found, and it looks again from
  // looked_ahead_to. The keys point into input_, whose bytes change only
  // when it is read into (ReadOn): the entries are dropped there.
  std::string_view ahead_keys[Store::kPrefetchWindow];
  uint32_t ahead_hashes[Store::kPrefetchWindow];
  int ahead_first = 0;
  size_t ahead_n = 0;
  int looked_ahead_to = 0;
  clock_ns_ = 0;
  // A streaming dump holds back later requests: their replies follow "END".
  while (state_ != State::kClosing && dump_ == nullptr) {
    if (state_ == State::kValue) {
      ahead_n = 0;  // ReadOn may move or overwrite input_'s bytes
      if (ConsumeValue() || ReadOn(&value_reads)) continue;
      break;
    }
    if (state_ == State::kSwallow) {
      ahead_n = 0;
      if (ConsumeSwallow() || ReadOn(&value_reads)) continue;
      break;
    }
    if (input_.empty()) break;
    if (handled >= limit) {
      // Let the worker's other connections run; resume from the buffer.
      owner_->stats()->conn_yields.Add();
      yielded_ = true;
      event_active(read_event_, EV_READ, 0);
      break;
    }
    if (!authenticated_) {
      // Before the protocol is chosen, so binary cannot bypass -Y.
      if (!ProcessAuthStep()) break;
      handled++;
      continue;
    }
    if (negotiating_) {
      negotiating_ = false;
      if (static_cast<uint8_t>(input_.data()[0]) == kBinaryRequestMagic) {
        binary_ = std::make_unique<BinaryHandler>(owner_->ctx(), owner_->stats());
        binary_->set_current_fd(fd_);
      }
    }
    if (binary_ != nullptr) {
      if (!ProcessBinaryRequest()) break;
      handled++;
      continue;
    }
    if (handled >= looked_ahead_to) {
      // At most once per window of requests.
      ahead_first = handled;
      ahead_n = PrefetchPipelinedReads(ahead_keys, ahead_hashes);
      looked_ahead_to = handled + static_cast<int>(ahead_n > 0 ? ahead_n : Store::kPrefetchWindow);
    }
    Store::KnownHash known;
    if (const size_t i = static_cast<size_t>(handled - ahead_first); i < ahead_n) {
      known = {ahead_keys[i].data(), ahead_keys[i].size(), ahead_hashes[i]};
    }
    // A meta line without its end yet goes on to the text parser, which
    // waits for more or refuses an overlong line as for any command.
    if (IsMetaCommand(input_.data()) && ProcessMetaRequest(known)) {
      handled++;
      continue;
    }
    TextRequest req;
    ParseResult r = ParseTextRequest(input_.data(), &req);
    if (r.status == ParseStatus::kNeedMore) {
      if (input_.size() > kMaxGetLine) {
        output_.AppendLine("CLIENT_ERROR line too long");
        state_ = State::kClosing;
      }
      break;
    }
    handled++;
    MEMCD_VLOG(2) << "conn " << fd_ << " < " << RequestLineForLog(input_.data());
    if (r.status == ParseStatus::kError) {
      MEMCD_VLOG(1) << "conn " << fd_ << " error: " << r.error;
      handler->RejectRequest(req, r, &output_);
      input_.Consume(r.consumed);
      if (r.close) state_ = State::kClosing;
      continue;
    }
    const uint64_t started = RequestStart();
    TextHandler::Next next = handler->Handle(req, &output_, &pending_, &dump_, known);
    TimeRequest(FamilyOfText(req.command), started, next == TextHandler::Next::kReadValue);
    input_.Consume(r.consumed);  // req's views stay valid until here
    switch (next) {
      case TextHandler::Next::kCommand:
        break;
      case TextHandler::Next::kReadValue:
        state_ = State::kValue;
        value_ = ValueWriter(pending_.item);
        break;
      case TextHandler::Next::kSwallow:
        state_ = State::kSwallow;
        swallow_left_ = uint64_t{pending_.value_length} + 2;
        break;
      case TextHandler::Next::kClose:
        state_ = State::kClosing;
        break;
      case TextHandler::Next::kStreamDump:
        // A small dump ends here; a big one goes on in FlushOutput().
        ProduceDump();
        break;
      case TextHandler::Next::kWatch:
        // The socket is the watch log's now: no more reads or writes here.
        if (StartWatching()) return;
        break;
    }
  }
  // As memcached's last_cmd_time, the idle clock restarts on a request, not
  // on any byte: a client trickling a line is still idle.
  if (handled > 0 && conn_entry_ != nullptr) {
    conn_entry_->last_cmd.store(owner_->ctx()->clock->Now(), std::memory_order_relaxed);
  }
  FlushOutput();
}

bool Session::ProcessBinaryRequest() {
  size_t consumed = 0;
  uint64_t swallow = 0;
  const uint8_t opcode = input_.size() > 1 ? static_cast<uint8_t>(input_.data()[1]) : 0;
  const uint64_t started = RequestStart();
  const BinaryHandler::Next next =
      binary_->Handle(input_.data(), &consumed, &output_, &pending_, &swallow);
  if (next == BinaryHandler::Next::kNeedMore) return false;
  TimeRequest(FamilyOfBinary(opcode), started, next == BinaryHandler::Next::kReadValue);
  input_.Consume(consumed);
  switch (next) {
    case BinaryHandler::Next::kReadValue:
      state_ = State::kValue;
      value_ = ValueWriter(pending_.item);
      break;
    case BinaryHandler::Next::kSwallow:
      state_ = State::kSwallow;
      swallow_left_ = swallow;
      break;
    case BinaryHandler::Next::kClose:
      state_ = State::kClosing;
      break;
    case BinaryHandler::Next::kNeedMore:
    case BinaryHandler::Next::kCommand:
      break;
  }
  return true;
}

bool Session::ProcessMetaRequest(const Store::KnownHash& known) {
  size_t consumed = 0;
  const uint64_t started = RequestStart();
  const TextHandler::Next next =
      owner_->handler()->HandleMeta(input_.data(), &consumed, &output_, &pending_, known);
  if (consumed == 0) return false;  // no whole line yet
  TimeRequest(FamilyOfMeta(input_.data()), started, next == TextHandler::Next::kReadValue);
  DCHECK_GT(consumed, 0u) << "a whole meta line is always consumed";
  MEMCD_VLOG(2) << "conn " << fd_ << " < " << RequestLineForLog(input_.data());
  input_.Consume(consumed);
  if (next == TextHandler::Next::kReadValue) {
    state_ = State::kValue;
    value_ = ValueWriter(pending_.item);
  } else if (next == TextHandler::Next::kSwallow) {
    state_ = State::kSwallow;
    swallow_left_ = uint64_t{pending_.value_length} + 2;
  }
  return true;
}

bool Session::ProcessAuthStep() {
  size_t consumed = 0;
  std::string_view reply;
  uint64_t swallow = 0;
  const std::shared_ptr<const AuthFile> auth = owner_->auth();
  if (!auth->Step(input_.data(), &consumed, &reply, &swallow, &authenticated_,
                  owner_->stats())) {
    // A command line plus the largest token block memcd buffers.
    if (input_.size() > kMaxCommandLine + AuthFile::kMaxTokenBlock + 2) {
      output_.AppendLine("CLIENT_ERROR line too long");
      state_ = State::kClosing;
    }
    return false;
  }
  input_.Consume(consumed);
  output_.Append(reply);
  if (swallow > 0) {
    state_ = State::kSwallow;
    swallow_left_ = swallow;
  }
  return true;
}

bool Session::ConsumeValue() {
  if (value_.left() > 0) {
    if (input_.empty()) return false;
    input_.Consume(value_.Write(input_.data().data(), input_.size()));
    if (value_.left() > 0) return false;
  }
  if (binary_ != nullptr) {  // a binary value has no "\r\n" after it
    value_ = ValueWriter();
    const uint64_t started = RequestStart();
    binary_->CompleteStore(&pending_, &output_);
    TimeRequest(pending_family_, started, false);
    state_ = State::kCommand;
    return true;
  }
  if (input_.size() < 2) return false;
  std::string_view end = input_.data().substr(0, 2);
  input_.Consume(2);
  value_ = ValueWriter();  // drops its pointers into the item
  const uint64_t started = RequestStart();
  owner_->handler()->CompleteStore(&pending_, end == "\r\n", &output_);
  TimeRequest(pending_family_, started, false);
  state_ = State::kCommand;
  return true;
}

uint64_t Session::RequestStart() const {
  return clock_ns_ != 0 ? clock_ns_ : MonotonicNanos();
}

size_t Session::PrefetchPipelinedReads(std::string_view* keys, uint32_t* hashes) {
  // The quick test first: most reads hold one request.
  if (!MayHoldPipelinedReads(input_.data())) return 0;
  const size_t n = PipelinedReadKeys(input_.data(), keys, Store::kPrefetchWindow);
  if (n < 2) return 0;
  owner_->ctx()->store->PrefetchKeys(keys, n, hashes);
  return n;
}

void Session::TimeRequest(CommandFamily family, uint64_t started, bool value_follows) {
  clock_ns_ = MonotonicNanos();
  const uint64_t nanos = pending_nanos_ + (clock_ns_ - started);
  if (value_follows) {  // the value's arrival is not the server's time
    pending_family_ = family;
    pending_nanos_ = nanos;
    return;
  }
  pending_nanos_ = 0;
  owner_->stats()->latency[static_cast<int>(family)].Record(nanos);
}

bool Session::ConsumeSwallow() {
  size_t n = std::min<uint64_t>(swallow_left_, input_.size());
  input_.Consume(n);
  swallow_left_ -= n;
  if (swallow_left_ > 0) return false;
  state_ = State::kCommand;
  return true;
}

void Session::FlushOutput() {
  bool dump_ended = false;
  while (true) {
    if (!output_.empty()) {
      MEMCD_VLOG(2) << "conn " << fd_ << " > " << output_.pending_bytes() << " bytes";
      size_t written = 0;
      ResponseBuffer::FlushResult r =
          tls_ == nullptr ? output_.Flush(fd_, &written) : FlushTls(&written);
      owner_->stats()->bytes_written.Add(written);
      if (r == ResponseBuffer::FlushResult::kError) {
        MEMCD_VLOG(1) << "conn " << fd_ << " write error: " << strerror(errno);
        close_reason_ = WatchCloseReason::kError;
        closed_ = true;
        return;
      }
      if (r == ResponseBuffer::FlushResult::kBlocked) {
        // Back-pressure: read nothing more until the client takes its replies.
        if (tls_ != nullptr) {
          WaitForTls(tls_write_wants_read_);
          return;
        }
        WaitForWritable();
        return;
      }
      output_.Clear();
    }
    if (dump_ == nullptr) break;
    if (dump_batches_left_ <= 0) {
      // The socket is writable, so the write event brings the dump back on
      // the loop's next poll, after the other ready connections.
      WaitForWritable();
      return;
    }
    dump_ended = ProduceDump();
  }
  if (state_ == State::kClosing) {
    closed_ = true;
    return;
  }
  if (waiting_to_write_ || dump_ended) {
    if (waiting_to_write_) {
      waiting_to_write_ = false;
      event_del(write_event_);
      event_add(read_event_, nullptr);
    }
    if (!input_.empty()) {
      yielded_ = true;  // requests already buffered: run them without a read
      event_active(read_event_, EV_READ, 0);
    } else if (tls_ != nullptr) {
      event_active(read_event_, EV_READ, 0);  // a read that waited, or bytes OpenSSL holds
    }
  }
  input_.ReleaseIfEmpty();
}

void Session::WaitForTls(bool readable) {
  // OpenSSL may need the socket readable to finish a write; either event
  // then retries it (HandleEvent()).
  waiting_to_write_ = true;
  event_del(readable ? write_event_ : read_event_);
  event_add(readable ? read_event_ : write_event_, nullptr);
}

void Session::WaitForWritable() {
  if (waiting_to_write_) return;
  event_del(read_event_);
  event_add(write_event_, nullptr);
  waiting_to_write_ = true;
}

bool Session::ProduceDump() {
  std::string batch;
  while (output_.pending_bytes() < kDumpFill && dump_batches_left_ > 0) {
    dump_batches_left_--;
    batch.clear();
    const bool more = dump_->Next(&batch, kDumpBatch);
    output_.Append(batch);
    if (!more) {
      output_.Append("END\r\n");
      dump_.reset();  // releases its item pin now, not at close
      return true;
    }
  }
  return false;
}

WorkerSessions::WorkerSessions(ServerContext* ctx, Worker* worker)
    : ctx_(ctx),
      worker_(worker),
      handler_(ctx, &stats_),
      buffers_(kBufferSize, kPooledBuffers) {}

WorkerSessions::~WorkerSessions() {
  CloseAll();
  if (idle_timer_ != nullptr) event_free(idle_timer_);
}

std::shared_ptr<const AuthFile> WorkerSessions::auth() const {
  if (live_auth_ != nullptr) return std::atomic_load(live_auth_);
  // Without a live source (tests), the admin state's file, borrowed.
  return std::shared_ptr<const AuthFile>(std::shared_ptr<const AuthFile>(), admin_->auth);
}

bool WorkerSessions::StartIdleTimer(int seconds) {
  idle_timeout_ = seconds;
  idle_timer_ = event_new(worker_->base(), -1, EV_PERSIST, &WorkerSessions::OnIdleTimer, this);
  const timeval every{1, 0};
  return idle_timer_ != nullptr && event_add(idle_timer_, &every) == 0;
}

void WorkerSessions::OnIdleTimer(int /*fd*/, short /*what*/, void* arg) {
  auto* self = static_cast<WorkerSessions*>(arg);
  const RelTime now = self->ctx_->clock->Now();
  std::vector<Session*> idle;
  for (const auto& entry : self->sessions_) {
    if (entry.first->IdleLongerThan(now, self->idle_timeout_)) idle.push_back(entry.first);
  }
  for (Session* s : idle) {
    s->CloseIdle();
    self->Close(s);
  }
}

event_base* WorkerSessions::base() const { return worker_->base(); }

char* WorkerSessions::tls_scratch() {
  if (tls_scratch_ == nullptr) {
    tls_scratch_ = std::make_unique<char[]>(ctx_->tls->options().wbuf_size);
  }
  return tls_scratch_.get();
}

void WorkerSessions::Open(int fd, bool tls) {
  auto session = std::make_unique<Session>(this, fd, tls);
  Session* raw = session.get();
  if (!raw->Start()) {
    LOG(ERROR) << "cannot register connection " << fd << " with the event loop";
    return;  // the unique_ptr closes it
  }
  sessions_.emplace(raw, std::move(session));
}

void WorkerSessions::set_admin(AdminState* admin) {
  admin_ = admin;
  handler_.set_admin(admin);
}

void WorkerSessions::Close(Session* session) { sessions_.erase(session); }

void WorkerSessions::CloseAll() { sessions_.clear(); }

}  // namespace memcd
