#include "server/response_buffer.h"

#include <limits.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace memcd {
namespace {
const char kCrlf[] = "\r\n";
constexpr size_t kMaxIov = IOV_MAX < 1024 ? IOV_MAX : 1024;
// Values up to this size are copied into the text blocks: a memcpy costs
// less than an iovec per piece (three for a text value) plus holding the
// item, and a batch of small replies then leaves in one or two iovecs.
constexpr size_t kCopyValueMax = 1024;

// Copies the value's pieces to `dst`; returns the byte count.
size_t CopyValue(const ItemRef& item, char* dst) {
  ValueReader reader(item);
  std::string_view piece;
  char* p = dst;
  while (reader.Next(&piece)) {
    memcpy(p, piece.data(), piece.size());
    p += piece.size();
  }
  return static_cast<size_t>(p - dst);
}
}  // namespace

char* ResponseBuffer::Reserve(size_t max) {
  if (blocks_.empty() || blocks_.back().size - blocks_.back().used < max) {
    Block b;
    if (max <= pool_->buffer_size()) {
      b.size = pool_->buffer_size();
      b.data = pool_->Acquire();
    } else {
      b.size = max;  // one oversized text (a big stats reply, say)
      b.data.reset(new char[b.size]);
    }
    blocks_.push_back(std::move(b));
  }
  Block& b = blocks_.back();
  return b.data.get() + b.used;
}

void ResponseBuffer::Commit(size_t n) {
  Block& b = blocks_.back();
  const char* start = b.data.get() + b.used;
  b.used += n;
  AddPiece(start, n);
}

void ResponseBuffer::Append(std::string_view text) {
  if (text.empty()) return;
  char* p = Reserve(text.size());
  memcpy(p, text.data(), text.size());
  Commit(text.size());
}

void ResponseBuffer::AppendLine(std::string_view line) {
  char* p = Reserve(line.size() + 2);
  memcpy(p, line.data(), line.size());
  memcpy(p + line.size(), kCrlf, 2);
  Commit(line.size() + 2);
}

void ResponseBuffer::AppendValue(ItemRef item) {
  const size_t len = item.value_length();
  if (len <= kCopyValueMax) {
    char* p = Reserve(len + 2);
    const size_t n = CopyValue(item, p);
    memcpy(p + n, kCrlf, 2);
    Commit(n + 2);
    return;
  }
  AppendValueBytes(std::move(item));
  AddPiece(kCrlf, 2);
}

void ResponseBuffer::AppendValueBytes(ItemRef item) {
  const size_t len = item.value_length();
  if (len <= kCopyValueMax) {
    Commit(CopyValue(item, Reserve(len)));
    return;
  }
  // One piece for an ordinary item, one per chunk for a large one.
  ValueReader reader(item);
  std::string_view piece;
  while (reader.Next(&piece)) AddPiece(piece.data(), piece.size());
  items_.push_back(std::move(item));
}

char* ResponseBuffer::ReserveHeader(size_t header_max, const ItemRef& item) {
  const size_t len = item.value_length();
  return Reserve(header_max + (len <= kCopyValueMax ? len + 2 : 0));
}

void ResponseBuffer::CommitWithValue(size_t header_length, ItemRef item) {
  const size_t len = item.value_length();
  if (len > kCopyValueMax) {
    Commit(header_length);
    AppendValueBytes(std::move(item));
    AddPiece(kCrlf, 2);
    return;
  }
  Block& b = blocks_.back();
  char* const value = b.data.get() + b.used + header_length;
  const size_t n = CopyValue(item, value);
  memcpy(value + n, kCrlf, 2);
  Commit(header_length + n + 2);
}

void ResponseBuffer::AppendWithValue(std::string_view header, ItemRef item) {
  char* p = ReserveHeader(header.size(), item);
  memcpy(p, header.data(), header.size());
  CommitWithValue(header.size(), std::move(item));
}

void ResponseBuffer::AddPiece(const char* data, size_t len) {
  if (len == 0) return;
  pending_bytes_ += len;
  // Text committed right after the previous piece extends it.
  if (pieces_.size() > next_piece_) {
    iovec& last = pieces_.back();
    if (static_cast<const char*>(last.iov_base) + last.iov_len == data &&
        data != kCrlf) {
      last.iov_len += len;
      return;
    }
  }
  pieces_.push_back({const_cast<char*>(data), len});
}

void ResponseBuffer::CopyPendingTo(std::string* out) const {
  out->reserve(out->size() + pending_bytes_);
  for (size_t i = next_piece_; i < pieces_.size(); ++i) {
    out->append(static_cast<const char*>(pieces_[i].iov_base), pieces_[i].iov_len);
  }
}

ResponseBuffer::FlushResult ResponseBuffer::Flush(int fd, size_t* written) {
  *written = 0;
  while (next_piece_ < pieces_.size()) {
    msghdr msg{};
    msg.msg_iov = &pieces_[next_piece_];
    msg.msg_iovlen = std::min(kMaxIov, pieces_.size() - next_piece_);
    ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return FlushResult::kBlocked;
      return FlushResult::kError;
    }
    *written += n;
    Advance(static_cast<size_t>(n));
  }
  return FlushResult::kDone;
}

size_t ResponseBuffer::MaxIov() { return kMaxIov; }

void ResponseBuffer::Advance(size_t n) {
  pending_bytes_ -= n;
  while (n > 0) {
    iovec& iov = pieces_[next_piece_];
    if (n >= iov.iov_len) {
      n -= iov.iov_len;
      next_piece_++;
    } else {
      iov.iov_base = static_cast<char*>(iov.iov_base) + n;
      iov.iov_len -= n;
      n = 0;
    }
  }
}

void ResponseBuffer::Clear() {
  pieces_.clear();
  items_.clear();
  next_piece_ = 0;
  pending_bytes_ = 0;
  for (Block& b : blocks_) {
    if (b.size == pool_->buffer_size()) pool_->Release(std::move(b.data));
  }
  blocks_.clear();
}

}  // namespace memcd
