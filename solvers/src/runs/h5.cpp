// HDF5 C API <-> Group. Every HDF5 handle lives in an Id (RAII) so an exception on the way
// never leaks an open file: an open handle would keep PATH.tmp locked and unflushed.
#include "tnad/solvers/h5.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/file_policy.hpp"
#include "runs/h5_global_heap.hpp"

namespace tnad::runs {

namespace {

void quiet_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

// The innermost (most specific) message of HDF5's error stack, e.g. the system error of a
// failed write ("File too large"), so that our one-line error says why.
std::string h5_reason() {
  struct Acc {
    std::string first, last;
  } acc;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD,
           [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
             auto* a = static_cast<Acc*>(data);
             std::string d = e->desc ? e->desc : "";
             if (n == 0) a->first = d;
             a->last = d;
             return 0;
           },
           &acc);
  H5Eclear2(H5E_DEFAULT);
  for (const std::string* s : {&acc.last, &acc.first}) {
    auto p = s->find("error message = '");
    if (p != std::string::npos) {
      auto q = s->find('\'', p + 17);
      return s->substr(p + 17, q == std::string::npos ? std::string::npos : q - p - 17);
    }
  }
  std::string r = acc.last.empty() ? acc.first : acc.last;
  return r.empty() ? "HDF5 error" : r;
}

class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id(Id&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Id& operator=(Id&& o) noexcept {
    if (this != &o) { reset(); id_ = o.id_; o.id_ = H5I_INVALID_HID; }
    return *this;
  }
  ~Id() { reset(); }
  void reset() {
    if (id_ >= 0 && H5Iis_valid(id_) > 0) H5Idec_ref(id_);
    id_ = H5I_INVALID_HID;
  }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool ok() const { return id_ >= 0; }
  hid_t release() { hid_t t = id_; id_ = H5I_INVALID_HID; return t; }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Checks a returned id / status; on failure throws naming the file and the object.
// Reading also keeps a memory budget (a file cannot hold more data than its size allows,
// beyond what compression gives) and the objects already read (a hard link back to a
// parent group would otherwise recurse forever).
struct Ctx {
  explicit Ctx(std::string f) : file(std::move(f)) {}
  std::string file;
  uint64_t budget = UINT64_MAX;  // bytes the reader may still allocate for data
  std::set<std::string> seen;    // addresses of the groups and datasets read
  void spend(uint64_t bytes, const std::string& what) {
    if (bytes > budget)
      throw_error(file, ": ", what, " claims ", bytes, " bytes, more than this file of its size can hold",
                  " (corrupted or not a tnad file)");
    budget -= bytes;
  }
  hid_t check(hid_t id, const std::string& what) const {
    if (id < 0) throw_error(file, ": ", what, ": ", h5_reason());
    return id;
  }
  void check_status(herr_t st, const std::string& what) const {
    if (st < 0) throw_error(file, ": ", what, ": ", h5_reason());
  }
};

// Frees the strings HDF5 allocated for a variable-length read.
void reclaim(hid_t type, hid_t space, void* buf) {
#if H5_VERSION_GE(1, 12, 0)
  H5Treclaim(type, space, H5P_DEFAULT, buf);
#else
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf);
#endif
}

std::string child(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

Id vlen_string_type(const Ctx& c) {
  Id t(c.check(H5Tcopy(H5T_C_S1), "string type"));
  c.check_status(H5Tset_size(t, H5T_VARIABLE), "string type");
  c.check_status(H5Tset_cset(t, H5T_CSET_UTF8), "string type");
  return t;
}

// ---------------------------------------------------------------- writing

void write_attr(const Ctx& c, hid_t obj, const std::string& where, const std::string& name,
                const Attribute& a) {
  Id space(c.check(H5Screate(H5S_SCALAR), "dataspace"));
  const std::string what = "attribute " + where + "@" + name;
  if (auto* i = std::get_if<int64_t>(&a)) {
    Id at(c.check(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT), what));
    c.check_status(H5Awrite(at, H5T_NATIVE_INT64, i), what);
  } else if (auto* d = std::get_if<double>(&a)) {
    Id at(c.check(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT), what));
    c.check_status(H5Awrite(at, H5T_NATIVE_DOUBLE, d), what);
  } else {
    const std::string& s = std::get<std::string>(a);
    Id t = vlen_string_type(c);
    Id at(c.check(H5Acreate2(obj, name.c_str(), t, space, H5P_DEFAULT, H5P_DEFAULT), what));
    const char* p = s.c_str();
    c.check_status(H5Awrite(at, t, &p), what);
  }
}

void write_dataset(const Ctx& c, hid_t parent, const std::string& where, const std::string& name,
                   const Dataset& d) {
  const std::string path = child(where, name);
  if (d.numel() != int64_t(std::visit([](const auto& v) { return v.size(); }, d.data)))
    throw_error(c.file, ": dataset ", path, ": shape does not match its data");
  const int rank = int(d.shape.size());
  std::vector<hsize_t> dims(d.shape.begin(), d.shape.end());
  std::vector<hsize_t> maxdims = dims;
  if (d.extendible) {
    if (rank != 1) throw_error(c.file, ": dataset ", path, ": only 1-D datasets can be extendible");
    maxdims[0] = H5S_UNLIMITED;
  }
  Id space(rank == 0 ? c.check(H5Screate(H5S_SCALAR), "dataspace " + path)
                     : c.check(H5Screate_simple(rank, dims.data(), maxdims.data()), "dataspace " + path));
  std::size_t elem = d.is_string() ? sizeof(char*) : 8;
  std::size_t bytes = std::size_t(d.numel()) * elem;
  Id dcpl(c.check(H5Pcreate(H5P_DATASET_CREATE), "dataset properties"));
  if (d.extendible) {
    // Chunked: needed for an unlimited axis; the Fletcher-32 filter checksums every chunk.
    std::vector<hsize_t> chunk(dims.size());
    std::size_t per_chunk = 1;
    for (int i = rank - 1; i >= 0; --i) {
      hsize_t want = std::max<hsize_t>(1, std::min<hsize_t>(dims[i], (1u << 17) / elem / per_chunk));
      if (d.extendible && i == 0) want = std::max<hsize_t>(want, 256);
      chunk[i] = std::max<hsize_t>(1, want);
      per_chunk *= chunk[i];
    }
    c.check_status(H5Pset_chunk(dcpl, rank, chunk.data()), "chunking " + path);
    if (!d.is_string()) c.check_status(H5Pset_fletcher32(dcpl), "checksum filter " + path);
  } else if (!d.is_string() && bytes <= 16 * 1024) {
    // Small numeric data lives inside the object header, which the v2 format checksums.
    c.check_status(H5Pset_layout(dcpl, H5D_COMPACT), "layout " + path);
  }
  // Larger arrays are contiguous (fastest to write and read); the checkpoint's own digest
  // (run.hpp) covers the ones a resume depends on.
  hid_t ftype, mtype;
  Id strtype;
  if (d.is_double()) { ftype = H5T_IEEE_F64LE; mtype = H5T_NATIVE_DOUBLE; }
  else if (d.is_int()) { ftype = H5T_STD_I64LE; mtype = H5T_NATIVE_INT64; }
  else { strtype = vlen_string_type(c); ftype = mtype = strtype; }
  Id ds(c.check(H5Dcreate2(parent, name.c_str(), ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                "cannot create dataset " + path));
  if (d.numel() > 0) {
    herr_t st;
    if (d.is_string()) {
      const auto& v = d.strings();
      std::vector<const char*> ptrs(v.size());
      for (std::size_t i = 0; i < v.size(); ++i) ptrs[i] = v[i].c_str();
      st = H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    } else if (d.is_double()) {
      st = H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.doubles().data());
    } else {
      st = H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.ints().data());
    }
    c.check_status(st, "cannot write dataset " + path);
  }
  for (const auto& [k, a] : d.attrs) write_attr(c, ds, path, k, a);
}

void write_group(const Ctx& c, hid_t g, const std::string& where, const Group& grp) {
  for (const auto& [k, a] : grp.attrs) write_attr(c, g, where, k, a);
  for (const auto& [k, d] : grp.datasets) write_dataset(c, g, where, k, d);
  for (const auto& [k, sub] : grp.groups) {
    const std::string path = child(where, k);
    Id sg(c.check(H5Gcreate2(g, k.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  "cannot create group " + path));
    write_group(c, sg, path, sub);
  }
}

// ---------------------------------------------------------------- reading

Attribute read_attr(Ctx& c, hid_t obj, const std::string& what, bool& ok) {
  ok = false;
  Id type(c.check(H5Aget_type(obj), what));
  Id space(c.check(H5Aget_space(obj), what));
  hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n != 1) return {};  // array attributes are not part of our format; skip
  H5T_class_t cls = H5Tget_class(type);
  if (cls == H5T_INTEGER) {
    int64_t v = 0;
    c.check_status(H5Aread(obj, H5T_NATIVE_INT64, &v), what);
    ok = true;
    return v;
  }
  if (cls == H5T_FLOAT) {
    double v = 0;
    c.check_status(H5Aread(obj, H5T_NATIVE_DOUBLE, &v), what);
    ok = true;
    return v;
  }
  if (cls == H5T_STRING) {
    ok = true;
    if (H5Tis_variable_str(type) > 0) {
      Id mt = vlen_string_type(c);
      char* p = nullptr;
      c.check_status(H5Aread(obj, mt, &p), what);
      std::string s = p ? p : "";
      Id sp(H5Screate(H5S_SCALAR));
      reclaim(mt, sp, &p);
      return s;
    }
    std::size_t sz = H5Tget_size(type);
    c.spend(sz, what);
    std::string s(sz, '\0');
    Id mt(c.check(H5Tcopy(H5T_C_S1), what));
    H5Tset_size(mt, sz);
    c.check_status(H5Aread(obj, mt, s.data()), what);
    s.resize(std::strlen(s.c_str()));
    return s;
  }
  return {};
}

// Names collected by an HDF5 iteration callback, within the reader's budget. Nothing may be
// thrown through HDF5's C frames: the callback stops the iteration and the caller throws.
struct NameList {
  std::vector<std::string> names;
  uint64_t bytes = 0, budget = 0;
  bool over_budget = false, failed = false;
  herr_t add(const char* name) {
    try {
      const std::size_t len = std::strlen(name);
      bytes += len + 64;
      if (bytes > budget) {
        over_budget = true;
        return 1;  // stop
      }
      names.emplace_back(name, len);
      return 0;
    } catch (...) {
      failed = true;
      return -1;
    }
  }
  std::vector<std::string> finish(Ctx& c, herr_t st, const std::string& what) {
    if (over_budget) c.spend(bytes, what);  // throws
    if (failed) throw_error(c.file, ": ", what, ": out of memory");
    c.check_status(st, "cannot list " + what);
    c.spend(bytes, what);
    std::sort(names.begin(), names.end());
    return std::move(names);
  }
};

// Names of the links of group g in byte order, listed in one pass over the group's index
// in HDF5's native order and sorted here. Asking HDF5 for increasing name order instead
// (H5Lget_name_by_idx or H5Literate with H5_ITER_INC) makes HDF5 1.10 build a table of
// every link on each call (quadratic in the links), and on a corrupted group in dense
// storage it then frees table entries it never filled: a crash inside HDF5 on a hostile
// file (fuzz_h5_bytes; fuzz/regressions/h5_bytes/dense-group-link-table).
std::vector<std::string> link_names(Ctx& c, hid_t g, const std::string& where) {
  NameList acc;
  acc.budget = c.budget;
  hsize_t idx = 0;
  herr_t st = H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, &idx,
                         [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
                           return static_cast<NameList*>(data)->add(name);
                         },
                         &acc);
  return acc.finish(c, st, "the link names of " + where);
}

void read_attrs(Ctx& c, hid_t obj, const std::string& where,
                std::map<std::string, Attribute>& out) {
  // native order, as for links: the increasing order builds the same kind of table
  NameList acc;
  acc.budget = c.budget;
  hsize_t idx = 0;
  herr_t st = H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_NATIVE, &idx,
                          [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
                            return static_cast<NameList*>(data)->add(name);
                          },
                          &acc);
  for (const auto& name : acc.finish(c, st, "the attribute names of " + where)) {
    Id a(c.check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "attribute " + where + "@" + name));
    bool ok;
    Attribute v = read_attr(c, a, "attribute " + where + "@" + name, ok);
    if (ok) out[name] = std::move(v);
  }
}

bool read_dataset(Ctx& c, hid_t ds, const std::string& path, Dataset& d) {
  Id type(c.check(H5Dget_type(ds), path));
  Id space(c.check(H5Dget_space(ds), path));
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) c.check(rank, "dataspace of " + path);
  std::vector<hsize_t> dims(rank), maxdims(rank);
  H5Sget_simple_extent_dims(space, dims.data(), maxdims.data());
  H5T_class_t cls = H5Tget_class(type);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT && cls != H5T_STRING) return false;  // not our format
  // Elements and bytes, refused before anything is allocated when the dataspace claims more
  // than the file can hold (a hostile or corrupted header).
  const std::size_t elem = cls == H5T_STRING ? std::max<std::size_t>(sizeof(char*), H5Tget_size(type)) : 8;
  uint64_t n64 = 1;
  for (hsize_t k : dims) {
    if (k > INT64_MAX || (k != 0 && n64 > uint64_t(INT64_MAX) / k)) c.spend(UINT64_MAX, "dataset " + path);
    n64 *= k;
  }
  if (elem != 0 && n64 > UINT64_MAX / elem) c.spend(UINT64_MAX, "dataset " + path);
  c.spend(n64 * elem, "dataset " + path);
  d.shape.assign(dims.begin(), dims.end());
  d.extendible = rank == 1 && maxdims[0] == H5S_UNLIMITED;
  const std::size_t n = std::size_t(n64);
  const std::string what = "cannot read dataset " + path;
  if (cls == H5T_INTEGER) {
    std::vector<int64_t> v(n);
    if (n) c.check_status(H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), what);
    d.data = std::move(v);
  } else if (cls == H5T_FLOAT) {
    std::vector<double> v(n);
    if (n) c.check_status(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), what);
    d.data = std::move(v);
  } else if (cls == H5T_STRING) {
    std::vector<std::string> v(n);
    if (n && H5Tis_variable_str(type) > 0) {
      Id mt = vlen_string_type(c);
      std::vector<char*> ptrs(n, nullptr);
      c.check_status(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), what);
      for (std::size_t i = 0; i < n; ++i) v[i] = ptrs[i] ? ptrs[i] : "";
      reclaim(mt, space, ptrs.data());
    } else if (n) {
      std::size_t sz = H5Tget_size(type);
      std::vector<char> buf(sz * n + 1, '\0');
      Id mt(c.check(H5Tcopy(H5T_C_S1), what));
      H5Tset_size(mt, sz);
      c.check_status(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), what);
      for (std::size_t i = 0; i < n; ++i) {
        std::string s(buf.data() + i * sz, sz);
        v[i] = s.substr(0, std::strlen(s.c_str()));
      }
    }
    d.data = std::move(v);
  } else {
    return false;  // compound, enum, reference ...: not part of our format
  }
  read_attrs(c, ds, path, d.attrs);
  return true;
}

// A key naming the object in its file (its address), to read every object once.
std::string object_key(Ctx& c, hid_t obj, const std::string& path) {
#if H5_VERSION_GE(1, 12, 0)
  H5O_info2_t info;
  c.check_status(H5Oget_info3(obj, &info, H5O_INFO_BASIC), "cannot inspect " + path);
  return std::string(reinterpret_cast<const char*>(&info.token), sizeof info.token);
#else
  H5O_info_t info;
  c.check_status(H5Oget_info2(obj, &info, H5O_INFO_BASIC), "cannot inspect " + path);
  return std::to_string(info.addr);
#endif
}

void read_group(Ctx& c, hid_t g, const std::string& where, Group& out) {
  if (!c.seen.insert(object_key(c, g, where)).second)
    throw_error(c.file, ": ", where, " is a link back to a group already read (a link cycle or a shared",
                " group: not part of the tnad format)");
  read_attrs(c, g, where, out.attrs);
  for (const std::string& name : link_names(c, g, where)) {
    const std::string path = child(where, name);
    H5L_info_t linfo;
    if (H5Lget_info(g, name.c_str(), &linfo, H5P_DEFAULT) < 0 || linfo.type != H5L_TYPE_HARD) {
      H5Eclear2(H5E_DEFAULT);
      continue;  // soft/external links are not followed
    }
    Id obj(c.check(H5Oopen(g, name.c_str(), H5P_DEFAULT), "cannot open " + path));
    H5I_type_t t = H5Iget_type(obj);
    if (t == H5I_GROUP) {
      read_group(c, obj, path, out.group(name));
    } else if (t == H5I_DATASET) {
      if (!c.seen.insert(object_key(c, obj, path)).second)
        throw_error(c.file, ": ", path, " links to a dataset already read (not part of the tnad format)");
      Dataset d;
      if (read_dataset(c, obj, path, d)) out.datasets[name] = std::move(d);
    }
  }
}

// The HDF5 signature sits at offset 0 or, after a user block, at 512, 1024, 2048, ...
// below the end of the file (checked by hand: H5Fis_hdf5 would take a file lock). At most
// 64 reads, whatever the file. Returns the offset of the superblock, or -1.
int64_t h5_signature_at(int fd, uint64_t size) {
  unsigned char sig[8];
  for (uint64_t off = 0; size >= 8 && off <= size - 8; off = off == 0 ? 512 : 2 * off) {
    if (::pread(fd, sig, 8, off_t(off)) != 8) return -1;
    if (std::memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0) return int64_t(off);
    if (off > (UINT64_MAX >> 2)) break;
  }
  return -1;
}

// Size of the regular file at `path`; throws for anything else (never opens a device,
// FIFO or directory).
uint64_t regular_file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw_error(shorten(path, 1024), ": no such file");
    throw_error(shorten(path, 1024), ": cannot read: ", std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw_error(shorten(path, 1024), ": is a directory, not an HDF5 file");
  if (!S_ISREG(st.st_mode)) {
    std::string kind = file_kind(path);
    throw_error(shorten(path, 1024), ": is ", kind, ", not an HDF5 file");
  }
  return uint64_t(st.st_size);
}

// The file's HDF5 signature; with `guard`, also the check of its global heap collections
// (h5_global_heap.hpp) that every file must pass before HDF5 reads it.
bool signature_of(const std::string& path, uint64_t size, bool guard) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw_error(shorten(path, 1024), ": cannot read: ", std::strerror(errno));
  const int64_t sb = h5_signature_at(fd, size);
  try {
    if (sb >= 0 && guard) check_global_heaps(fd, size, uint64_t(sb), shorten(path, 1024));
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return sb >= 0;
}

// Every HDF5 file tnad reads is opened here.
Id open_for_read(Ctx& c, const std::string& path) {
  quiet_hdf5();
  const uint64_t size = regular_file_size(path);
  if (!signature_of(path, size, true))
    throw_error(shorten(path, 1024), ": not an HDF5 file (no HDF5 signature; corrupted or another format)");
  // Data read from the file: at most what its size holds, times a generous compression
  // ratio (tnad writes no compressed data; users' tools might).
  c.budget = (uint64_t(64) << 20) + std::min<uint64_t>(size, UINT64_MAX / 2048) * 1024;
  // Files are only ever read here (writes go through an in-memory image and rename), so
  // HDF5's file locks buy nothing, and they fail on cluster file systems without flock.
  Id fapl(H5Pcreate(H5P_FILE_ACCESS));
#if H5_VERSION_GE(1, 10, 7)
  H5Pset_file_locking(fapl, 0, 1);
#endif
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl);
  if (f < 0) throw_error(shorten(path, 1024), ": cannot open HDF5 file (corrupted or truncated?): ", h5_reason());
  return Id(f);
}

}  // namespace

bool is_h5(const std::string& path) {
  quiet_hdf5();
  try {
    return signature_of(path, regular_file_size(path), false);
  } catch (const Error&) {
    return false;
  }
}

namespace {

// Bob Jenkins' lookup3 hashlittle(), the checksum of HDF5 metadata (H5checksum.c).
uint32_t lookup3(const unsigned char* k, std::size_t length, uint32_t initval) {
  auto rot = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  uint32_t a, b, c;
  a = b = c = 0xdeadbeef + uint32_t(length) + initval;
  auto word = [&](int i) {
    return uint32_t(k[i]) | uint32_t(k[i + 1]) << 8 | uint32_t(k[i + 2]) << 16 | uint32_t(k[i + 3]) << 24;
  };
  while (length > 12) {
    a += word(0); b += word(4); c += word(8);
    a -= c; a ^= rot(c, 4); c += b;
    b -= a; b ^= rot(a, 6); a += c;
    c -= b; c ^= rot(b, 8); b += a;
    a -= c; a ^= rot(c, 16); c += b;
    b -= a; b ^= rot(a, 19); a += c;
    c -= b; c ^= rot(b, 4); b += a;
    length -= 12;
    k += 12;
  }
  if (length == 0) return c;
  unsigned char tail[12] = {0};
  std::memcpy(tail, k, length);
  a += uint32_t(tail[0]) | uint32_t(tail[1]) << 8 | uint32_t(tail[2]) << 16 | uint32_t(tail[3]) << 24;
  b += uint32_t(tail[4]) | uint32_t(tail[5]) << 8 | uint32_t(tail[6]) << 16 | uint32_t(tail[7]) << 24;
  c += uint32_t(tail[8]) | uint32_t(tail[9]) << 8 | uint32_t(tail[10]) << 16 | uint32_t(tail[11]) << 24;
  c ^= b; c -= rot(b, 14);
  a ^= c; a -= rot(c, 11);
  b ^= a; b -= rot(a, 25);
  c ^= b; c -= rot(b, 16);
  a ^= c; a -= rot(c, 4);
  b ^= a; b -= rot(a, 14);
  c ^= b; c -= rot(b, 24);
  return c;
}

// HDF5 1.10's H5Fget_file_image writes the final end-of-file address into a version 2/3
// superblock without recomputing the superblock's checksum, so the image would not open
// ("incorrect metadata checksum"). Recompute it (a no-op where the library got it right).
void fix_superblock_checksum(std::string& image) {
  auto* b = reinterpret_cast<unsigned char*>(image.data());
  if (image.size() < 12 || std::memcmp(b, "\x89HDF\r\n\x1a\n", 8) != 0) return;
  if (b[8] != 2 && b[8] != 3) return;
  const std::size_t n = 12 + 4 * std::size_t(b[9]);  // up to the checksum
  if (image.size() < n + 4) return;
  uint32_t c = lookup3(b, n, 0);
  for (int i = 0; i < 4; ++i) b[n + std::size_t(i)] = static_cast<unsigned char>(c >> (8 * i));
}

// A size the image of `g` will not exceed by much: its data plus HDF5's per-object
// overhead (object headers, B-trees, the global heap; generous). The in-memory file grows
// in steps of this (rounded up), so a small run file is not one 1 MiB zero-filled block
// and a large one is not grown step by step.
uint64_t image_size_guess(const Group& g) {
  uint64_t n = 1024;
  for (const auto& [name, a] : g.attrs) {
    n += 256 + name.size();
    if (auto* s = std::get_if<std::string>(&a)) n += s->size();
  }
  for (const auto& [name, d] : g.datasets) {
    n += 1024 + name.size();
    if (auto* v = std::get_if<std::vector<std::string>>(&d.data)) {
      for (const auto& x : *v) n += 32 + x.size();
    } else {
      n += 8 * uint64_t(std::max<int64_t>(d.numel(), 0));
    }
    for (const auto& [an, a] : d.attrs) {
      n += 256 + an.size();
      if (auto* s = std::get_if<std::string>(&a)) n += s->size();
    }
  }
  for (const auto& [name, sub] : g.groups) n += image_size_guess(sub);
  return n;
}

// The whole file is built in memory (HDF5's core driver, no backing store) and written
// with plain POSIX calls. HDF5 then never meets a failing disk: a file it could not flush
// would stay open inside the library and be flushed again at exit, and every error
// (ENOSPC, EFBIG, EDQUOT, EIO) is ours to report with the system's words.
std::string file_image(const std::string& path, const Group& root) {
  quiet_hdf5();
  static std::atomic<uint64_t> counter{0};
  Ctx c(path);
  Id fapl(c.check(H5Pcreate(H5P_FILE_ACCESS), "file access properties"));
  std::size_t step = std::size_t(64) << 10;  // a power of two >= 1.25 x the guess, 64 KiB - 1 GiB
  const uint64_t guess = image_size_guess(root);
  while (step < (std::size_t(1) << 30) && step < guess + guess / 4) step *= 2;
  c.check_status(H5Pset_fapl_core(fapl, step, 0), "in-memory file");
  // v1.8+ object format: checksummed object headers; still readable by every HDF5 >= 1.10.
  c.check_status(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18), "format bounds");
  const std::string name = "tnad-image-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  Id file(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl));
  if (!file.ok()) throw_error(path, ": cannot create the file image: ", h5_reason());
  write_group(c, file, "/", root);
  c.check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "cannot flush the file image");
  ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) c.check(hid_t(size), "file image size");
  std::string image(std::size_t(size), '\0');
  if (H5Fget_file_image(file, image.data(), image.size()) != size) c.check(-1, "file image");
  hid_t f = file.release();
  c.check_status(H5Fclose(f), "cannot close the file image");
  fix_superblock_checksum(image);
  return image;
}

}  // namespace

void write_h5(const std::string& path, const Group& root) { write_h5_atomic(path, root); }

void write_h5_atomic(const std::string& path, const Group& root) {
  write_file_atomic(path, file_image(path, root));
}

Group read_h5(const std::string& path) { return read_h5_group(path, "/"); }

Group read_h5_group(const std::string& path, const std::string& group) {
  Ctx c(shorten(path, 1024));
  Id file = open_for_read(c, path);
  Group out(group);
  htri_t exists = group == "/" ? 1 : H5Lexists(file, group.c_str(), H5P_DEFAULT);
  if (exists <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw_error(c.file, ": no group ", group);
  }
  Id g(c.check(H5Oopen(file, group.c_str(), H5P_DEFAULT), "cannot open " + group));
  if (H5Iget_type(g) != H5I_GROUP) throw_error(c.file, ": ", group, " is not a group");
  read_group(c, g, group, out);
  return out;
}

std::vector<std::string> list_h5_group(const std::string& path, const std::string& group) {
  Ctx c(shorten(path, 1024));
  Id file = open_for_read(c, path);
  htri_t exists = group == "/" ? 1 : H5Lexists(file, group.c_str(), H5P_DEFAULT);
  if (exists <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw_error(c.file, ": no group ", group);
  }
  Id g(c.check(H5Oopen(file, group.c_str(), H5P_DEFAULT), "cannot open " + group));
  std::vector<std::string> names;
  for (const std::string& name : link_names(c, g, group)) {
    Id obj(H5Oopen(g, name.c_str(), H5P_DEFAULT));
    const bool is_group = obj.ok() && H5Iget_type(obj) == H5I_GROUP;
    H5Eclear2(H5E_DEFAULT);
    names.push_back(is_group ? name + "/" : name);
  }
  return names;
}

Group read_h5_attrs(const std::string& path, const std::string& group) {
  Ctx c(shorten(path, 1024));
  Id file = open_for_read(c, path);
  Group out(group);
  htri_t exists = group == "/" ? 1 : H5Lexists(file, group.c_str(), H5P_DEFAULT);
  if (exists <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw_error(c.file, ": no group ", group);
  }
  Id g(c.check(H5Oopen(file, group.c_str(), H5P_DEFAULT), "cannot open " + group));
  read_attrs(c, g, group, out.attrs);
  return out;
}

}  // namespace tnad::runs
