#include "server/auth_file.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/strings.h"

namespace memcd {
namespace {

// Compares all of the shorter length whatever the first difference, so the
// time taken does not reveal how much of a password was right.
bool SafeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); i++) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

bool AuthFile::Parse(std::string_view text) {
  std::vector<Entry> entries;
  while (!text.empty() && entries.size() < kMaxEntries) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view pass = line.substr(colon + 1);
    pass = pass.substr(0, pass.find_first_of("\r\0", 0, 2));
    entries.push_back({std::string(line.substr(0, colon)), std::string(pass)});
  }
  entries_ = std::move(entries);
  return true;
}

bool AuthFile::Load(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "Could not load authfile [" + path + "]: cannot open it";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!Parse(text.str())) {
    *error = "Authfile [" + path + "] has a malformed entry. Should be 'user:password'";
    return false;
  }
  return true;
}

bool AuthFile::Check(std::string_view user, std::string_view pass) const {
  bool ok = false;
  for (const Entry& e : entries_) {
    // No early exit: every entry is compared, both fields (int & on
    // purpose: && would skip the password on a wrong user).
    const int user_ok = SafeEquals(user, e.user);
    const int pass_ok = SafeEquals(pass, e.pass);
    if (user_ok & pass_ok) ok = true;
  }
  return ok;
}

AuthFile::TokenResult AuthFile::CheckToken(std::string_view data) const {
  std::string_view user = NextToken(&data);
  std::string_view pass = NextToken(&data);
  if (pass.empty()) return TokenResult::kBadFormat;
  return Check(user, pass) ? TokenResult::kOk : TokenResult::kFailure;
}

bool AuthFile::Step(std::string_view buf, size_t* consumed, std::string_view* reply,
                    uint64_t* swallow, bool* authenticated,
                    ThreadStats* stats) const {
  *swallow = 0;
  *authenticated = false;
  const size_t nl = buf.find('\n');
  if (nl == std::string_view::npos) return false;
  std::string_view line = buf.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view tokens[5];
  size_t count = 0;
  for (std::string_view rest = line, t = NextToken(&rest); !t.empty();
       t = NextToken(&rest)) {
    if (count < 5) tokens[count] = t;
    count++;
  }
  uint64_t size = 0;
  bool size_ok = count >= 5 && !tokens[4].empty() && tokens[4].size() <= 19;
  for (char c : tokens[4]) size_ok = size_ok && c >= '0' && c <= '9';
  if (size_ok) size = std::strtoull(std::string(tokens[4]).c_str(), nullptr, 10);
  if (count < 5 || tokens[0] != "set" || !size_ok) {
    *consumed = nl + 1;
    *reply = "CLIENT_ERROR unauthenticated\r\n";
    return true;
  }
  if (size > kMaxTokenBlock) {
    *consumed = nl + 1;
    *swallow = size + 2;
    *reply = "CLIENT_ERROR authentication failure\r\n";
    if (stats != nullptr) {
      stats->auth_cmds.Add();
      stats->auth_errors.Add();
    }
    return true;
  }
  const size_t block = static_cast<size_t>(size) + 2;
  if (buf.size() - (nl + 1) < block) return false;
  std::string_view data = buf.substr(nl + 1, block);
  *consumed = nl + 1 + block;
  if (data.substr(block - 2) != "\r\n") {
    *reply = "CLIENT_ERROR bad command line termination\r\n";
    return true;
  }
  switch (CheckToken(data.substr(0, block - 2))) {
    case TokenResult::kOk:
      *authenticated = true;
      *reply = "STORED\r\n";
      if (stats != nullptr) stats->auth_cmds.Add();
      break;
    case TokenResult::kBadFormat:
      *reply = "CLIENT_ERROR bad authentication token format\r\n";
      break;
    case TokenResult::kFailure:
      *reply = "CLIENT_ERROR authentication failure\r\n";
      if (stats != nullptr) {
        stats->auth_cmds.Add();
        stats->auth_errors.Add();
      }
      break;
  }
  return true;
}

}  // namespace memcd
