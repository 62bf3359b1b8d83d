// A connection's pending output: text the server formatted plus values that
// stay in item memory, written with one sendmsg() per batch. Items are held by
// reference until their bytes have left, so a replaced or evicted item cannot
// be reused under a slow reader.
#ifndef MEMCD_SERVER_RESPONSE_BUFFER_H_
#define MEMCD_SERVER_RESPONSE_BUFFER_H_

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/buffer_pool.h"
#include "store/item_ref.h"

namespace memcd {

class ResponseBuffer {
 public:
  // Text blocks come from `pool` (borrowed, same thread) and go back to it
  // once everything is sent, so an idle connection holds none.
  explicit ResponseBuffer(BufferPool* pool) : pool_(pool) {}
  ~ResponseBuffer() { Clear(); }
  ResponseBuffer(const ResponseBuffer&) = delete;
  ResponseBuffer& operator=(const ResponseBuffer&) = delete;

  // Copies `text` into the buffer.
  void Append(std::string_view text);
  // Appends "<line>\r\n".
  void AppendLine(std::string_view line);
  // Returns room for up to `max` bytes of text; Commit() what was written.
  char* Reserve(size_t max);
  void Commit(size_t n);
  // Queues the item's value followed by "\r\n". A small value (up to 1 KiB)
  // is copied into the text; a larger one is not copied: one iovec per piece
  // of the value (see ValueReader), the item held until Clear().
  void AppendValue(ItemRef item);
  // The same without the "\r\n" (binary protocol replies).
  void AppendValueBytes(ItemRef item);
  // A header line and then AppendValue(item), in one Reserve() and Commit()
  // when the value is copied: ReserveHeader() returns room for up to
  // `header_max` bytes, CommitWithValue() takes how many were written.
  char* ReserveHeader(size_t header_max, const ItemRef& item);
  void CommitWithValue(size_t header_length, ItemRef item);
  // `header` (a whole line, with its "\r\n") followed by AppendValue(item).
  void AppendWithValue(std::string_view header, ItemRef item);

  bool empty() const { return next_piece_ == pieces_.size(); }
  size_t pending_bytes() const { return pending_bytes_; }

  // Appends every pending byte to *out without sending anything (UDP cuts
  // the reply into datagrams itself).
  void CopyPendingTo(std::string* out) const;

  enum class FlushResult { kDone, kBlocked, kError };
  // Writes as much as the socket takes; *written gets the byte count.
  FlushResult Flush(int fd, size_t* written);
  // The same through a transport that cannot sendmsg() (TLS): `writer(iov,
  // count)` sends a prefix of the pending pieces and returns its length, or
  // -1 with errno EAGAIN when blocked (any other errno is an error).
  template <typename Writer>
  FlushResult FlushVia(Writer&& writer, size_t* written);
  // Drops everything (after kDone, or when the connection closes), releasing
  // the held items and returning the text blocks.
  void Clear();

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size = 0;
    size_t used = 0;
  };
  void AddPiece(const char* data, size_t len);
  // Drops the first `n` pending bytes (sent).
  void Advance(size_t n);
  static size_t MaxIov();

  BufferPool* const pool_;
  std::vector<Block> blocks_;     // text storage; pointers into it are stable
  std::vector<iovec> pieces_;     // everything to send, in order
  std::vector<ItemRef> items_;    // values referenced by pieces_
  size_t next_piece_ = 0;         // first piece not fully sent
  size_t pending_bytes_ = 0;
};

template <typename Writer>
ResponseBuffer::FlushResult ResponseBuffer::FlushVia(Writer&& writer, size_t* written) {
  *written = 0;
  while (next_piece_ < pieces_.size()) {
    const size_t count = std::min(MaxIov(), pieces_.size() - next_piece_);
    const ssize_t n = writer(&pieces_[next_piece_], static_cast<int>(count));
    if (n < 0) return errno == EAGAIN ? FlushResult::kBlocked : FlushResult::kError;
    *written += static_cast<size_t>(n);
    Advance(static_cast<size_t>(n));
  }
  return FlushResult::kDone;
}

}  // namespace memcd

#endif  // MEMCD_SERVER_RESPONSE_BUFFER_H_
