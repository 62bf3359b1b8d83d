// One client connection on a worker: reads bytes, runs every complete
// pipelined request through the parser and the handler (at most -R per
// event before yielding), and writes the replies with gathered writes. While
// replies are blocked on a slow reader it stops reading (back-pressure).
// A metadump is streamed: batches are produced only into an empty output
// buffer, a bounded amount per event, so a dump of any size completes while
// the connection holds a few hundred KiB and the worker's other connections
// keep their turns; requests pipelined after it wait until its "END".
// A TLS session (-Z) reads and writes through its TlsConnection, whose
// handshake and WANT_READ / WANT_WRITE ride on the same two events; a
// plaintext one has none and takes the plain read()/sendmsg() path.
#ifndef MEMCD_SERVER_SESSION_H_
#define MEMCD_SERVER_SESSION_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "net/buffer_pool.h"
#include "net/read_buffer.h"
#include "net/tls.h"
#include "server/conn_registry.h"
#include "server/response_buffer.h"
#include "server/server_context.h"
#include "server/text_handler.h"
#include "stats/thread_stats.h"
#include "store/lru_crawler.h"
#include "store/store.h"

struct event;
struct event_base;

namespace memcd {

class AuthFile;
class BinaryHandler;
struct AdminState;
class Worker;
class WorkerSessions;

class Session {
 public:
  // Takes ownership of `fd`, served over TLS when `tls` (which needs the
  // server's TLS context). `owner` outlives the session.
  Session(WorkerSessions* owner, int fd, bool tls = false);
  ~Session();  // closes the fd and releases every held item
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool Start();

  // -o idle_timeout: whether this is a TCP client waiting for a command
  // (no value, reply or dump in progress, as memcached's conn_read) whose
  // last read was more than `seconds` before `now`.
  bool IdleLongerThan(RelTime now, int seconds) const;
  // Counts an idle kick and closes; the owner then destroys the session.
  void CloseIdle();

 private:
  enum class State { kCommand, kValue, kSwallow, kClosing };

  static void OnEvent(int fd, short what, void* arg);
  void HandleEvent(short what);
  // Reads what the socket has; false when the peer is gone.
  bool ReadInput();
  enum class ReadResult { kData, kNone, kGone };
  // One read() or readv() of a plaintext socket, into the input buffer or
  // the value arriving; kGone when the peer is gone (closed or an error).
  ReadResult ReadPlain();
  // While a value (or a refused value's bytes) is still arriving: reads on
  // in this event, as memcached's conn_nread does, rather than after every
  // other ready connection, at most kValueReadsPerEvent times (counted in
  // *reads). True when bytes came; sets closed_ when the peer is gone.
  bool ReadOn(int* reads);
  // ReadInput() for TLS; sets tls_read_wants_write_ when OpenSSL must
  // write before it can read on.
  bool ReadTls();
  // Flush() of the output through the TLS connection.
  ResponseBuffer::FlushResult FlushTls(size_t* written);
  void ProcessInput();
  // Handles one binary request; false when more input is needed.
  bool ProcessBinaryRequest();
  // Handles one meta request whose whole line is buffered.
  // false (nothing consumed) while its line is incomplete. `known`: see
  // MetaHandler::Handle.
  bool ProcessMetaRequest(const Store::KnownHash& known);
  // Consumes data-block bytes; false when more input is needed.
  bool ConsumeValue();
  bool ConsumeSwallow();
  // Writes pending output (and the metadump, if one streams), switching
  // between reading and waiting to write.
  void FlushOutput();
  // Stops reading until the socket is writable.
  void WaitForWritable();
  // A blocked TLS write: waits for the event OpenSSL asked for.
  void WaitForTls(bool readable);
  // Appends metadump batches while the output holds under a bound and this
  // event's budget lasts; at the dump's end appends "END" and drops the
  // producer. True when the dump is over.
  bool ProduceDump();
  // Before -Y authentication: one AuthFile::Step(); false when more input
  // is needed.
  bool ProcessAuthStep();
  // "watch": hands the socket to the watch log (the session then closes
  // without closing it), or appends memcached's refusal. True on hand-off.
  bool StartWatching();
  // "watch connevents": the peer's address, looked up once.
  void LogConnEvent(bool opened);
  // Prefetches the lookups of the read requests waiting in input_ (see
  // proto/lookahead.h): their keys and hashes go to keys[] and hashes[]
  // (Store::kPrefetchWindow each). Returns how many; 0 when fewer than
  // two, as one lookup has nothing to overlap with.
  size_t PrefetchPipelinedReads(std::string_view* keys, uint32_t* hashes);
  // /metrics latency: the handler ran from `started` (MonotonicNanos()) to
  // now. A request whose value follows is recorded once the value is
  // stored, with both handler runs added and the wait between left out.
  void TimeRequest(CommandFamily family, uint64_t started, bool value_follows);
  // A request's start: the previous one's end within this ProcessInput()
  // (one clock read per request, not two), else the clock.
  uint64_t RequestStart() const;

  WorkerSessions* owner_;
  const int fd_;
  event* read_event_ = nullptr;
  event* write_event_ = nullptr;
  bool waiting_to_write_ = false;  // output blocked: reading paused
  bool yielded_ = false;           // re-activated with input still buffered
  bool closed_ = false;            // destroy once the current event returns
  State state_ = State::kCommand;
  ReadBuffer input_;
  ResponseBuffer output_;
  PendingStore pending_;
  ValueWriter value_;            // kValue: fills pending_.item's value
  uint64_t swallow_left_ = 0;    // kSwallow: bytes still to discard
  // A metadump being streamed (holds an item pin; dropped on close). While
  // set, no further request is processed.
  std::unique_ptr<LruMetadump> dump_;
  int dump_batches_left_ = 0;    // this event's budget of dump batches
  // The protocol (-B): binary_ is set once the connection speaks binary;
  // under "auto" its first byte decides, while negotiating_.
  bool negotiating_ = false;
  std::unique_ptr<BinaryHandler> binary_;
  // "stats conns" sees this connection through its entry (null without admin
  // state); only last_cmd is written per event.
  ConnRegistry::Entry* conn_entry_ = nullptr;
  bool seen_input_ = false;     // conn_entry_->active already set
  bool authenticated_ = true;   // false under -Y until a good token
  bool fd_released_ = false;    // handed to the watch log: not ours to close
  WatchCloseReason close_reason_ = WatchCloseReason::kNormal;  // for "watch connevents"
  std::string peer_ip_;         // LogConnEvent()'s cache; empty until looked up
  int peer_port_ = 0;
  WatchTransport transport_ = WatchTransport::kTcp;
  CommandFamily pending_family_ = CommandFamily::kOther;  // TimeRequest()'s request
  uint64_t clock_ns_ = 0;  // the last TimeRequest()'s clock; 0: read afresh
  uint64_t pending_nanos_ = 0;  // awaiting its value: handler time so far
  bool idle_kickable_ = false;  // TCP under -o idle_timeout (memcached spares unix sockets)
  // -Z: set for a TLS connection, null for plaintext.
  const bool wants_tls_;
  std::unique_ptr<TlsConnection> tls_;
  bool tls_read_wants_write_ = false;  // a read stopped until the socket is writable
  bool tls_write_wants_read_ = false;  // a write stopped until the socket is readable
};

// A worker's sessions and what they share: the handler and its counters.
// All methods run on the worker's thread, except CloseAll().
class WorkerSessions {
 public:
  WorkerSessions(ServerContext* ctx, Worker* worker);
  ~WorkerSessions();

  // Worker thread: a new connection, over TLS when `tls`.
  void Open(int fd, bool tls = false);
  // Worker thread: destroys `session`.
  void Close(Session* session);
  // Destroys every session; only once the worker thread has stopped.
  void CloseAll();

  ServerContext* ctx() const { return ctx_; }
  event_base* base() const;
  ThreadStats* stats() { return &stats_; }
  TextHandler* handler() { return &handler_; }
  BufferPool* buffer_pool() { return &buffers_; }
  // -Z: the buffer TLS writes gather small pieces into (ssl_wbuf_size
  // bytes, shared: a retried write copies its bytes in again).
  char* tls_scratch();
  // Borrowed; set once before the worker starts (null: no admin features).
  void set_admin(AdminState* admin);
  AdminState* admin() const { return admin_; }
  // -Y's entries as last (re)loaded: `live` is read with std::atomic_load,
  // so the server can swap it on SIGHUP. Set once before the worker starts.
  void set_auth_source(const std::shared_ptr<const AuthFile>* live) { live_auth_ = live; }
  std::shared_ptr<const AuthFile> auth() const;
  // -o idle_timeout=N (N > 0): once a second, closes the sessions idle
  // longer than N seconds. Call once, before the worker starts.
  bool StartIdleTimer(int seconds);

 private:
  ServerContext* ctx_;
  Worker* worker_;
  ThreadStats stats_;
  TextHandler handler_;
  BufferPool buffers_;  // read buffers and reply blocks of this worker's sessions
  AdminState* admin_ = nullptr;
  const std::shared_ptr<const AuthFile>* live_auth_ = nullptr;
  std::unique_ptr<char[]> tls_scratch_;  // allocated by the first TLS write
  int idle_timeout_ = 0;          // seconds; 0 = off
  event* idle_timer_ = nullptr;   // on the worker's base
  std::unordered_map<Session*, std::unique_ptr<Session>> sessions_;

  static void OnIdleTimer(int fd, short what, void* arg);
};

}  // namespace memcd

#endif  // MEMCD_SERVER_SESSION_H_
