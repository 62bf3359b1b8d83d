// One client connection on a worker: reads bytes, runs every complete
// pipelined request through the parser and the handler (at most -R per
// event before yielding), and writes the replies with gathered writes. While
// replies are blocked on a slow reader it stops reading (back-pressure).
// A metadump is streamed: batches are produced only into an empty output
// buffer, a bounded amount per event, so a dump of any size completes while
// the connection holds a few hundred KiB and the worker's other connections
// keep their turns; requests pipelined after it wait until its "END".
#ifndef MEMCD_SERVER_SESSION_H_
#define MEMCD_SERVER_SESSION_H_

#include <memory>
#include <string>
#include <unordered_map>

#include "net/buffer_pool.h"
#include "net/read_buffer.h"
#include "server/conn_registry.h"
#include "server/response_buffer.h"
#include "server/server_context.h"
#include "server/text_handler.h"
#include "stats/thread_stats.h"
#include "store/lru_crawler.h"

struct event;
struct event_base;

namespace memcd {

class BinaryHandler;
struct AdminState;
class Worker;
class WorkerSessions;

class Session {
 public:
  // Takes ownership of `fd`. `owner` outlives the session.
  Session(WorkerSessions* owner, int fd);
  ~Session();  // closes the fd and releases every held item
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool Start();

 private:
  enum class State { kCommand, kValue, kSwallow, kClosing };

  static void OnEvent(int fd, short what, void* arg);
  void HandleEvent(short what);
  // Reads what the socket has; false when the peer is gone.
  bool ReadInput();
  void ProcessInput();
  // Handles one binary request; false when more input is needed.
  bool ProcessBinaryRequest();
  // Handles one meta request whose whole line is buffered.
  void ProcessMetaRequest();
  // Consumes data-block bytes; false when more input is needed.
  bool ConsumeValue();
  bool ConsumeSwallow();
  // Writes pending output (and the metadump, if one streams), switching
  // between reading and waiting to write.
  void FlushOutput();
  // Stops reading until the socket is writable.
  void WaitForWritable();
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
};

// A worker's sessions and what they share: the handler and its counters.
// All methods run on the worker's thread, except CloseAll().
class WorkerSessions {
 public:
  WorkerSessions(ServerContext* ctx, Worker* worker);
  ~WorkerSessions();

  // Worker thread: a new connection.
  void Open(int fd);
  // Worker thread: destroys `session`.
  void Close(Session* session);
  // Destroys every session; only once the worker thread has stopped.
  void CloseAll();

  ServerContext* ctx() const { return ctx_; }
  event_base* base() const;
  ThreadStats* stats() { return &stats_; }
  TextHandler* handler() { return &handler_; }
  BufferPool* buffer_pool() { return &buffers_; }
  // Borrowed; set once before the worker starts (null: no admin features).
  void set_admin(AdminState* admin);
  AdminState* admin() const { return admin_; }

 private:
  ServerContext* ctx_;
  Worker* worker_;
  ThreadStats stats_;
  TextHandler handler_;
  BufferPool buffers_;  // read buffers and reply blocks of this worker's sessions
  AdminState* admin_ = nullptr;
  std::unordered_map<Session*, std::unique_ptr<Session>> sessions_;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_SESSION_H_
