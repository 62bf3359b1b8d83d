// A reply line built in place in a fixed buffer: appends are inline and
// never allocate, unlike std::string's out-of-line append (about 50
// instructions a call, several per meta reply).
#ifndef MEMCD_SERVER_REPLY_LINE_H_
#define MEMCD_SERVER_REPLY_LINE_H_

#include <glog/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "base/numbers.h"

namespace memcd {

class ReplyLine {
 public:
  // Every line the meta handler builds fits with room to spare: at most
  // one of each flag (duplicates are refused), the longest being a base64
  // key (336 bytes) and an opaque (32), make under 500 bytes.
  static constexpr size_t kCapacity = 1024;

  void Assign(std::string_view s) {
    size_ = 0;
    Append(s);
  }
  void Append(std::string_view s) {
    CHECK_LE(s.size(), kCapacity - size_) << "reply line overflow";
    std::memcpy(buf_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  void Push(char c) { Append(std::string_view(&c, 1)); }
  void AppendNumber(uint64_t v) {
    char digits[24];
    Append(std::string_view(digits, FormatUint64(v, digits)));
  }

  std::string_view view() const { return std::string_view(buf_, size_); }

 private:
  char buf_[kCapacity];
  size_t size_ = 0;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_REPLY_LINE_H_
