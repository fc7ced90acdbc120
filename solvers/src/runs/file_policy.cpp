#include "tnad/solvers/file_policy.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>

#include "tnad/ad/error.hpp"
#include "tnad/solvers/h5.hpp"

namespace tnad::runs {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int e) { return std::strerror(e); }

// Paths in messages: long enough for any real path, bounded for a hostile one.
std::string shown_path(const std::string& p) { return shorten(p, 1024); }

const char* kind_of_mode(mode_t m) {
  if (S_ISREG(m)) return "";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

// lstat + stat: the kind of what `path` names, following a final symbolic link.
struct Probe {
  bool exists = false;   // something (maybe a dangling link) is at the name
  bool link = false;     // the name is a symbolic link
  bool dangling = false; // ... to nothing (or a loop)
  struct stat st {};     // of the file itself (link followed)
  int error = 0;         // errno of lstat when it failed other than "not there"
};

Probe probe(const std::string& path) {
  Probe p;
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) p.error = errno;
    return p;
  }
  p.exists = true;
  p.link = S_ISLNK(lst.st_mode);
  if (!p.link) {
    p.st = lst;
    return p;
  }
  if (::stat(path.c_str(), &p.st) != 0) p.dangling = true;
  return p;
}

void fsync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_error(shown_path(dir), ": cannot open the directory for fsync: ", errno_text(errno));
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  // Some file systems do not support fsync on directories (EINVAL): nothing to wait for.
  if (rc != 0 && e != EINVAL && e != ENOTSUP) throw_error(shown_path(dir), ": fsync failed: ", errno_text(e));
}

// The path to replace: `path` itself, or the regular file a final symbolic link points to.
std::string resolve_for_write(const std::string& path) {
  const Probe p = probe(path);
  if (!p.exists) return path;
  if (p.dangling)
    throw_error(shown_path(path), ": is a symbolic link to a missing file; remove the link or give another name");
  if (!S_ISREG(p.st.st_mode))
    throw_error(shown_path(path), ": is ", p.link ? std::string("a symbolic link to ") : std::string(),
                kind_of_mode(p.st.st_mode), ", not a regular file; tnad writes only regular files");
  if (!p.link) return path;
  std::error_code ec;
  fs::path target = fs::canonical(path, ec);
  if (ec) throw_error(shown_path(path), ": cannot resolve the symbolic link: ", ec.message());
  return target.string();
}

std::string random_suffix() {
  static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng(std::random_device{}() ^ (uint64_t(::getpid()) << 32) ^
                                   uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::string s(6, 'x');
  for (char& c : s) c = chars[std::uniform_int_distribution<int>(0, 61)(rng)];
  return s;
}

bool is_temp_suffix(const std::string& s) {
  if (s.size() != 6) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

// " (status: finished)" for a run file, " (a merged sweep file)", else "".
std::string describe_existing(const std::string& path) {
  try {
    Group root = read_h5_attrs(path, "/");
    const std::string fmt = root.attr_string_or("format", "");
    if (fmt == "tnad-sweep") return " (a merged sweep file)";
    if (fmt == "tnad-run")
      return " (status: " + shorten(read_h5_attrs(path, "/meta").attr_string_or("status", "?"), 40) + ")";
  } catch (const Error&) {
  }
  return "";
}

}  // namespace

std::string shorten(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t cut = max;
  // do not split a UTF-8 sequence: back up over continuation bytes
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "... (" + std::to_string(s.size()) + " bytes)";
}

std::string file_kind(const std::string& path) {
  const Probe p = probe(path);
  if (!p.exists) return p.error ? errno_text(p.error) : "missing";
  if (p.dangling) return "a symbolic link to a missing file";
  return kind_of_mode(p.st.st_mode);
}

namespace {

// "out.h5/", ".", "dir/..": names that can only be directories.
void require_file_name(const std::string& path) {
  if (path.empty()) throw_error("the output file name is empty; give a file name");
  const std::string name = fs::path(path).filename().string();
  if (name.empty() || name == "." || name == "..")
    throw_error(shown_path(path), ": names a directory; give a file name for the output");
}

}  // namespace

OutputTarget check_output(const std::string& path, const OutputRules& rules) {
  require_file_name(path);
  OutputTarget t;
  const Probe p = probe(path);
  if (p.error) throw_error(shown_path(path), ": cannot use as output: ", errno_text(p.error));
  if (p.exists) {
    if (p.dangling)
      throw_error(shown_path(path), ": is a symbolic link to a missing file; remove the link or give another name");
    if (S_ISDIR(p.st.st_mode))
      throw_error(shown_path(path), ": is ", p.link ? "a symbolic link to " : "",
                  "a directory; give a file name for the output");
    if (!S_ISREG(p.st.st_mode))
      throw_error(shown_path(path), ": is ", p.link ? std::string("a symbolic link to ") : std::string(),
                  kind_of_mode(p.st.st_mode), ", not a regular file; tnad writes its output only to regular files",
                  " (--overwrite does not change that)");
    for (const auto& in : rules.inputs) {
      struct stat ist {};
      if (::stat(in.c_str(), &ist) == 0 && ist.st_dev == p.st.st_dev && ist.st_ino == p.st.st_ino)
        throw_error(shown_path(path), ": is a file this command reads ('", shown_path(in),
                    "'); give another output name (--overwrite does not change that)");
    }
    if (!rules.overwrite && !rules.resume)
      throw_error(shown_path(path), ": already exists", describe_existing(path), "; ", rules.existing_hint);
    t.path = resolve_for_write(path);
    t.exists = true;
    return t;
  }
  // Not there yet: its directory must be (or become) a directory.
  fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec || !fs::is_directory(parent, ec))
      throw_error(shown_path(path), ": cannot create the output directory '", shown_path(parent.string()), "': ",
                  ec ? ec.message() : std::string("not a directory"));
  }
  t.path = path;
  return t;
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  require_file_name(path);
  const std::string target = resolve_for_write(path);
  const bool had_previous = probe(target).exists;
  const std::string keep = had_previous ? " (the previous '" + shown_path(path) + "' is unchanged)"
                                        : std::string(" (nothing was written)");
  fs::path dir = fs::path(target).parent_path();
  const std::string dir_name = dir.empty() ? std::string(".") : dir.string();

  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = target + ".tmp-" + random_suffix();
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) throw_error(shown_path(path), ": cannot create file: ", errno_text(errno), keep);
  }
  if (fd < 0) throw_error(shown_path(path), ": cannot create a temporary file next to it (every name taken)", keep);

  auto fail = [&](const char* what, int e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw_error(shown_path(path), ": ", what, ": ", errno_text(e), keep);
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t k = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) fail("cannot write", k < 0 ? errno : ENOSPC);
    done += std::size_t(k);
  }
  if (::fsync(fd) != 0) fail("cannot write (fsync)", errno);
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw_error(shown_path(path), ": cannot write (close): ", errno_text(e), keep);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw_error(shown_path(path), ": cannot replace it with the new file: ", errno_text(e), keep);
  }
  fsync_directory(dir_name);
}

void remove_stale_temporaries(const std::string& path) {
  const fs::path p(path);
  const std::string prefix = p.filename().string() + ".tmp-";
  const std::string dir = p.parent_path().empty() ? std::string(".") : p.parent_path().string();
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!is_temp_suffix(name.substr(prefix.size()))) continue;
    const std::string full = dir + "/" + name;
    struct stat st {};
    if (::lstat(full.c_str(), &st) == 0 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) ::unlink(full.c_str());
  }
  ::closedir(d);
}

std::string read_text_file(const std::string& path, const std::string& what, std::size_t max_bytes) {
  if (path.empty()) throw_error("the ", what, " name is empty");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_error(shown_path(path), ": cannot read: ", errno_text(errno));
  if (S_ISDIR(st.st_mode)) throw_error(shown_path(path), ": is a directory, not a ", what);
  // Not even a FIFO: opening one without a writer would wait forever.
  if (!S_ISREG(st.st_mode)) throw_error(shown_path(path), ": is ", kind_of_mode(st.st_mode), ", not a ", what);
  if (std::size_t(st.st_size) > max_bytes)
    throw_error(shown_path(path), ": is ", st.st_size, " bytes, more than a ", what, " may be (", max_bytes, ")");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_error(shown_path(path), ": cannot read: ", errno_text(errno));
  std::string text;
  char buf[1 << 16];
  while (true) {
    ssize_t k = ::read(fd, buf, sizeof buf);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      int e = errno;
      ::close(fd);
      throw_error(shown_path(path), ": cannot read: ", errno_text(e));
    }
    if (k == 0) break;
    text.append(buf, std::size_t(k));
    if (text.size() > max_bytes) {
      ::close(fd);
      throw_error(shown_path(path), ": is more than ", max_bytes, " bytes, more than a ", what, " may be");
    }
  }
  ::close(fd);
  return text;
}

}  // namespace tnad::runs
