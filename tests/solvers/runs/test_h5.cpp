// Group <-> HDF5: every supported type round-trips exactly; atomic replacement keeps the
// previous file on failure; unreadable files give errors that name them.
#include <gtest/gtest.h>

#include <fstream>
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
