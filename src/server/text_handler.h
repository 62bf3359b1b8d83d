// The text protocol's request handler: the one place where a parsed request
// meets the store. It formats replies into a ResponseBuffer and tells the
// session what to read next; it never touches a socket.
#ifndef MEMCD_SERVER_TEXT_HANDLER_H_
#define MEMCD_SERVER_TEXT_HANDLER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proto/text_parser.h"
#include "server/response_buffer.h"
#include "server/server_context.h"
#include "stats/thread_stats.h"
#include "store/lru_crawler.h"
#include "store/store.h"

namespace memcd {

class MetaHandler;  // server/meta_handler.h
struct AdminState;  // server/admin_commands.h

// A storage command whose data block is still being read.
struct PendingStore {
  ItemRef item;             // empty when the data is being swallowed
  StoreMode mode = StoreMode::kSet;
  uint64_t cas_in = 0;
  bool noreply = false;
  uint32_t value_length = 0;
  // An ms: its command line, parsed again once the data has arrived
  // (server/meta_handler.h); empty for every other command.
  std::string meta_line;
};

class TextHandler {
 public:
  // Both pointers are borrowed; `stats` belongs to the calling worker.
  TextHandler(ServerContext* ctx, ThreadStats* stats);
  ~TextHandler();
  TextHandler(const TextHandler&) = delete;
  TextHandler& operator=(const TextHandler&) = delete;

  enum class Next {
    kCommand,    // read the next command
    kReadValue,  // read pending->value_length + 2 bytes into pending->item
    kSwallow,    // discard pending->value_length + 2 bytes
    kClose,      // send what is queued, then close
    kStreamDump, // send *dump's lines, then "END\r\n", before the next reply
    kWatch,      // hand the connection to the watch log with watch_flags()
  };

  // Executes `req` (or, for storage commands, prepares *pending). A metadump
  // writes nothing: its producer goes to *dump, for the session to stream at
  // the pace the client reads.
  // `known`: the hash of a get's first key, when the look-ahead found it
  // (see Store::KnownHash); used only when it names that very key.
  Next Handle(const TextRequest& req, ResponseBuffer* out, PendingStore* pending,
              std::unique_ptr<LruMetadump>* dump,
              const Store::KnownHash& known = Store::KnownHash());
  // Answers a request the parser refused (`req` holds what was parsed).
  void RejectRequest(const TextRequest& req, const ParseResult& result, ResponseBuffer* out);
  // The data block of a pending storage command (text or meta) has arrived;
  // `terminated` tells whether it was followed by "\r\n".
  void CompleteStore(PendingStore* pending, bool terminated, ResponseBuffer* out);
  // A meta command line (proto/meta_parser.h's IsMetaCommand()): see
  // MetaHandler::Handle. *consumed is 0 while the line is incomplete.
  Next HandleMeta(std::string_view buf, size_t* consumed, ResponseBuffer* out,
                  PendingStore* pending,
                  const Store::KnownHash& known = Store::KnownHash());

  // The shared admin state (borrowed; null: the admin commands behave as
  // with every option off, and no prefix stats are kept).
  void set_admin(AdminState* admin) { admin_ = admin; }
  // The socket of the connection whose requests follow ("stats conns",
  // "watch" lines' cfd).
  void set_current_fd(int fd);
  // After Next::kWatch: the event types asked for (stats/watch_log.h).
  uint32_t watch_flags() const { return watch_flags_; }

 private:
  Next StartStore(const TextRequest& req, ResponseBuffer* out, PendingStore* pending);
  void Get(const TextRequest& req, const Store::KnownHash& known, ResponseBuffer* out);
  void Arith(const TextRequest& req, ResponseBuffer* out);
  void Stats(const TextRequest& req, ResponseBuffer* out);
  void Reply(const TextRequest& req, ResponseBuffer* out, std::string_view line);

  ServerContext* ctx_;
  ThreadStats* stats_;
  std::unique_ptr<MetaHandler> meta_;
  AdminState* admin_ = nullptr;
  int current_fd_ = -1;
  uint32_t watch_flags_ = 0;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_TEXT_HANDLER_H_
