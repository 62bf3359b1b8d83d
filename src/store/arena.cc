#include "store/arena.h"

#include <glog/logging.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

namespace memcd {

namespace {

size_t OsPageSize() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

size_t RoundToOsPages(size_t bytes) {
  const size_t os_page = OsPageSize();
  const size_t rounded = (bytes + os_page - 1) / os_page * os_page;
  return rounded == 0 ? os_page : rounded;
}

void* Reserve(size_t bytes) {
  return mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}

}  // namespace

Arena::Arena(size_t bytes, size_t reserve) {
  CHECK_LE(bytes, kMaxBytes);
  CHECK_LE(reserve, kMaxBytes);
  size_ = RoundToOsPages(std::max(bytes, reserve));
  void* p = Reserve(size_);
  if (p == MAP_FAILED && reserve > bytes) {
    // Address space is limited (ulimit -v, strict overcommit): serve -m and
    // give up growing it at run time.
    LOG(WARNING) << "cannot reserve " << size_ << " bytes of address space; "
                 << "the memory limit will not be raised at run time";
    size_ = RoundToOsPages(bytes);
    p = Reserve(size_);
  }
  PCHECK(p != MAP_FAILED) << "cannot reserve " << size_ << " bytes for items";
  base_ = static_cast<char*>(p);
}

Arena::~Arena() { munmap(base_, size_); }

void Arena::Prefault(size_t bytes) {
  bytes = std::min(RoundToOsPages(bytes), size_);
#ifdef MADV_HUGEPAGE
  // Best effort, as memcached's -L: no huge pages is not an error.
  madvise(base_, bytes, MADV_HUGEPAGE);
#endif
  const size_t os_page = OsPageSize();
  for (size_t offset = 0; offset < bytes; offset += os_page) {
    // A volatile write: the compiler must not drop the touch.
    *static_cast<volatile char*>(base_ + offset) = 0;
  }
}

}  // namespace memcd
