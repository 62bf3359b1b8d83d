// The binary protocol's request handler for one connection: parses each
// request (proto/binary_parser.h), runs it against the store and formats
// memcached 1.6.18's reply packets into a ResponseBuffer. Like TextHandler it
// never touches a socket; the session reads values and discards bytes as
// told. Counters are the text protocol's (cmd_get, get_hits, ...), counted
// as memcached counts them for binary requests.
//
// Replies echo the request's opcode and opaque. Quiet opcodes send nothing
// on success (GETQ/GETKQ/GATQ/GATKQ: nothing on a miss); errors are always
// sent. A request the protocol cannot follow (bad magic, inconsistent
// lengths, a key over 250 bytes) is answered as memcached does, if at all,
// and ends the connection.
//
// With -S the connection must authenticate with SASL_AUTH/SASL_STEP (see
// server/sasl_auth.h): until it has, any request but SASL_LIST_MECHS,
// SASL_AUTH, SASL_STEP and VERSION is answered AUTH_ERROR and ends the
// connection. As in memcached, each of those three SASL requests first
// drops the authentication the connection had.
#ifndef MEMCD_SERVER_BINARY_HANDLER_H_
#define MEMCD_SERVER_BINARY_HANDLER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "proto/binary_parser.h"
#include "server/response_buffer.h"
#include "server/sasl_auth.h"
#include "server/server_context.h"
#include "server/text_handler.h"
#include "stats/thread_stats.h"

namespace memcd {

class BinaryHandler {
 public:
  // Both pointers are borrowed; `stats` belongs to the calling worker.
  BinaryHandler(ServerContext* ctx, ThreadStats* stats)
      : ctx_(ctx), stats_(stats) {}
  BinaryHandler(const BinaryHandler&) = delete;
  BinaryHandler& operator=(const BinaryHandler&) = delete;

  enum class Next {
    kNeedMore,   // no complete request yet; nothing consumed
    kCommand,    // handle the next request
    kReadValue,  // read pending->value_length bytes into pending->item,
                 // then call CompleteStore()
    kSwallow,    // discard *swallow bytes
    kClose,      // send what is queued, then close
  };

  // Handles the request at the front of `input`; *consumed gets the bytes it
  // used (the header, extras and key), which the caller drops.
  Next Handle(std::string_view input, size_t* consumed, ResponseBuffer* out,
              PendingStore* pending, uint64_t* swallow);
  // The value of the pending storage request has been read.
  void CompleteStore(PendingStore* pending, ResponseBuffer* out);
  // The connection's socket, for "watch" lines' cfd.
  void set_current_fd(int fd) { current_fd_ = fd; }

 private:
  Next Execute(const BinaryRequest& req, ResponseBuffer* out,
               PendingStore* pending, uint64_t* swallow);
  void Get(const BinaryRequest& req, ResponseBuffer* out);
  Next StartStore(const BinaryRequest& req, ResponseBuffer* out,
                  PendingStore* pending, uint64_t* swallow);
  void Delete(const BinaryRequest& req, ResponseBuffer* out);
  void Arith(const BinaryRequest& req, ResponseBuffer* out);
  void Stat(const BinaryRequest& req, ResponseBuffer* out);
  // -S: a SASL request whose header and mechanism (`head` bytes) start
  // `input`, followed by `data_length` bytes of data.
  Next Sasl(const BinaryHeader& header, std::string_view input, size_t head,
            uint64_t data_length, size_t* consumed, ResponseBuffer* out,
            uint64_t* swallow);

  // Appends one reply packet to `request`: header, extras, key and body;
  // `more` body bytes (a value) are appended by the caller after it.
  static void Reply(const BinaryHeader& request, BinaryStatus status,
                    uint64_t cas, std::string_view extras,
                    std::string_view key, std::string_view body, size_t more,
                    ResponseBuffer* out);
  // A reply with no extras or key, and `text` (the status's default when
  // null) as body.
  static void Error(const BinaryHeader& request, BinaryStatus status,
                    ResponseBuffer* out, const char* text = nullptr);
  // A success reply unless the request is quiet.
  static void Success(const BinaryRequest& req, uint64_t cas,
                      std::string_view body, ResponseBuffer* out);

  ServerContext* ctx_;
  ThreadStats* stats_;
  int current_fd_ = -1;
  // The storage request whose value is being read.
  BinaryHeader store_header_;
  BinaryCommand store_command_ = BinaryCommand::kSet;
  // -S: this connection's SASL exchange (created on its first SASL
  // request), and whether it has authenticated.
  std::unique_ptr<SaslSession> sasl_;
  bool authenticated_ = false;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_BINARY_HANDLER_H_
