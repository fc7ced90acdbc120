// Group <-> HDF5: every supported type round-trips exactly; atomic replacement keeps the
// previous file on failure; unreadable files give errors that name them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <limits>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/h5.hpp"
#include "util.hpp"

using namespace tnad::runs;

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

namespace {

Group sample() {
  Group root;
  root.set("format", "test");
  root.set("n", int64_t(-7));
  root.set("pi", 3.141592653589793);
  Group& a = root.group("a");
  a.put("scalar", Dataset::scalar(1.0 / 3.0));
  a.put("iscalar", Dataset::scalar(int64_t(1) << 53));
  a.put("sscalar", Dataset::scalar(std::string("multi\nline \"text\" \xc3\xa9")));
  a.put("vec", Dataset::of(std::vector<double>{1e-300, -0.0, std::numeric_limits<double>::infinity(), 5}));
  a.put("mat", Dataset::of(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}));
  a.put("ints", Dataset::of(std::vector<int64_t>{1, -2, 3}));
  a.put("strs", Dataset::of(std::vector<std::string>{"x", "", "yz"}));
  a.put("empty", Dataset::of(std::vector<double>{}, {0, 4}));
  Dataset ext = Dataset::of(std::vector<double>{1, 2, 3});
  ext.extendible = true;
  ext.attrs["unit"] = std::string("J");
  a.put("ext", ext);
  std::vector<double> big(50000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = std::sin(double(i));
  a.put("big", Dataset::of(big, {250, 200}));  // chunked + checksummed
  a.group("deeper").group("deepest").set("x", 1.5);
  return root;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

}  // namespace

TEST(H5, RoundTripIsExact) {
  solvers_test::TempDir tmp;
  Group g = sample();
  write_h5(tmp / "a.h5", g);
  Group back = read_h5(tmp / "a.h5");
  EXPECT_EQ(back.digest(), g.digest());  // names, types, shapes and bytes
  EXPECT_EQ(back.attr_string("format"), "test");
  EXPECT_EQ(back.group("a").dataset("mat").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(back.group("a").dataset("ext").extendible);
  EXPECT_EQ(back.group("a").scalar("scalar"), 1.0 / 3.0);
  EXPECT_EQ(back.group("a").group("deeper").group("deepest").attr_double("x"), 1.5);
  Group attrs = read_h5_attrs(tmp / "a.h5", "/");
  EXPECT_EQ(attrs.attr_int("n"), -7);
  EXPECT_TRUE(is_h5(tmp / "a.h5"));
  EXPECT_FALSE(is_h5(tmp / "missing.h5"));
}

TEST(H5, AtomicWriteReplacesOrKeepsThePrevious) {
  solvers_test::TempDir tmp;
  const std::string path = tmp / "run.h5";
  Group g1 = sample();
  write_h5_atomic(path, g1);
  Group g2 = g1;
  g2.set("n", int64_t(8));
  write_h5_atomic(path, g2);
  EXPECT_EQ(read_h5(path).attr_int("n"), 8);
  EXPECT_FALSE(solvers_test::has_temporaries(path));

  // A write that cannot complete (a file-size limit fails it the way a full disk does)
  // leaves the previous file as it was, removes its temporary and says so.
  const std::string before = read_bytes(path);
  {
    solvers_test::FileSizeLimit limit(4096);
    try {
      write_h5_atomic(path, g1);
      ADD_FAILURE() << "the write should fail";
    } catch (const tnad::Error& e) {
      EXPECT_HAS(std::string(e.what()), "is unchanged");
    }
  }
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_FALSE(solvers_test::has_temporaries(path));
}

TEST(H5, UnwritableLocationIsAClearError) {
  solvers_test::TempDir tmp;
  write_bytes(tmp / "file", "x");
  try {
    write_h5_atomic(tmp / "file/run.h5", sample());  // parent is a regular file
    FAIL();
  } catch (const tnad::Error& e) {
    std::string m = e.what();
    EXPECT_HAS(m, "file/run.h5");
    EXPECT_HAS(m, "Not a directory");
  }
}

TEST(H5, UnreadableFilesAreClearErrors) {
  solvers_test::TempDir tmp;
  auto message = [](const std::string& path) {
    try {
      read_h5(path);
    } catch (const tnad::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_HAS(message(tmp / "none.h5"), "none.h5: no such file");
  write_bytes(tmp / "text.h5", "this is not HDF5\n");
  EXPECT_HAS(message(tmp / "text.h5"), "not an HDF5 file");
  EXPECT_HAS(message(tmp.path()), "is a directory");

  write_h5(tmp / "good.h5", sample());
  std::string bytes = read_bytes(tmp / "good.h5");
  write_bytes(tmp / "truncated.h5", bytes.substr(0, bytes.size() / 2));
  std::string m = message(tmp / "truncated.h5");
  EXPECT_HAS(m, "truncated.h5");
  EXPECT_FALSE(m.empty());
}

TEST(H5, CorruptedDataIsDetectedByChecksums) {
  // Flip one byte inside the payload of an extendible (chunked, Fletcher-32) dataset, as
  // the history columns are: the read must fail, not return wrong numbers.
  solvers_test::TempDir tmp;
  Group g;
  std::vector<double> v(40000, 0.0);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 1.0 + double(i);
  Dataset d = Dataset::of(v);
  d.extendible = true;
  g.put("v", d);
  write_h5(tmp / "c.h5", g);
  std::string bytes = read_bytes(tmp / "c.h5");
  const double needle = 20001.0;
  std::string pattern(reinterpret_cast<const char*>(&needle), sizeof needle);
  auto pos = bytes.find(pattern);
  ASSERT_NE(pos, std::string::npos);
  bytes[pos + 3] ^= 0x10;
  write_bytes(tmp / "c.h5", bytes);
  EXPECT_THROW(read_h5(tmp / "c.h5"), tnad::Error);
}

// HDF5 1.10.8 parses global heap collections (where variable-length strings live, no
// checksum) unchecked: a zero-size free-space object loops forever, an oversized object is
// copied past the collection. The reader refuses such a collection before HDF5 sees it.
namespace {

uint64_t le64(const std::string& b, std::size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | uint64_t(static_cast<unsigned char>(b[at + std::size_t(i)]));
  return v;
}

void put_le64(std::string& b, std::size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + std::size_t(i)] = char((v >> (8 * i)) & 0xff);
}

// The bytes of a collection header and its first object header (the format spec's
// "Global Heap" layout with 8-byte lengths).
std::string collection_bytes(uint64_t size, unsigned idx, uint64_t obj_size) {
  std::string b = std::string("GCOL\x01\0\0\0", 8) + std::string(8, '\0') + std::string(16, '\0');
  put_le64(b, 8, size);
  b[16] = char(idx & 0xff);
  b[17] = char(idx >> 8);
  put_le64(b, 24, obj_size);
  return b;
}

std::string read_error(const std::function<void()>& read) {
  try {
    read();
  } catch (const tnad::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(H5, CorruptGlobalHeapCollectionsAreRefusedNamingTheDefect) {
  solvers_test::TempDir tmp;
  write_h5(tmp / "good.h5", sample());
  const std::string good = read_bytes(tmp / "good.h5");
  const std::size_t q = good.find("GCOL\x01");
  ASSERT_NE(q, std::string::npos);
  ASSERT_EQ(good.find("GCOL", q + 1), std::string::npos) << "one collection expected";
  const uint64_t size = le64(good, q + 8);
  ASSERT_GE(size, 4096u);  // HDF5 writes collections of at least 4096 bytes
  ASSERT_NE(good[q + 16], 0) << "the first object is a string, not the free space";
  EXPECT_NO_THROW(read_h5(tmp / "good.h5"));

  struct Case {
    std::string name;
    std::size_t at;
    std::string bytes, expect;
  };
  const std::string at_q = "global heap collection at offset " + std::to_string(q) + ": ";
  const std::string first_obj = "at offset " + std::to_string(q + 16);
  std::vector<Case> cases = {
      // the first object turned into a free-space object of size 0: HDF5's loop
      {"zero", q + 16, std::string(16, '\0'),
       at_q + "the free-space object (index 0) " + first_obj + " has size 0 (HDF5 1.10 would loop forever)"},
      // the first object (index 1) claims a terabyte
      {"huge", q + 16, collection_bytes(size, 1, uint64_t(1) << 40).substr(16),
       at_q + "object 1 " + first_obj + " has size 1099511627776, more than the " + std::to_string(size - 32) +
           " bytes left in the collection"},
      // the free space running past the end
      {"free", q + 16, collection_bytes(size, 0, size).substr(16),
       at_q + "the free-space object (index 0) " + first_obj + " has size " + std::to_string(size) + ", more than the " +
           std::to_string(size - 16) + " bytes left"},
      // a collection smaller than its own header
      {"tiny", q, collection_bytes(8, 1, 0).substr(0, 16), at_q + "collection size 8 is smaller than its 16-byte header"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string bad = good;
    bad.replace(c.at, c.bytes.size(), c.bytes);
    const std::string f = tmp / (c.name + ".h5");
    write_bytes(f, bad);
    // every way of reading a file meets the guard first
    for (auto read : std::vector<std::function<void()>>{[&] { read_h5(f); }, [&] { read_h5_attrs(f, "/"); },
                                                         [&] { list_h5_group(f, "/"); },
                                                         [&] { read_h5_group(f, "/a"); }}) {
      const std::string m = read_error(read);
      EXPECT_HAS(m, f + ": corrupt HDF5 " + c.expect);
    }
    EXPECT_TRUE(is_h5(f));  // still an HDF5 file, as far as the signature goes
  }
}

TEST(H5, DataThatContainABrokenCollectionAreStillRead) {
  // A run file's numbers and strings may contain the bytes of a collection, even of a
  // broken one; HDF5 never parses them as one (no heap id points there), so the file reads.
  solvers_test::TempDir tmp;
  const std::string fake = collection_bytes(4096, 0, 0);  // the zero-size loop, as data
  const std::string fake_huge = collection_bytes(4096, 1, uint64_t(1) << 40);
  auto doubles = [](const std::string& bytes, std::size_t lead) {
    std::vector<double> v(1024, 0.5);
    std::memcpy(reinterpret_cast<char*>(v.data()) + lead, bytes.data(), bytes.size());
    return v;
  };
  Group g = sample();
  g.set("note", "GCOL in an attribute");
  g.put("text", Dataset::scalar(std::string("GCOL\x01 GCOL")));
  g.put("compact", Dataset::of(doubles(fake, 8)));  // 8 KiB: compact or contiguous
  Dataset chunked = Dataset::of(doubles(fake_huge, 13));
  chunked.extendible = true;  // chunked + Fletcher-32
  g.put("chunked", chunked);
  write_h5(tmp / "gcol.h5", g);
  const std::string bytes = read_bytes(tmp / "gcol.h5");
  ASSERT_NE(bytes.find(fake), std::string::npos);
  ASSERT_NE(bytes.find(fake_huge), std::string::npos);

  Group back = read_h5(tmp / "gcol.h5");
  EXPECT_EQ(back.dataset("compact").doubles(), doubles(fake, 8));
  EXPECT_EQ(back.dataset("chunked").doubles(), doubles(fake_huge, 13));
  EXPECT_EQ(back.dataset("text").string(), "GCOL\x01 GCOL");
  EXPECT_EQ(back.attr_string_or("note", ""), "GCOL in an attribute");
  EXPECT_EQ(back.group("a").dataset("sscalar").string(), "multi\nline \"text\" \xc3\xa9");
}

TEST(H5, TheGuardSkipsTheHolesOfASparseFile) {
  // A valid file followed by a terabyte hole (e.g. extended by truncate): the global heap
  // check reads the data, not the terabyte of zeros.
  solvers_test::TempDir tmp;
  write_h5(tmp / "sparse.h5", sample());
  if (::truncate((tmp / "sparse.h5").c_str(), off_t(1) << 40) != 0) GTEST_SKIP() << "no sparse files here";
  Group back = read_h5(tmp / "sparse.h5");
  EXPECT_EQ(back.group("a").dataset("strs").strings(), (std::vector<std::string>{"x", "", "yz"}));
}

TEST(H5, TypedAccessNamesThePath) {
  Group g = sample();
  try {
    g.group("a").dataset("nope");
    FAIL();
  } catch (const tnad::Error& e) {
    EXPECT_HAS(std::string(e.what()), "missing dataset /a/nope");
  }
  const Group& cg = g;
  EXPECT_THROW(cg.group("zzz"), tnad::Error);
  EXPECT_THROW(g.attr_int("pi"), tnad::Error);
  EXPECT_THROW(g.group("a").dataset("strs").doubles(), tnad::Error);
  EXPECT_EQ(g.attr_double("n"), -7.0);
}
