// Same-size byte buffers recycled within one worker thread. A connection
// takes one while it has unprocessed input and gives it back once drained,
// so idle connections hold no read buffer and busy ones allocate nothing.
#ifndef MEMCD_NET_BUFFER_POOL_H_
#define MEMCD_NET_BUFFER_POOL_H_

#include <cstddef>
#include <memory>
#include <vector>

namespace memcd {

class BufferPool {
 public:
  // Keeps at most `max_cached` free buffers of `buffer_size` bytes.
  BufferPool(size_t buffer_size, size_t max_cached)
      : buffer_size_(buffer_size), max_cached_(max_cached) {}
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  size_t buffer_size() const { return buffer_size_; }
  size_t cached() const { return free_.size(); }

  // A buffer of buffer_size() bytes.
  std::unique_ptr<char[]> Acquire() {
    if (free_.empty()) return std::unique_ptr<char[]>(new char[buffer_size_]);
    std::unique_ptr<char[]> b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  // REQUIRES: `b` came from Acquire().
  void Release(std::unique_ptr<char[]> b) {
    if (free_.size() < max_cached_) free_.push_back(std::move(b));
  }

 private:
  const size_t buffer_size_;
  const size_t max_cached_;
  std::vector<std::unique_ptr<char[]>> free_;  // owning thread only
};

}  // namespace memcd

#endif  // MEMCD_NET_BUFFER_POOL_H_
