#include "store/arena.h"

#include <glog/logging.h>
#include <sys/mman.h>
#include <unistd.h>

namespace memcd {

Arena::Arena(size_t bytes) {
  CHECK_LE(bytes, kMaxBytes);
  const size_t os_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_ = (bytes + os_page - 1) / os_page * os_page;
  if (size_ == 0) size_ = os_page;
  void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  PCHECK(p != MAP_FAILED) << "cannot reserve " << size_ << " bytes for items";
  base_ = static_cast<char*>(p);
}

Arena::~Arena() { munmap(base_, size_); }

}  // namespace memcd
