#include "proto/binary_parser.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace memcd {
namespace {

using S = BinaryParseStatus;
using C = BinaryCommand;

// A request: header with the given lengths (body_length defaults to
// extras + key), then `extras`, `key` and `value` bytes.
std::string Packet(uint8_t opcode, const std::string& extras,
                   const std::string& key, const std::string& value = "",
                   int64_t body_length = -1, uint64_t cas = 0) {
  BinaryHeader h;
  h.magic = kBinaryRequestMagic;
  h.opcode = opcode;
  h.key_length = static_cast<uint16_t>(key.size());
  h.extras_length = static_cast<uint8_t>(extras.size());
  h.body_length = body_length >= 0
                      ? static_cast<uint32_t>(body_length)
                      : static_cast<uint32_t>(extras.size() + key.size() +
                                              value.size());
  h.opaque = 0x04030201;
  h.cas = cas;
  std::string out(kBinaryHeaderSize, '\0');
  EncodeBinaryHeader(h, &out[0]);
  return out + extras + key + value;
}

TEST(BinaryHeaderTest, EncodesNetworkOrderAndOpaqueAsIs) {
  BinaryHeader h;
  h.magic = kBinaryResponseMagic;
  h.opcode = 0x0c;
  h.key_length = 0x0102;
  h.extras_length = 4;
  h.data_type = 0;
  h.status = 0x0081;
  h.body_length = 0x0a0b0c0d;
  memcpy(&h.opaque, "\xde\xad\xbe\xef", 4);
  h.cas = 0x1122334455667788;
  char out[kBinaryHeaderSize];
  EncodeBinaryHeader(h, out);
  EXPECT_EQ(std::string(out, sizeof(out)),
            std::string("\x81\x0c\x01\x02\x04\x00\x00\x81"
                        "\x0a\x0b\x0c\x0d\xde\xad\xbe\xef"
                        "\x11\x22\x33\x44\x55\x66\x77\x88",
                        24));
  BinaryHeader back;
  DecodeBinaryHeader(out, &back);
  EXPECT_EQ(back.magic, h.magic);
  EXPECT_EQ(back.opcode, h.opcode);
  EXPECT_EQ(back.key_length, h.key_length);
  EXPECT_EQ(back.extras_length, h.extras_length);
  EXPECT_EQ(back.status, h.status);
  EXPECT_EQ(back.body_length, h.body_length);
  EXPECT_EQ(back.opaque, h.opaque);
  EXPECT_EQ(back.cas, h.cas);
}

TEST(BinaryHeaderTest, BigEndianStores) {
  char b[8];
  StoreBigEndian32(0xdeadbeef, b);
  EXPECT_EQ(std::string(b, 4), "\xde\xad\xbe\xef");
  StoreBigEndian64(42, b);
  EXPECT_EQ(std::string(b, 8), std::string("\0\0\0\0\0\0\0\x2a", 8));
}

TEST(BinaryStatusTest, MemcachedsTexts) {
  EXPECT_EQ(BinaryStatusText(BinaryStatus::kKeyNotFound), "Not found");
  EXPECT_EQ(BinaryStatusText(BinaryStatus::kKeyExists), "Data exists for key.");
  EXPECT_EQ(BinaryStatusText(BinaryStatus::kTooLarge), "Too large.");
  EXPECT_EQ(BinaryStatusText(BinaryStatus::kInvalidArguments),
            "Invalid arguments");
  EXPECT_EQ(BinaryStatusText(BinaryStatus::kNotStored), "Not stored.");
  EXPECT_EQ(BinaryStatusText(BinaryStatus::kDeltaBadValue),
            "Non-numeric server-side value for incr or decr");
  EXPECT_EQ(BinaryStatusText(BinaryStatus::kUnknownCommand), "Unknown command");
  EXPECT_EQ(BinaryStatusText(BinaryStatus::kOutOfMemory), "Out of memory");
}

struct Case {
  const char* name;
  std::string packet;
  S status;
  C command = C::kNoop;
  bool quiet = false;
  uint32_t value_length = 0;
  uint64_t swallow = 0;
};

const std::string k4(4, '\0');
const std::string k8(8, '\0');
const std::string k20(20, '\0');

TEST(BinaryParserTest, OpcodeValidationAsMemcached) {
  const Case kCases[] = {
      // Lengths every opcode shares.
      {"key past body", Packet(binop::kGet, "", "abc", "", 2), S::kBadLengths},
      {"key+extras past body", Packet(binop::kSet, k8, "k", "", 8),
       S::kBadLengths},
      {"key over 250", Packet(binop::kGet, "", std::string(251, 'k')),
       S::kInvalid},
      {"key of 250", Packet(binop::kGet, "", std::string(250, 'k')), S::kOk,
       C::kGet},
      // get family: no extras, key, body == key.
      {"get", Packet(binop::kGet, "", "k"), S::kOk, C::kGet},
      {"getq", Packet(binop::kGetQ, "", "k"), S::kOk, C::kGet, true},
      {"getk", Packet(binop::kGetK, "", "k"), S::kOk, C::kGetK},
      {"getkq", Packet(binop::kGetKQ, "", "k"), S::kOk, C::kGetK, true},
      {"get no key", Packet(binop::kGet, "", ""), S::kInvalid},
      {"get extras", Packet(binop::kGet, k4, "k"), S::kInvalid},
      {"get body", Packet(binop::kGet, "", "k", "v"), S::kInvalid},
      // Storage: 8 bytes of extras and a key; the rest is the value.
      {"set", Packet(binop::kSet, k8, "k", "val"), S::kOk, C::kSet, false, 3},
      {"setq", Packet(binop::kSetQ, k8, "k"), S::kOk, C::kSet, true, 0},
      {"add", Packet(binop::kAdd, k8, "k", "v"), S::kOk, C::kAdd, false, 1},
      {"addq", Packet(binop::kAddQ, k8, "k", "v"), S::kOk, C::kAdd, true, 1},
      {"replace", Packet(binop::kReplace, k8, "k", "v"), S::kOk, C::kReplace,
       false, 1},
      {"replaceq", Packet(binop::kReplaceQ, k8, "k", "v"), S::kOk,
       C::kReplace, true, 1},
      {"set no extras", Packet(binop::kSet, "", "k", "v"), S::kInvalid},
      {"set 4 extras", Packet(binop::kSet, k4, "k", "v"), S::kInvalid},
      {"set no key", Packet(binop::kSet, k8, "", "v"), S::kInvalid},
      {"append", Packet(binop::kAppend, "", "k", "vv"), S::kOk, C::kAppend,
       false, 2},
      {"appendq", Packet(binop::kAppendQ, "", "k", "vv"), S::kOk, C::kAppend,
       true, 2},
      {"prepend", Packet(binop::kPrepend, "", "k", ""), S::kOk, C::kPrepend},
      {"prependq", Packet(binop::kPrependQ, "", "k", "v"), S::kOk,
       C::kPrepend, true, 1},
      {"append extras", Packet(binop::kAppend, k4, "k", "v"), S::kInvalid},
      {"append no key", Packet(binop::kAppend, "", "", "v"), S::kInvalid},
      // delete: like get.
      {"delete", Packet(binop::kDelete, "", "k"), S::kOk, C::kDelete},
      {"deleteq", Packet(binop::kDeleteQ, "", "k"), S::kOk, C::kDelete, true},
      {"delete extras", Packet(binop::kDelete, k4, "k"), S::kInvalid},
      {"delete body", Packet(binop::kDelete, "", "k", "x"), S::kInvalid},
      // incr/decr: exactly 20 bytes of extras, a key, nothing else.
      {"incr", Packet(binop::kIncrement, k20, "k"), S::kOk, C::kIncrement},
      {"incrq", Packet(binop::kIncrementQ, k20, "k"), S::kOk, C::kIncrement,
       true},
      {"decr", Packet(binop::kDecrement, k20, "k"), S::kOk, C::kDecrement},
      {"decrq", Packet(binop::kDecrementQ, k20, "k"), S::kOk, C::kDecrement,
       true},
      {"incr 8 extras", Packet(binop::kIncrement, k8, "k"), S::kInvalid},
      {"incr body", Packet(binop::kIncrement, k20, "k", "1"), S::kInvalid},
      {"incr no key", Packet(binop::kIncrement, k20, ""), S::kInvalid},
      // No-argument commands.
      {"noop", Packet(binop::kNoop, "", ""), S::kOk, C::kNoop},
      {"noop body", Packet(binop::kNoop, "", "", "x"), S::kInvalid},
      {"version", Packet(binop::kVersion, "", ""), S::kOk, C::kVersion},
      {"version key", Packet(binop::kVersion, "", "k"), S::kInvalid},
      {"quit", Packet(binop::kQuit, "", ""), S::kOk, C::kQuit},
      {"quitq", Packet(binop::kQuitQ, "", ""), S::kOk, C::kQuit, true},
      {"quit extras", Packet(binop::kQuit, k4, ""), S::kInvalid},
      // flush: no key, extras of 0 or 4 bytes and nothing else.
      {"flush", Packet(binop::kFlush, "", ""), S::kOk, C::kFlush},
      {"flush delay", Packet(binop::kFlush, k4, ""), S::kOk, C::kFlush},
      {"flushq", Packet(binop::kFlushQ, k4, ""), S::kOk, C::kFlush, true},
      {"flush 8 extras", Packet(binop::kFlush, k8, ""), S::kInvalid},
      {"flush key", Packet(binop::kFlush, "", "k"), S::kInvalid},
      {"flush body", Packet(binop::kFlush, "", "", "x"), S::kInvalid},
      // stat: no extras, any key.
      {"stat", Packet(binop::kStat, "", ""), S::kOk, C::kStat},
      {"stat group", Packet(binop::kStat, "", "items"), S::kOk, C::kStat},
      {"stat extras", Packet(binop::kStat, k4, ""), S::kInvalid},
      // touch and gat: 4 bytes of extras and a key.
      {"touch", Packet(binop::kTouch, k4, "k"), S::kOk, C::kTouch},
      {"gat", Packet(binop::kGat, k4, "k"), S::kOk, C::kGat},
      {"gatq", Packet(binop::kGatQ, k4, "k"), S::kOk, C::kGat, true},
      {"gatk", Packet(binop::kGatK, k4, "k"), S::kOk, C::kGatK},
      {"gatkq", Packet(binop::kGatKQ, k4, "k"), S::kOk, C::kGatK, true},
      {"touch no extras", Packet(binop::kTouch, "", "k"), S::kInvalid},
      {"gat no key", Packet(binop::kGat, k4, ""), S::kInvalid},
      // Unknown opcodes: the whole body length is swallowed after the key.
      {"verbosity", Packet(binop::kVerbosity, k4, ""), S::kUnknownCommand,
       C::kNoop, false, 0, 4},
      {"unknown", Packet(0x40, "", "abc", "", 3), S::kUnknownCommand,
       C::kNoop, false, 0, 3},
      {"unknown empty", Packet(0xff, "", ""), S::kUnknownCommand},
      // SASL, which memcd lacks: refused, swallowing just its data.
      {"sasl list", Packet(binop::kSaslListMechs, "", ""), S::kUnknownCommand},
      {"sasl list key", Packet(binop::kSaslListMechs, "", "k"), S::kInvalid},
      {"sasl auth", Packet(binop::kSaslAuth, "", "PLAIN", "", 8),
       S::kUnknownCommand, C::kNoop, false, 0, 3},
      {"sasl step", Packet(binop::kSaslStep, "", "PLAIN", "", 5),
       S::kUnknownCommand},
      {"sasl auth no key", Packet(binop::kSaslAuth, "", "", "", 3),
       S::kInvalid},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    BinaryRequest req;
    BinaryParseResult r = ParseBinaryRequest(c.packet, &req);
    ASSERT_EQ(c.status, r.status);
    EXPECT_EQ(r.swallow, c.swallow);
    EXPECT_EQ(req.header.opcode, static_cast<uint8_t>(c.packet[1]));
    EXPECT_EQ(req.header.opaque, 0x04030201u);
    const size_t head = kBinaryHeaderSize + req.header.extras_length +
                        req.header.key_length;
    if (c.status != S::kOk) {
      EXPECT_EQ(r.consumed, head);
      continue;
    }
    EXPECT_EQ(r.consumed, head);
    EXPECT_EQ(req.command, c.command);
    EXPECT_EQ(req.quiet, c.quiet);
    EXPECT_EQ(req.value_length, c.value_length);
    EXPECT_EQ(req.key, c.packet.substr(kBinaryHeaderSize +
                                       req.header.extras_length,
                                       req.header.key_length));
    // Every shorter prefix needs more and consumes nothing.
    for (size_t n = 0; n < head; n++) {
      BinaryRequest partial;
      BinaryParseResult p =
          ParseBinaryRequest(std::string_view(c.packet).substr(0, n), &partial);
      ASSERT_EQ(p.status, S::kNeedMore) << n;
      EXPECT_EQ(p.consumed, 0u);
    }
  }
}

TEST(BinaryParserTest, BadMagicIsSeenOnceTheHeaderIsIn) {
  std::string text = "get foo foo foo foo foo\r\n";
  BinaryRequest req;
  EXPECT_EQ(ParseBinaryRequest(text.substr(0, 23), &req).status, S::kNeedMore);
  EXPECT_EQ(ParseBinaryRequest(text, &req).status, S::kBadMagic);
  std::string response = Packet(binop::kNoop, "", "");
  response[0] = static_cast<char>(kBinaryResponseMagic);
  EXPECT_EQ(ParseBinaryRequest(response, &req).status, S::kBadMagic);
}

TEST(BinaryParserTest, DecodesExtras) {
  BinaryRequest req;
  std::string set_extras("\xde\xad\xbe\xef\x00\x00\x0e\x10", 8);
  // req.key is a view into the packet: keep it alive.
  const std::string set_packet = Packet(binop::kSet, set_extras, "key", "v", -1, 77);
  ASSERT_EQ(ParseBinaryRequest(set_packet, &req).status, S::kOk);
  EXPECT_EQ(req.flags, 0xdeadbeefu);
  EXPECT_EQ(req.exptime, 3600u);
  EXPECT_EQ(req.header.cas, 77u);
  EXPECT_EQ(req.key, "key");

  std::string incr_extras(
      "\x00\x00\x00\x00\x00\x00\x00\x05"
      "\x01\x00\x00\x00\x00\x00\x00\x2a"
      "\xff\xff\xff\xff",
      20);
  ASSERT_EQ(ParseBinaryRequest(Packet(binop::kDecrement, incr_extras, "n"),
                               &req)
                .status,
            S::kOk);
  EXPECT_EQ(req.delta, 5u);
  EXPECT_EQ(req.initial, 0x010000000000002aull);
  EXPECT_EQ(req.exptime, kBinaryNoCreate);

  ASSERT_EQ(ParseBinaryRequest(Packet(binop::kGatK, std::string("\0\0\0\x0a", 4),
                                      "t"),
                               &req)
                .status,
            S::kOk);
  EXPECT_EQ(req.exptime, 10u);

  ASSERT_EQ(ParseBinaryRequest(Packet(binop::kFlush, "", ""), &req).status, S::kOk);
  EXPECT_FALSE(req.has_exptime);
  ASSERT_EQ(ParseBinaryRequest(Packet(binop::kFlushQ, std::string("\0\0\0\0", 4),
                                      ""),
                               &req)
                .status,
            S::kOk);
  EXPECT_TRUE(req.has_exptime);
  EXPECT_EQ(req.exptime, 0u);
}

TEST(BinaryParserTest, OnlyTheHeadIsConsumed) {
  // The value of a set, and body bytes a TOUCH declares beyond its key, are
  // not part of what the parser consumes.
  std::string set = Packet(binop::kSet, k8, "k", "value") + "next";
  BinaryRequest req;
  BinaryParseResult r = ParseBinaryRequest(set, &req);
  ASSERT_EQ(r.status, S::kOk);
  EXPECT_EQ(r.consumed, kBinaryHeaderSize + 8 + 1);
  EXPECT_EQ(req.value_length, 5u);
  std::string touch = Packet(binop::kTouch, k4, "k", "", 5 + 24);
  r = ParseBinaryRequest(touch, &req);
  ASSERT_EQ(r.status, S::kOk);
  EXPECT_EQ(r.consumed, kBinaryHeaderSize + 4 + 1);
}

}  // namespace
}  // namespace memcd
