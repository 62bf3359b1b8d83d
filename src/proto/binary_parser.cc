#include "proto/binary_parser.h"

#include <cstring>

#include "proto/text_parser.h"

namespace memcd {
namespace {

uint16_t Load16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] << 8 | u[1]);
}

uint32_t Load32(const char* p) {
  return uint32_t{Load16(p)} << 16 | Load16(p + 2);
}

uint64_t Load64(const char* p) {
  return uint64_t{Load32(p)} << 32 | Load32(p + 4);
}

void Store16(uint16_t v, char* p) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}

// The command of an opcode memcd serves, quiet variants folded; false for
// the others.
bool CommandOf(uint8_t opcode, BinaryCommand* command, bool* quiet) {
  using C = BinaryCommand;
  struct Entry {
    uint8_t opcode;
    C command;
    bool quiet;
  };
  static constexpr Entry kTable[] = {
      {binop::kGet, C::kGet, false},         {binop::kGetQ, C::kGet, true},
      {binop::kGetK, C::kGetK, false},       {binop::kGetKQ, C::kGetK, true},
      {binop::kSet, C::kSet, false},         {binop::kSetQ, C::kSet, true},
      {binop::kAdd, C::kAdd, false},         {binop::kAddQ, C::kAdd, true},
      {binop::kReplace, C::kReplace, false}, {binop::kReplaceQ, C::kReplace, true},
      {binop::kAppend, C::kAppend, false},   {binop::kAppendQ, C::kAppend, true},
      {binop::kPrepend, C::kPrepend, false}, {binop::kPrependQ, C::kPrepend, true},
      {binop::kDelete, C::kDelete, false},   {binop::kDeleteQ, C::kDelete, true},
      {binop::kIncrement, C::kIncrement, false},
      {binop::kIncrementQ, C::kIncrement, true},
      {binop::kDecrement, C::kDecrement, false},
      {binop::kDecrementQ, C::kDecrement, true},
      {binop::kQuit, C::kQuit, false},       {binop::kQuitQ, C::kQuit, true},
      {binop::kFlush, C::kFlush, false},     {binop::kFlushQ, C::kFlush, true},
      {binop::kNoop, C::kNoop, false},       {binop::kVersion, C::kVersion, false},
      {binop::kStat, C::kStat, false},       {binop::kTouch, C::kTouch, false},
      {binop::kGat, C::kGat, false},         {binop::kGatQ, C::kGat, true},
      {binop::kGatK, C::kGatK, false},       {binop::kGatKQ, C::kGatK, true},
  };
  for (const Entry& e : kTable) {
    if (e.opcode == opcode) {
      *command = e.command;
      *quiet = e.quiet;
      return true;
    }
  }
  return false;
}

// memcached's length checks for each command (dispatch_bin_command).
bool LengthsValid(BinaryCommand command, const BinaryHeader& h) {
  const uint32_t key = h.key_length;
  const uint32_t ext = h.extras_length;
  const uint32_t body = h.body_length;
  using C = BinaryCommand;
  switch (command) {
    case C::kVersion:
    case C::kNoop:
    case C::kQuit:
      return ext == 0 && key == 0 && body == 0;
    case C::kFlush:
      return key == 0 && body == ext && (ext == 0 || ext == 4);
    case C::kSet:
    case C::kAdd:
    case C::kReplace:
      return ext == 8 && key != 0 && body >= key + 8;
    case C::kGet:
    case C::kGetK:
    case C::kDelete:
      return ext == 0 && key != 0 && body == key;
    case C::kIncrement:
    case C::kDecrement:
      return ext == 20 && key != 0 && body == key + ext;
    case C::kAppend:
    case C::kPrepend:
      return ext == 0 && key != 0;
    case C::kStat:
      return ext == 0;
    case C::kTouch:
    case C::kGat:
    case C::kGatK:
      return ext == 4 && key != 0;
  }
  return false;
}

void DecodeExtras(const char* extras, BinaryRequest* req) {
  using C = BinaryCommand;
  switch (req->command) {
    case C::kSet:
    case C::kAdd:
    case C::kReplace:
      req->flags = Load32(extras);
      req->exptime = Load32(extras + 4);
      break;
    case C::kIncrement:
    case C::kDecrement:
      req->delta = Load64(extras);
      req->initial = Load64(extras + 8);
      req->exptime = Load32(extras + 16);
      break;
    case C::kTouch:
    case C::kGat:
    case C::kGatK:
      req->exptime = Load32(extras);
      break;
    case C::kFlush:
      if (req->header.extras_length == 4) {
        req->exptime = Load32(extras);
        req->has_exptime = true;
      }
      break;
    default:
      break;
  }
}

}  // namespace

void StoreBigEndian32(uint32_t value, char* out) {
  Store16(static_cast<uint16_t>(value >> 16), out);
  Store16(static_cast<uint16_t>(value), out + 2);
}

void StoreBigEndian64(uint64_t value, char* out) {
  StoreBigEndian32(static_cast<uint32_t>(value >> 32), out);
  StoreBigEndian32(static_cast<uint32_t>(value), out + 4);
}

std::string_view BinaryStatusText(BinaryStatus status) {
  switch (status) {
    case BinaryStatus::kSuccess: return "";
    case BinaryStatus::kKeyNotFound: return "Not found";
    case BinaryStatus::kKeyExists: return "Data exists for key.";
    case BinaryStatus::kTooLarge: return "Too large.";
    case BinaryStatus::kInvalidArguments: return "Invalid arguments";
    case BinaryStatus::kNotStored: return "Not stored.";
    case BinaryStatus::kDeltaBadValue:
      return "Non-numeric server-side value for incr or decr";
    case BinaryStatus::kUnknownCommand: return "Unknown command";
    case BinaryStatus::kOutOfMemory: return "Out of memory";
    case BinaryStatus::kAuthError: return "Auth failure.";
    case BinaryStatus::kAuthContinue: return "";
  }
  return "";
}

void DecodeBinaryHeader(const char* in, BinaryHeader* header) {
  header->magic = static_cast<uint8_t>(in[0]);
  header->opcode = static_cast<uint8_t>(in[1]);
  header->key_length = Load16(in + 2);
  header->extras_length = static_cast<uint8_t>(in[4]);
  header->data_type = static_cast<uint8_t>(in[5]);
  header->status = Load16(in + 6);
  header->body_length = Load32(in + 8);
  memcpy(&header->opaque, in + 12, 4);
  header->cas = Load64(in + 16);
}

void EncodeBinaryHeader(const BinaryHeader& header, char* out) {
  out[0] = static_cast<char>(header.magic);
  out[1] = static_cast<char>(header.opcode);
  Store16(header.key_length, out + 2);
  out[4] = static_cast<char>(header.extras_length);
  out[5] = static_cast<char>(header.data_type);
  Store16(header.status, out + 6);
  StoreBigEndian32(header.body_length, out + 8);
  memcpy(out + 12, &header.opaque, 4);
  StoreBigEndian64(header.cas, out + 16);
}

BinaryParseResult ParseBinaryRequest(std::string_view buf, BinaryRequest* req) {
  BinaryParseResult result;
  if (buf.size() < kBinaryHeaderSize) return result;
  *req = BinaryRequest();
  BinaryHeader& h = req->header;
  DecodeBinaryHeader(buf.data(), &h);
  if (h.magic != kBinaryRequestMagic) {
    result.status = BinaryParseStatus::kBadMagic;
    return result;
  }
  const size_t head = kBinaryHeaderSize + h.extras_length + h.key_length;
  if (buf.size() < head) return result;  // kNeedMore
  result.consumed = head;
  if (uint32_t{h.key_length} + h.extras_length > h.body_length) {
    result.status = BinaryParseStatus::kBadLengths;
    return result;
  }
  if (h.key_length > kKeyMaxLength) {
    result.status = BinaryParseStatus::kInvalid;
    return result;
  }
  if (h.opcode == binop::kSaslListMechs || h.opcode == binop::kSaslAuth ||
      h.opcode == binop::kSaslStep) {
    // memcached without SASL: refused, but with its own length checks.
    const bool valid = h.opcode == binop::kSaslListMechs
                           ? h.extras_length == 0 && h.key_length == 0 &&
                                 h.body_length == 0
                           : h.extras_length == 0 && h.key_length != 0;
    if (!valid) {
      result.status = BinaryParseStatus::kInvalid;
      return result;
    }
    result.status = BinaryParseStatus::kUnknownCommand;
    result.swallow = h.body_length - h.key_length;
    return result;
  }
  if (!CommandOf(h.opcode, &req->command, &req->quiet)) {
    result.status = BinaryParseStatus::kUnknownCommand;
    result.swallow = h.body_length;
    return result;
  }
  if (!LengthsValid(req->command, h)) {
    result.status = BinaryParseStatus::kInvalid;
    return result;
  }
  const char* extras = buf.data() + kBinaryHeaderSize;
  req->key = std::string_view(extras + h.extras_length, h.key_length);
  if (req->command == BinaryCommand::kSet ||
      req->command == BinaryCommand::kAdd ||
      req->command == BinaryCommand::kReplace ||
      req->command == BinaryCommand::kAppend ||
      req->command == BinaryCommand::kPrepend) {
    req->value_length = h.body_length - h.key_length - h.extras_length;
  }
  DecodeExtras(extras, req);
  result.status = BinaryParseStatus::kOk;
  return result;
}

}  // namespace memcd
