// The file policy (file_policy.hpp) in-process: what check_output accepts and refuses,
// atomic writes that never write through a link, bounded text reads, capped quotes; and
// the config digest that a run file records and sweeps and merge trust.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/config.hpp"
#include "tnad/solvers/file_policy.hpp"
#include "tnad/solvers/h5.hpp"
#include "tnad/solvers/sweep.hpp"
#include "util.hpp"

using namespace tnad::runs;
namespace fs = std::filesystem;

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

namespace {

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const tnad::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Files, CheckOutputRefusesWhatItMustNotReplace) {
  solvers_test::TempDir tmp;
  write_text(tmp / "in.toml", "x");
  write_text(tmp / "old.h5", "y");
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0644), 0);
  fs::create_symlink(tmp / "in.toml", tmp / "alias");
  fs::create_hard_link(tmp / "in.toml", tmp / "hard");

  OutputRules none;
  EXPECT_HAS(error_of([&] { check_output("", none); }), "the output file name is empty");
  EXPECT_HAS(error_of([&] { check_output(tmp / "old.h5", none); }), "old.h5: already exists; use --overwrite");
  EXPECT_HAS(error_of([&] { check_output(tmp.path(), none); }), "is a directory");
  OutputRules over;
  over.overwrite = true;
  over.inputs = {tmp / "in.toml"};
  EXPECT_HAS(error_of([&] { check_output(tmp / "fifo", over); }), "is a FIFO, not a regular file");
  EXPECT_HAS(error_of([&] { check_output("/dev/null", over); }), "is a character device");
  for (const char* name : {"in.toml", "alias", "hard"})
    EXPECT_HAS(error_of([&] { check_output(tmp / name, over); }), "is a file this command reads") << name;

  OutputTarget t = check_output(tmp / "old.h5", over);
  EXPECT_TRUE(t.exists);
  EXPECT_EQ(t.path, tmp / "old.h5");
  t = check_output(tmp / "new/dir/out.h5", none);  // parents are created
  EXPECT_FALSE(t.exists);
  EXPECT_TRUE(fs::is_directory(tmp / "new/dir"));
  write_text(tmp / "target.h5", "z");
  fs::create_symlink(tmp / "target.h5", tmp / "link.h5");
  t = check_output(tmp / "link.h5", over);
  EXPECT_EQ(fs::path(t.path), fs::canonical(tmp / "target.h5"));
}

TEST(Files, AtomicWritesCreateANewFileAndFollowOnlyTheOutputsOwnLink) {
  solvers_test::TempDir tmp;
  write_text(tmp / "victim", "precious");
  // whatever sits at the old temporary name is left alone
  fs::create_symlink(tmp / "victim", tmp / "out.bin.tmp");
  write_file_atomic(tmp / "out.bin", "new bytes");
  EXPECT_EQ(read_text(tmp / "out.bin"), "new bytes");
  EXPECT_EQ(read_text(tmp / "victim"), "precious");

  // a link at the output itself: the file it points to is replaced, the link stays
  write_text(tmp / "real.bin", "old");
  fs::create_symlink(tmp / "real.bin", tmp / "link.bin");
  write_file_atomic(tmp / "link.bin", "via link");
  EXPECT_TRUE(fs::is_symlink(tmp / "link.bin"));
  EXPECT_EQ(read_text(tmp / "real.bin"), "via link");

  // never a device, a FIFO or through a dangling link
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0644), 0);
  EXPECT_HAS(error_of([&] { write_file_atomic(tmp / "fifo", "x"); }), "is a FIFO");
  EXPECT_TRUE(fs::is_fifo(tmp / "fifo"));
  fs::create_symlink(tmp / "nowhere", tmp / "dangling");
  EXPECT_HAS(error_of([&] { write_file_atomic(tmp / "dangling", "x"); }), "symbolic link to a missing file");
  EXPECT_FALSE(fs::exists(tmp / "nowhere"));
  EXPECT_HAS(error_of([&] { write_file_atomic("", "x"); }), "empty");

  // the new file is readable like one made with open(..., 0644) under the umask
  struct stat st {};
  ASSERT_EQ(::stat((tmp / "out.bin").c_str(), &st), 0);
  const mode_t mask = ::umask(022);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0644 & ~mask);

  // stale temporaries of a killed writer are removed by their owner, nothing else is
  write_text(tmp / "out.bin.tmp-Zz9Yy8", "stale");
  write_text(tmp / "out.bin.tmp-toolong1", "not ours");
  remove_stale_temporaries(tmp / "out.bin");
  EXPECT_FALSE(fs::exists(tmp / "out.bin.tmp-Zz9Yy8"));
  EXPECT_TRUE(fs::exists(tmp / "out.bin.tmp-toolong1"));
  EXPECT_TRUE(fs::is_symlink(tmp / "out.bin.tmp"));
}

TEST(Files, TextReadsAreBoundedAndNameWhatTheyRefuse) {
  solvers_test::TempDir tmp;
  write_text(tmp / "c.toml", "a = 1\n");
  EXPECT_EQ(read_text_file(tmp / "c.toml", "config file"), "a = 1\n");
  EXPECT_HAS(error_of([&] { read_text_file(tmp.path(), "config file"); }), "is a directory, not a config file");
  EXPECT_HAS(error_of([&] { read_text_file("/dev/zero", "config file"); }), "is a character device, not a config file");
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0644), 0);
  EXPECT_HAS(error_of([&] { read_text_file(tmp / "fifo", "config file"); }), "is a FIFO");
  write_text(tmp / "big.toml", std::string(2000, '#'));
  EXPECT_HAS(error_of([&] { read_text_file(tmp / "big.toml", "config file", 1000); }), "2000 bytes, more than");
  EXPECT_HAS(error_of([&] { read_text_file(tmp / "none.toml", "config file"); }), "none.toml: cannot read");
  EXPECT_HAS(error_of([&] { read_text_file("", "config file"); }), "the config file name is empty");
}

TEST(Files, ShortenCapsAtACharacterBoundary) {
  EXPECT_EQ(shorten("abc", 5), "abc");
  EXPECT_EQ(shorten(std::string(300, 'x')), std::string(200, 'x') + "... (300 bytes)");
  // "é" is two bytes: a cut after 3 bytes of "aéé" would split the second one
  EXPECT_EQ(shorten("a\xc3\xa9\xc3\xa9", 4), "a\xc3\xa9... (5 bytes)");
}

TEST(Files, ReadersRefuseSpecialFilesWithoutOpeningThem) {
  solvers_test::TempDir tmp;
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0644), 0);  // opening it would block: never opened
  for (const std::string& f : {std::string("/dev/zero"), tmp / "fifo"}) {
    EXPECT_HAS(error_of([&] { read_h5(f); }), "not an HDF5 file") << f;
    EXPECT_HAS(error_of([&] { read_h5_attrs(f, "/"); }), "not an HDF5 file") << f;
    EXPECT_FALSE(is_h5(f));
  }
  EXPECT_EQ(file_kind(tmp / "fifo"), "a FIFO");
  EXPECT_EQ(file_kind(tmp / "nothing"), "missing");
}

TEST(Files, ConfigDigestCoversEveryJobAndOptimizerKeyAndNothingElse) {
  const std::string base = "[job]\ntype = \"minimize\"\ndim = 4\n[optimizer]\nmax_steps = 10\n";
  const std::string d = parse_config(base, "a.toml").digest();
  EXPECT_EQ(d.size(), 16u);
  // the same settings written otherwise, under another name, with other output/run keys
  EXPECT_EQ(parse_config("[optimizer]\nmax_steps = 10\nmethod = \"lbfgs\"\n[job]\ndim = 4\ntype = \"minimize\"\n"
                         "[output]\ncheckpoint_every = 3\n[run]\nthreads = 2\n",
                         "elsewhere/b.toml")
                .digest(),
            d);
  // the effective config stored in a file gives the same digest back
  EXPECT_EQ(parse_config(parse_config(base, "a.toml").effective_toml(), "x").digest(), d);
  // every key counts, stopping criteria included
  for (const std::string other : {"[job]\ntype = \"minimize\"\ndim = 5\n[optimizer]\nmax_steps = 10\n",
                                   "[job]\ntype = \"minimize\"\ndim = 4\nseed = 1\n[optimizer]\nmax_steps = 10\n",
                                   "[job]\ntype = \"minimize\"\ndim = 4\n[optimizer]\nmax_steps = 11\n",
                                   "[job]\ntype = \"minimize\"\ndim = 4\n[optimizer]\nmax_steps = 10\nmethod = \"gd\"\n"})
    EXPECT_NE(parse_config(other, "a.toml").digest(), d) << other;
  // sweep tasks: one digest per task
  Sweep s(parse_config(base + "[sweep]\n\"job.dim\" = [4, 5]\n", "s.toml"));
  EXPECT_EQ(s.task_config(0).digest(), d);
  EXPECT_NE(s.task_config(1).digest(), d);
}
