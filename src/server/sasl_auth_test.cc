#include "server/sasl_auth.h"

#include <gtest/gtest.h>

#include <string>

namespace memcd {
namespace {

TEST(PasswordFileTest, MemcachedRules) {
  const std::string long_user(200, 'u');
  const std::string long_pass(53, 'p');  // 200 + 53 > 252
  const struct {
    std::string contents;
    std::string user;
    std::string pass;
    bool accepted;
  } kCases[] = {
      {"alice:secret\n", "alice", "secret", true},
      {"alice:secret", "alice", "secret", true},          // no final newline
      {"alice:secret\r\n", "alice", "secret", true},      // DOS line end
      {"alice:secret:extra\n", "alice", "secret", true},  // more fields
      {"bob:pw\nalice:secret\n", "alice", "secret", true},
      {"alice:secret\n", "alice", "secre", false},        // a prefix only
      {"alice:secret\n", "alice", "secrets", false},
      {"alice:secret\n", "alice", "", false},
      {"alice:secret\n", "alic", "secret", false},        // a user prefix
      {"alice:secret\n", "bob", "secret", false},
      {"alice:\n", "alice", "", true},                    // empty password
      {"alicesecret\n", "alice", "secret", false},        // no ':'
      // The first line naming the user decides.
      {"alice:old\nalice:secret\n", "alice", "secret", false},
      {"", "alice", "secret", false},
      {long_user + ":" + long_pass + "\n", long_user, long_pass, false},
      {long_user + ":" + long_pass.substr(1) + "\n", long_user,
       long_pass.substr(1), true},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(PasswordFileAccepts(c.contents, c.user, c.pass), c.accepted)
        << "file \"" << c.contents << "\" user " << c.user << " pass "
        << c.pass;
  }
}

TEST(SaslSessionTest, StepBeforeStartFails) {
  // Refused before the library is asked, so no InitSasl() is needed.
  SaslSession session;
  std::string out = "stale";
  EXPECT_EQ(session.Step("\0alice\0secret", &out),
            SaslSession::Result::kFailed);
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace memcd
