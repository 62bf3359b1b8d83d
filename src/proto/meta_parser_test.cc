#include "proto/meta_parser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace memcd {
namespace {

TEST(MetaParserTest, IsMetaCommand) {
  EXPECT_TRUE(IsMetaCommand("mg foo v\r\n"));
  EXPECT_TRUE(IsMetaCommand("mn\r\n"));
  EXPECT_TRUE(IsMetaCommand("mn\n"));
  EXPECT_TRUE(IsMetaCommand("me k\r\n"));
  EXPECT_FALSE(IsMetaCommand("mx foo\r\n"));
  EXPECT_FALSE(IsMetaCommand("mget foo\r\n"));
  EXPECT_FALSE(IsMetaCommand("get foo\r\n"));
  EXPECT_FALSE(IsMetaCommand("mg"));  // not enough bytes to tell
}

// One line that parses, and what it must give.
struct OkCase {
  const char* line;
  MetaCommand command;
  const char* key;       // the key (decoded with b)
  const char* flags;     // the flag tokens joined by '|'
  uint32_t value_length;
};

std::string JoinFlags(const MetaRequest& req) {
  std::string s;
  for (size_t i = 0; i < req.num_flags; ++i) {
    if (i > 0) s += '|';
    s += req.flags[i];
  }
  return s;
}

TEST(MetaParserTest, ValidLines) {
  const OkCase cases[] = {
      {"mn\r\n", MetaCommand::kNoop, "", "", 0},
      {"mn whatever\r\n", MetaCommand::kNoop, "", "", 0},
      {"mg foo\r\n", MetaCommand::kGet, "foo", "", 0},
      {"mg foo  v\n", MetaCommand::kGet, "foo", "v", 0},
      {"mg foo v k s f t c h l u q O123 P L\r\n", MetaCommand::kGet, "foo",
       "v|k|s|f|t|c|h|l|u|q|O123|P|L", 0},
      {"mg foo N30 R10 T-1\r\n", MetaCommand::kGet, "foo", "N30|R10|T-1", 0},
      {"mg Zm9v b k\r\n", MetaCommand::kGet, "foo", "b|k", 0},
      {"mg Zm8= b\r\n", MetaCommand::kGet, "fo", "b", 0},
      {"ms foo 3\r\n", MetaCommand::kSet, "foo", "", 3},
      {"ms foo 0 T60 F7 C9 I MA q k c O1\r\n", MetaCommand::kSet, "foo",
       "T60|F7|C9|I|MA|q|k|c|O1", 0},
      {"md foo I T30 C5 q\r\n", MetaCommand::kDelete, "foo", "I|T30|C5|q", 0},
      {"ma foo N0 J10 D5 MD v t c\r\n", MetaCommand::kArith, "foo",
       "N0|J10|D5|MD|v|t|c", 0},
      {"ma foo M+\r\n", MetaCommand::kArith, "foo", "M+", 0},
      {"me foo\r\n", MetaCommand::kDebug, "foo", "", 0},
      {"me Zm9v b\r\n", MetaCommand::kDebug, "foo", "", 0},
  };
  for (const OkCase& c : cases) {
    SCOPED_TRACE(c.line);
    MetaRequest req;
    const std::string line = c.line;
    MetaParseResult r = ParseMetaRequest(line, &req);
    ASSERT_EQ(r.status, MetaParseStatus::kOk) << r.error;
    EXPECT_EQ(r.consumed, line.size());
    EXPECT_EQ(req.command, c.command);
    EXPECT_EQ(req.key(), c.key);
    EXPECT_EQ(JoinFlags(req), c.flags);
    EXPECT_EQ(req.value_length, c.value_length);
    // Every proper prefix needs more.
    for (size_t n = 0; n < line.size(); ++n) {
      MetaRequest partial;
      EXPECT_EQ(ParseMetaRequest(line.substr(0, n), &partial).status,
                MetaParseStatus::kNeedMore);
    }
  }
}

TEST(MetaParserTest, FlagValues) {
  MetaRequest req;
  ASSERT_EQ(ParseMetaRequest("ma k N-5 J18446744073709551615 D7 C42 MD T9 "
                             "R3 F4294967295 q\r\n",
                             &req)
                .status,
            MetaParseStatus::kOk);
  EXPECT_EQ(req.vivify_ttl, -5);
  EXPECT_EQ(req.initial, UINT64_MAX);
  EXPECT_EQ(req.delta, 7u);
  EXPECT_EQ(req.cas, 42u);
  EXPECT_EQ(req.mode, 'D');
  EXPECT_EQ(req.ttl, 9);
  EXPECT_EQ(req.recache_ttl, 3);
  EXPECT_EQ(req.client_flags, UINT32_MAX);
  EXPECT_TRUE(req.has('q'));
  EXPECT_TRUE(req.has('N'));
  EXPECT_FALSE(req.has('v'));
  EXPECT_FALSE(req.has('I'));

  ASSERT_EQ(ParseMetaRequest("ma k\r\n", &req).status, MetaParseStatus::kOk);
  EXPECT_EQ(req.delta, 1u);  // the default step
  EXPECT_EQ(req.mode, 0);
}

// A reused request (the handler keeps one) holds nothing of the last line.
TEST(MetaParserTest, ReusedRequestStartsFresh) {
  MetaRequest req;
  ASSERT_EQ(ParseMetaRequest("ms a2V5 5 b T9 N8 R7 F6 C5 E4 MS I q\r\n", &req).status,
            MetaParseStatus::kOk);
  ASSERT_EQ(ParseMetaRequest("ma k N1 J2 D3 MI\r\n", &req).status, MetaParseStatus::kOk);
  ASSERT_EQ(ParseMetaRequest("mg k v\r\n", &req).status, MetaParseStatus::kOk);
  const MetaRequest fresh;
  EXPECT_EQ(req.command, MetaCommand::kGet);
  EXPECT_EQ(req.raw_key, "k");
  EXPECT_EQ(req.key(), "k");
  EXPECT_EQ(req.decoded_key, "");
  EXPECT_FALSE(req.key_binary);
  EXPECT_EQ(req.value_length, fresh.value_length);
  ASSERT_EQ(req.num_flags, 1u);
  EXPECT_EQ(req.flags[0], "v");
  EXPECT_EQ(req.seen[0], uint64_t{0});
  EXPECT_EQ(req.seen[1], uint64_t{1} << ('v' - 64));
  EXPECT_EQ(req.ttl, fresh.ttl);
  EXPECT_EQ(req.vivify_ttl, fresh.vivify_ttl);
  EXPECT_EQ(req.recache_ttl, fresh.recache_ttl);
  EXPECT_EQ(req.client_flags, fresh.client_flags);
  EXPECT_EQ(req.cas, fresh.cas);
  EXPECT_EQ(req.new_cas, fresh.new_cas);
  EXPECT_EQ(req.initial, fresh.initial);
  EXPECT_EQ(req.delta, fresh.delta);
  EXPECT_EQ(req.mode, fresh.mode);
}

TEST(MetaParserTest, NewCasAndRemoveValue) {
  struct Case {
    const char* line;
    uint64_t new_cas;
    bool has_e;
    bool has_x;
  };
  const Case cases[] = {
      {"ms k 2 E500 c\r\n", 500, true, false},
      {"md k I E18446744073709551615 q\r\n", UINT64_MAX, true, false},
      {"ma k E0\r\n", 0, true, false},
      {"mg k N30 E7 c\r\n", 7, true, false},
      {"md k x q\r\n", 0, false, true},
      {"md k x E9 I\r\n", 9, true, true},
      {"mg k x\r\n", 0, false, true},  // accepted, only md acts on it
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    MetaRequest req;
    ASSERT_EQ(ParseMetaRequest(c.line, &req).status, MetaParseStatus::kOk);
    EXPECT_EQ(req.has('E'), c.has_e);
    EXPECT_EQ(req.new_cas, c.new_cas);
    EXPECT_EQ(req.has('x'), c.has_x);
  }
}

struct ErrorCase {
  const char* line;
  const char* error;
  uint64_t swallow;
};

TEST(MetaParserTest, Errors) {
  const std::string long_key(251, 'a');
  const std::string long_mg = "mg " + long_key + " v\r\n";
  const std::string long_ms = "ms " + long_key + " 2\r\n";
  const ErrorCase cases[] = {
      {"mg\r\n", "ERROR", 0},
      {"ms\r\n", "ERROR", 0},
      {"md\r\n", "ERROR", 0},
      {"ma\r\n", "ERROR", 0},
      {"me\r\n", "CLIENT_ERROR bad command line format", 0},
      {long_mg.c_str(), "CLIENT_ERROR bad command line format", 0},
      {long_ms.c_str(), "CLIENT_ERROR bad command line format", 0},
      {"mg foo v v\r\n", "CLIENT_ERROR duplicate flag", 0},
      {"mg foo O1 O2\r\n", "CLIENT_ERROR duplicate flag", 0},
      {"mg foo \x80\r\n", "CLIENT_ERROR duplicate flag", 0},
      {"mg foo z\r\n", "CLIENT_ERROR invalid flag", 0},
      // E<cas> (newer memcached): a 64-bit unsigned decimal, once.
      {"mg foo E\r\n", "CLIENT_ERROR bad token in command line format", 0},
      {"mg foo Ex\r\n", "CLIENT_ERROR bad token in command line format", 0},
      {"mg foo E-1\r\n", "CLIENT_ERROR bad token in command line format", 0},
      {"mg foo E18446744073709551616\r\n",
       "CLIENT_ERROR bad token in command line format", 0},
      {"mg foo E1 E2\r\n", "CLIENT_ERROR duplicate flag", 0},
      {"ms foo 3 Exx\r\n", "CLIENT_ERROR bad token in command line format",
       5},
      {"md foo E1 E1\r\n", "CLIENT_ERROR invalid or duplicate flag", 0},
      {"md foo x x\r\n", "CLIENT_ERROR invalid or duplicate flag", 0},
      {"ma foo E\r\n", "CLIENT_ERROR invalid or duplicate flag", 0},
      {"mg foo 1\r\n", "CLIENT_ERROR invalid flag", 0},
      {"mg foo T\r\n", "CLIENT_ERROR bad token in command line format", 0},
      {"mg foo Nx\r\n", "CLIENT_ERROR bad token in command line format", 0},
      {"mg foo R1.5\r\n", "CLIENT_ERROR bad token in command line format", 0},
      {"mg foo Fx\r\n", "CLIENT_ERROR bad command line format", 0},
      {"mg foo Cx\r\n", "CLIENT_ERROR bad token in command line format", 0},
      {"mg foo MEE\r\n", "CLIENT_ERROR incorrect length for M token", 0},
      {"mg foo Jx\r\n", "CLIENT_ERROR invalid numeric initial value", 0},
      {"mg foo D-1\r\n", "CLIENT_ERROR invalid numeric delta value", 0},
      {"mg foo b\r\n", "CLIENT_ERROR error decoding key", 0},
      {"mg Zm9v= b\r\n", "CLIENT_ERROR error decoding key", 0},
      {"mg !!!! b\r\n", "CLIENT_ERROR error decoding key", 0},
      {"mg foo O123456789012345678901234567890123\r\n",
       "CLIENT_ERROR opaque token too long", 0},
      {"mg foo a b c d e f g h i j k l m n o p q r\r\n",
       "CLIENT_ERROR options flags are too long", 0},
      {"md foo a b c d e f g h i j k l m n o p q r\r\n",
       "CLIENT_ERROR options flags too long", 0},
      {"md foo z\r\n", "CLIENT_ERROR invalid or duplicate flag", 0},
      {"md foo T\r\n", "CLIENT_ERROR invalid or duplicate flag", 0},
      {"ma foo Jx\r\n", "CLIENT_ERROR invalid or duplicate flag", 0},
      {"ma foo q q\r\n", "CLIENT_ERROR invalid or duplicate flag", 0},
      {"ma foo MX\r\n", "CLIENT_ERROR invalid mode for ma M token", 0},
      // ms: a line without a usable length swallows nothing...
      {"ms foo\r\n", "CLIENT_ERROR bad command line format", 0},
      {"ms foo bar\r\n", "CLIENT_ERROR bad command line format", 0},
      {"ms foo -1\r\n", "CLIENT_ERROR bad command line format", 0},
      {"ms foo 1 a b c d e f g h i j k l m n o p q\r\n",
       "CLIENT_ERROR options flags too long", 0},
      // ...after the length, the data block goes too.
      {"ms foo 3 X\r\n", "CLIENT_ERROR invalid flag", 5},
      {"ms foo 3 Fabc q\r\n", "CLIENT_ERROR bad command line format", 5},
      {"ms foo 3 T\r\n", "CLIENT_ERROR bad token in command line format", 5},
      {"ms foo 3 Mz\r\n", "CLIENT_ERROR invalid mode for ms M token", 5},
      {"ms foo 10 b\r\n", "CLIENT_ERROR error decoding key", 12},
      {"ms foo 0 O123456789012345678901234567890123\r\n",
       "CLIENT_ERROR opaque token too long", 2},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.line);
    const std::string line = c.line;
    MetaRequest req;
    MetaParseResult r = ParseMetaRequest(line, &req);
    ASSERT_EQ(r.status, MetaParseStatus::kError);
    EXPECT_EQ(r.error, c.error);
    EXPECT_EQ(r.consumed, line.size());
    EXPECT_EQ(r.swallow, c.swallow);
  }
}

TEST(MetaParserTest, ConsumesOnlyTheFirstLine) {
  MetaRequest req;
  MetaParseResult r = ParseMetaRequest("mg a v\r\nmn\r\n", &req);
  ASSERT_EQ(r.status, MetaParseStatus::kOk);
  EXPECT_EQ(r.consumed, 8u);
}

struct Base64Case {
  const char* encoded;
  const char* decoded;  // nullptr: refused
};

TEST(MetaParserTest, Base64) {
  const Base64Case cases[] = {
      {"Zm9v", "foo"}, {"Zm8=", "fo"}, {"Zg==", "f"},
      {"Zm9vYmFy", "foobar"}, {"AP8=", "\x00\xff"},
      {"", nullptr}, {"Zm9", nullptr}, {"Zm9v=", nullptr},
      {"Z===", nullptr}, {"Zm9!", nullptr}, {"====", nullptr},
      {"!!!!", nullptr},
  };
  for (const Base64Case& c : cases) {
    SCOPED_TRACE(c.encoded);
    std::string out;
    const bool ok = DecodeBase64(c.encoded, &out);
    if (c.decoded == nullptr) {
      EXPECT_FALSE(ok);
      continue;
    }
    ASSERT_TRUE(ok);
    // "AP8=" decodes to a NUL and 0xff.
    const std::string want(c.decoded,
                           c.encoded[0] == 'A' ? 2 : strlen(c.decoded));
    EXPECT_EQ(out, want);
    std::string back;
    EncodeBase64(out, &back);
    EXPECT_EQ(back, c.encoded);
  }
}

// memcached's leniency, which we keep.
TEST(MetaParserTest, Base64AsMemcachedDecodes) {
  const Base64Case cases[] = {
      {"Zm8=Zg==", "fo"},     // nothing after the first padded group
      {"Zg==Zg==", "f"},
      {"Zm\n9v", "foo"},      // bytes outside the alphabet are skipped
  };
  for (const Base64Case& c : cases) {
    SCOPED_TRACE(c.encoded);
    std::string out;
    ASSERT_TRUE(DecodeBase64(c.encoded, &out));
    EXPECT_EQ(out, c.decoded);
  }
  // '=' is a zero digit wherever it is: one '=' in the group, 2 bytes.
  std::string out;
  ASSERT_TRUE(DecodeBase64("Zg=a", &out));
  EXPECT_EQ(out, std::string("f\0", 2));
}

}  // namespace
}  // namespace memcd
