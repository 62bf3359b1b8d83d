// memcached's binary protocol (as of 1.6.18, without SASL): the 24-byte
// header in both directions, and a pure parser from the bytes a client has
// sent so far to one request, with memcached's per-opcode checks. Nothing is
// copied: the views in a BinaryRequest point into the caller's buffer.
//
// A request is consumed as header + extras + key. For storage commands the
// `value_length` bytes that follow are the value, which the caller reads
// itself (straight into item memory). For the other opcodes memcached reads
// nothing more, so body bytes beyond extras + key (which only STAT, TOUCH
// and GAT* let through) are parsed as the next request; we do the same.
#ifndef MEMCD_PROTO_BINARY_PARSER_H_
#define MEMCD_PROTO_BINARY_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace memcd {

constexpr uint8_t kBinaryRequestMagic = 0x80;
constexpr uint8_t kBinaryResponseMagic = 0x81;
constexpr size_t kBinaryHeaderSize = 24;
// An incr/decr's expiration meaning "do not create a missing key".
constexpr uint32_t kBinaryNoCreate = 0xffffffff;

// Opcodes memcached 1.6.18 knows (protocol_binary.h).
namespace binop {
constexpr uint8_t kGet = 0x00, kSet = 0x01, kAdd = 0x02, kReplace = 0x03,
                  kDelete = 0x04, kIncrement = 0x05, kDecrement = 0x06,
                  kQuit = 0x07, kFlush = 0x08, kGetQ = 0x09, kNoop = 0x0a,
                  kVersion = 0x0b, kGetK = 0x0c, kGetKQ = 0x0d,
                  kAppend = 0x0e, kPrepend = 0x0f, kStat = 0x10,
                  kSetQ = 0x11, kAddQ = 0x12, kReplaceQ = 0x13,
                  kDeleteQ = 0x14, kIncrementQ = 0x15, kDecrementQ = 0x16,
                  kQuitQ = 0x17, kFlushQ = 0x18, kAppendQ = 0x19,
                  kPrependQ = 0x1a, kVerbosity = 0x1b, kTouch = 0x1c,
                  kGat = 0x1d, kGatQ = 0x1e, kSaslListMechs = 0x20,
                  kSaslAuth = 0x21, kSaslStep = 0x22, kGatK = 0x23,
                  kGatKQ = 0x24;
}  // namespace binop

enum class BinaryStatus : uint16_t {
  kSuccess = 0x00,
  kKeyNotFound = 0x01,      // KEY_ENOENT
  kKeyExists = 0x02,        // KEY_EEXISTS
  kTooLarge = 0x03,         // E2BIG
  kInvalidArguments = 0x04, // EINVAL
  kNotStored = 0x05,        // NOT_STORED
  kDeltaBadValue = 0x06,    // DELTA_BADVAL
  kAuthError = 0x20,        // SASL: not authenticated, or a failed exchange
  kAuthContinue = 0x21,     // SASL: another step is needed
  kUnknownCommand = 0x81,
  kOutOfMemory = 0x82,      // ENOMEM
};

// memcached's default body for an error status ("Not found", ...).
std::string_view BinaryStatusText(BinaryStatus status);

// The header, host byte order. `status` is the request's vbucket field.
struct BinaryHeader {
  uint8_t magic = 0;
  uint8_t opcode = 0;
  uint16_t key_length = 0;
  uint8_t extras_length = 0;
  uint8_t data_type = 0;
  uint16_t status = 0;
  uint32_t body_length = 0;
  uint32_t opaque = 0;  // echoed as is: never byte-swapped
  uint64_t cas = 0;
};

// Network byte order stores, for extras and bodies.
void StoreBigEndian32(uint32_t value, char* out);
void StoreBigEndian64(uint64_t value, char* out);

// REQUIRES: `in` holds kBinaryHeaderSize bytes.
void DecodeBinaryHeader(const char* in, BinaryHeader* header);
// Writes kBinaryHeaderSize bytes at `out`.
void EncodeBinaryHeader(const BinaryHeader& header, char* out);

// What an opcode does, its quiet variant folded into `quiet`.
enum class BinaryCommand {
  kGet, kGetK, kSet, kAdd, kReplace, kAppend, kPrepend, kDelete,
  kIncrement, kDecrement, kQuit, kFlush, kNoop, kVersion, kStat,
  kTouch, kGat, kGatK,
};

struct BinaryRequest {
  BinaryHeader header;
  BinaryCommand command = BinaryCommand::kNoop;
  bool quiet = false;          // a "Q" opcode: no reply on success (GETQ etc.: on miss)
  std::string_view key;
  uint32_t value_length = 0;   // storage: value bytes after the key
  // Extras, decoded for the commands that carry them.
  uint32_t flags = 0;          // set/add/replace
  uint32_t exptime = 0;        // set/add/replace, touch/gat*, incr/decr, flush
  bool has_exptime = false;    // flush: sent with its 4-byte extras
  uint64_t delta = 0;          // incr/decr
  uint64_t initial = 0;        // incr/decr: value for a missing key
};

enum class BinaryParseStatus {
  kOk,              // *req filled; `consumed` bytes are header + extras + key
  kNeedMore,        // nothing consumed
  kBadMagic,        // not a request: close without a reply
  kBadLengths,      // key + extras > body: UNKNOWN_COMMAND, then close
  kInvalid,         // lengths wrong for the opcode, or key > 250: EINVAL, close
  kUnknownCommand,  // UNKNOWN_COMMAND; consume `consumed`, then swallow `swallow`
};

struct BinaryParseResult {
  BinaryParseStatus status = BinaryParseStatus::kNeedMore;
  size_t consumed = 0;
  // kUnknownCommand: bytes to discard after `consumed`. For an unknown
  // opcode memcached discards the whole body length again, though extras
  // and key were read already; so do we. SASL opcodes (memcd has no SASL)
  // discard just their data.
  uint64_t swallow = 0;
};

// Parses the request at the front of `buf`. *req's header is filled as soon
// as 24 bytes are there (for the reply to echo); the rest on kOk.
BinaryParseResult ParseBinaryRequest(std::string_view buf, BinaryRequest* req);

}  // namespace memcd

#endif  // MEMCD_PROTO_BINARY_PARSER_H_
