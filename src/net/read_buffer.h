// A connection's input bytes: a contiguous buffer that keeps the unparsed
// tail at the front so a parser always sees one string_view. Its storage
// comes from the worker's BufferPool and goes back there once it is empty;
// it grows past the pool's size only for a long line.
#ifndef MEMCD_NET_READ_BUFFER_H_
#define MEMCD_NET_READ_BUFFER_H_

#include <cstddef>
#include <memory>
#include <string_view>

#include "net/buffer_pool.h"

namespace memcd {

class ReadBuffer {
 public:
  // `pool` is borrowed and must outlive the buffer; same thread only.
  explicit ReadBuffer(BufferPool* pool) : pool_(pool) {}
  ~ReadBuffer() { Release(); }
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;

  // Bytes received and not yet consumed.
  std::string_view data() const { return {buf_.get() + start_, end_ - start_}; }
  size_t size() const { return end_ - start_; }
  bool empty() const { return start_ == end_; }
  size_t capacity() const { return capacity_; }

  void Consume(size_t n);
  // Makes room for at least `min_free` more bytes (moving the unconsumed
  // bytes to the front first, growing only when that is not enough); returns
  // where to write and sets *space to how much may be written.
  char* PrepareWrite(size_t min_free, size_t* space);
  // Records `n` bytes written at the pointer PrepareWrite() returned.
  void Commit(size_t n) { end_ += n; }
  // Gives the storage back (to the pool, if it came from there) when empty.
  void ReleaseIfEmpty() {
    if (empty()) Release();
  }

 private:
  void Release();

  BufferPool* const pool_;
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t start_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // one past the last received byte
};

}  // namespace memcd

#endif  // MEMCD_NET_READ_BUFFER_H_
