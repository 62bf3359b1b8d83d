#include "net/read_buffer.h"

#include <glog/logging.h>

#include <algorithm>
#include <cstring>

namespace memcd {

void ReadBuffer::Consume(size_t n) {
  DCHECK_LE(n, size());
  start_ += n;
  if (start_ == end_) start_ = end_ = 0;
}

char* ReadBuffer::PrepareWrite(size_t min_free, size_t* space) {
  if (buf_ == nullptr) {
    capacity_ = std::max(initial_capacity_, min_free);
    buf_.reset(new char[capacity_]);
  }
  if (capacity_ - end_ < min_free && start_ > 0) {
    size_t n = size();
    memmove(buf_.get(), buf_.get() + start_, n);
    start_ = 0;
    end_ = n;
  }
  if (capacity_ - end_ < min_free) {
    size_t want = std::max(capacity_ * 2, end_ + min_free);
    std::unique_ptr<char[]> bigger(new char[want]);
    memcpy(bigger.get(), buf_.get() + start_, size());
    end_ -= start_;
    start_ = 0;
    buf_ = std::move(bigger);
    capacity_ = want;
  }
  *space = capacity_ - end_;
  return buf_.get() + end_;
}

void ReadBuffer::ShrinkIfIdle() {
  if (empty() && capacity_ > 4 * initial_capacity_) {
    buf_.reset();
    capacity_ = 0;
    start_ = end_ = 0;
  }
}

}  // namespace memcd
