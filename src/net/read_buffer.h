// A connection's input bytes: a contiguous, growable buffer that keeps the
// unparsed tail at the front so a parser always sees one string_view.
#ifndef MEMCD_NET_READ_BUFFER_H_
#define MEMCD_NET_READ_BUFFER_H_

#include <cstddef>
#include <memory>
#include <string_view>

namespace memcd {

class ReadBuffer {
 public:
  explicit ReadBuffer(size_t initial_capacity = 2048)
      : initial_capacity_(initial_capacity) {}
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
  // Gives back a large buffer once it is empty (after a big value or line).
  void ShrinkIfIdle();

 private:
  const size_t initial_capacity_;
  std::unique_ptr<char[]> buf_;
  size_t capacity_ = 0;
  size_t start_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // one past the last received byte
};

}  // namespace memcd

#endif  // MEMCD_NET_READ_BUFFER_H_
