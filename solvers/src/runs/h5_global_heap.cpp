// Global heap collections as HDF5 1.10.8 parses them (H5HGcache.c, H5HG__cache_heap_deserialize;
// HDF5 file format specification, "Global Heap"):
//
//   collection: "GCOL", version 1, 3 reserved bytes, collection size S (size-of-lengths
//               bytes; counts the header), then objects up to S;
//   object:     heap index (2 bytes), reference count (2), reserved (4), data size n
//               (size-of-lengths), data padded to a multiple of 8. Index 0 is the free space:
//               its size counts its own header and is not padded.
//
// HDF5 walks the objects with p += (index > 0 ? header + align8(n) : n) while p < S, an
// object header that does not fit ending the walk. Hence the defects refused here:
//   - index 0 with n = 0: p never advances (the loop);
//   - n running past S: H5HG_read copies n bytes from the collection (the overread); for
//     index 0 also the pointer arithmetic wraps;
//   - S smaller than the collection header: the header is decoded past the end of the
//     S bytes read, and the object count (S - header) / 16 + 2 underflows.
// HDF5 loads a collection only at the address of a heap id it dereferences (the CWFS list
// starts empty on a read-only open), and only below the end-of-file address (EOA) stored in
// the superblock.
#include "runs/h5_global_heap.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "tnad/ad/error.hpp"

namespace tnad::runs {

namespace {

// Little-endian unsigned of n bytes (n = 2 ... 32 as HDF5 allows); `fits` false when a byte
// beyond the eighth is non-zero (no 64-bit file offset).
uint64_t decode(const unsigned char* p, unsigned n, bool& fits) {
  uint64_t v = 0;
  fits = true;
  for (unsigned i = 0; i < n; ++i) {
    if (i < 8) v |= uint64_t(p[i]) << (8 * i);
    else if (p[i] != 0) fits = false;
  }
  return v;
}

uint64_t align8(uint64_t x) { return (x + 7) / 8 * 8; }

// Reads [off, off + n); bytes past the end of the file read as zeros.
void read_at(int fd, unsigned char* buf, std::size_t n, uint64_t off, const std::string& file) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf + got, n - got, off_t(off + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw_error(file, ": cannot read: ", std::strerror(errno));
    if (r == 0) break;
    got += std::size_t(r);
  }
  std::memset(buf + got, 0, n - got);
}

struct Layout {
  unsigned sizeof_addr = 8, sizeof_size = 8;
  uint64_t base = 0;   // file offset of address 0 (the superblock, as HDF5 sets it)
  uint64_t limit = 0;  // HDF5 reads nothing at or past this file offset (min of EOA, size)
};

// The superblock fields HDF5 decodes first (versions 0-3); false where HDF5 would refuse the
// superblock itself.
bool read_layout(int fd, uint64_t size, uint64_t sb, const std::string& file, Layout& out) {
  unsigned char b[160];
  read_at(fd, b, sizeof b, sb, file);
  unsigned pos;  // of the base address
  const unsigned version = b[8];
  if (version <= 1) {
    out.sizeof_addr = b[13];
    out.sizeof_size = b[14];
    pos = version == 0 ? 24 : 28;
  } else if (version <= 3) {
    out.sizeof_addr = b[9];
    out.sizeof_size = b[10];
    pos = 12;
  } else {
    return false;
  }
  auto valid = [](unsigned n) { return n == 2 || n == 4 || n == 8 || n == 16 || n == 32; };
  if (!valid(out.sizeof_addr) || !valid(out.sizeof_size)) return false;
  // base address, (free-space or extension address), end-of-file address
  const unsigned eoa_at = pos + 2 * out.sizeof_addr;
  if (eoa_at + out.sizeof_addr > sizeof b) return false;
  bool fits;
  const uint64_t eoa = decode(b + eoa_at, out.sizeof_addr, fits);
  out.base = sb;
  // HDF5 moves the base address to the superblock; the stored EOA is taken relative to it
  // here (the larger reading of the two the format allows), capped at the file's size.
  out.limit = size;
  if (fits && eoa <= size && sb <= size - eoa) out.limit = sb + eoa;
  return true;
}

// Visits the bytes [from, to) in windows of W bytes followed by K more (zeros past the
// end of the file), skipping holes of a sparse file (all zeros: neither a signature nor
// an address of a collection). f(buf, start, end): buf holds the file from `start` to
// end + K; the window's own positions are [start, end).
constexpr std::size_t kWindow = std::size_t(1) << 20;
constexpr std::size_t kOverlap = 64;

template <class F>
void for_each_window(int fd, uint64_t from, uint64_t to, const std::string& file, F&& f) {
  if (from >= to) return;
  // not zero-initialised (read_at fills it); no larger than the range
  const std::size_t cap = std::size_t(std::min<uint64_t>(kWindow, to - from)) + kOverlap;
  std::unique_ptr<unsigned char[]> buf(new unsigned char[cap]);
  uint64_t w = from;
  while (w < to) {
    off_t d = ::lseek(fd, off_t(w), SEEK_DATA);
    if (d < 0 && errno == ENXIO) return;  // only a hole from w on
    if (d > 0 && uint64_t(d) > w + kOverlap) w = uint64_t(d) - kOverlap;
    if (w >= to) return;
    const uint64_t end = std::min<uint64_t>(to, w + (cap - kOverlap));
    read_at(fd, buf.get(), std::size_t(end - w) + kOverlap, w, file);
    f(buf.get(), w, end);
    w = end;
  }
}

// Objects of a collection are read through a cache: a walk reads each byte about once.
class Cached {
 public:
  static constexpr std::size_t kSize = std::size_t(1) << 14;
  Cached(int fd, const std::string& file) : fd_(fd), file_(file), buf_(new unsigned char[kSize]) {}
  const unsigned char* at(uint64_t pos, std::size_t n) {
    if (pos < start_ || pos + n > start_ + kSize || !filled_) {
      read_at(fd_, buf_.get(), kSize, pos, file_);
      start_ = pos;
      filled_ = true;
    }
    return buf_.get() + (pos - start_);
  }

 private:
  int fd_;
  const std::string& file_;
  std::unique_ptr<unsigned char[]> buf_;
  uint64_t start_ = 0;
  bool filled_ = false;
};

}  // namespace

void check_global_heaps(int fd, uint64_t size, uint64_t superblock, const std::string& file) {
  Layout L;
  if (!read_layout(fd, size, superblock, file, L)) return;
  const unsigned ss = L.sizeof_size, sa = L.sizeof_addr;
  const uint64_t head_bytes = 8 + ss;               // what HDF5 decodes of the header
  const uint64_t head = align8(head_bytes);         // H5HG_SIZEOF_HDR
  const uint64_t obj_head = align8(8 + ss);         // H5HG_SIZEOF_OBJHDR
  if (L.limit <= L.base) return;

  // 1. Every "GCOL" at or after the base address: a collection HDF5 could load there.
  std::vector<uint64_t> at;
  for_each_window(fd, L.base, L.limit, file, [&](const unsigned char* buf, uint64_t start, uint64_t end) {
    std::string_view v(reinterpret_cast<const char*>(buf), std::size_t(end - start) + 3);
    for (std::size_t i = v.find("GCOL"); i != std::string_view::npos; i = v.find("GCOL", i + 1))
      at.push_back(start + i);
  });
  if (at.empty()) return;

  // 2. Which of them an address somewhere in the file points at (a heap id could).
  std::vector<char> reached(at.size(), 0);
  const uint64_t lo = at.front() - L.base, hi = at.back() - L.base;
  constexpr bool little_endian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
  for_each_window(fd, 0, size, file, [&](const unsigned char* buf, uint64_t start, uint64_t end) {
    for (uint64_t i = 0; i < end - start; ++i) {
      uint64_t a;
      bool fits = true;
      if (sa == 8 && little_endian) std::memcpy(&a, buf + i, 8);
      else a = decode(buf + i, sa, fits);
      if (a < lo || a > hi || !fits) continue;
      auto it = std::lower_bound(at.begin(), at.end(), a + L.base);
      if (it != at.end() && *it == a + L.base) reached[std::size_t(it - at.begin())] = 1;
    }
  });

  // 3. Walk each reached collection as HDF5 would. Collections of a valid file do not
  // overlap, and every step advances within its collection: at most one step per byte.
  uint64_t budget = (L.limit - L.base) + 2 * uint64_t(at.size()) + 16;
  Cached bytes(fd, file);
  for (std::size_t c = 0; c < at.size(); ++c) {
    if (!reached[c]) continue;
    const uint64_t q = at[c];
    auto corrupt = [&](auto&&... what) {
      throw_error(file, ": corrupt HDF5 global heap collection at offset ", q, ": ", what...);
    };
    if (q + 5 > L.limit || q + head_bytes > L.limit) {
      if (q + 5 <= L.limit && bytes.at(q, 5)[4] != 1) continue;  // HDF5 refuses the version
      corrupt("its header is cut off by the end of the file (HDF5 1.10 would read past it)");
    }
    const unsigned char* h = bytes.at(q, std::size_t(head_bytes));
    if (h[4] != 1) continue;  // HDF5 refuses another version
    bool fits;
    const uint64_t S = decode(h + 8, ss, fits);
    if (!fits || S > L.limit - q) continue;  // HDF5 refuses a collection past the end of file
    if (S < head)
      corrupt("collection size ", S, " is smaller than its ", head, "-byte header (HDF5 1.10 would read past it)");
    const uint64_t end = q + S;
    uint64_t p = q + head;
    while (p < end && end - p >= obj_head) {
      if (budget-- == 0)
        corrupt("it overlaps other collections (more heap objects than the file has bytes)");
      const unsigned char* o = bytes.at(p, std::size_t(8 + ss));
      const unsigned idx = unsigned(o[0]) | unsigned(o[1]) << 8;
      uint64_t n = decode(o + 8, ss, fits);
      if (!fits) n = UINT64_MAX;
      const uint64_t left = end - p;
      if (idx == 0) {
        if (n == 0) corrupt("the free-space object (index 0) at offset ", p, " has size 0 (HDF5 1.10 would loop forever)");
        if (n > left)
          corrupt("the free-space object (index 0) at offset ", p, " has size ", n, ", more than the ", left,
                  " bytes left in the collection (HDF5 1.10 would read past it)");
        p += n;
      } else {
        if (n > left - obj_head)
          corrupt("object ", idx, " at offset ", p, " has size ", n, ", more than the ",
                  left - obj_head, " bytes left in the collection (HDF5 1.10 would read past it)");
        p += obj_head + align8(n);
      }
    }
  }
}

}  // namespace tnad::runs
