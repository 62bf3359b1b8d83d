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
  if (buf_ == nullptr && min_free <= pool_->buffer_size()) {
    buf_ = pool_->Acquire();
    capacity_ = pool_->buffer_size();
  }
  if (capacity_ - end_ < min_free && start_ > 0) {
    size_t n = size();
    memmove(buf_.get(), buf_.get() + start_, n);
    start_ = 0;
    end_ = n;
  }
  if (capacity_ - end_ < min_free) {
    const size_t kept = size();
    const size_t want = std::max(capacity_ * 2, kept + min_free);
    std::unique_ptr<char[]> bigger(new char[want]);
    if (kept > 0) memcpy(bigger.get(), buf_.get() + start_, kept);
    Release();
    buf_ = std::move(bigger);
    capacity_ = want;
    end_ = kept;
  }
  *space = capacity_ - end_;
  return buf_.get() + end_;
}

void ReadBuffer::Release() {
  if (buf_ == nullptr) return;
  if (capacity_ == pool_->buffer_size()) {
    pool_->Release(std::move(buf_));
  } else {
    buf_.reset();
  }
  capacity_ = 0;
  start_ = end_ = 0;
}

}  // namespace memcd
