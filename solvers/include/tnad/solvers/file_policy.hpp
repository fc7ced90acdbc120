// How tnad treats the files it writes and reads. Every command that writes a file (run,
// sweep tasks, merge, and any job or tool built on them) goes through check_output and
// write_file_atomic; every file it reads through read_text_file or h5.hpp's readers.
//
// Outputs (check_output)
// - The name must not be empty.
// - It must be a regular file or not exist yet. Directories, device nodes (/dev/null,
//   /dev/full), FIFOs and sockets are refused, also behind a symbolic link and also with
//   --overwrite. A symbolic link to a regular file is followed: the file it points to is
//   read and replaced, the link stays.
// - An existing file is never replaced unless the command was told so (--overwrite), or
//   continues it (--resume, which reads it first).
// - It must not be a file the command reads (its config, a task file it merges), compared
//   by device and inode, so that another spelling, a symbolic link or a hard link to an
//   input is refused too.
// - Missing parent directories are created.
//
// Atomic replacement (write_file_atomic): the bytes go to a new temporary file
// PATH.tmp-XXXXXX in the same directory, created exclusively (O_CREAT | O_EXCL |
// O_NOFOLLOW, random suffix: nothing already at that name, a symbolic link planted there
// included, is ever opened), fsync'ed, renamed over PATH, and the directory is fsync'ed.
// A kill at any moment leaves the previous PATH or the new one; a failed write (disk full,
// quota) removes the temporary and leaves PATH as it was.
//
// Reading (read_text_file here, read_h5 in h5.hpp): directories and device nodes are
// refused before they are opened, sizes are bounded, so that no input -- /dev/zero, a
// FIFO, a sparse terabyte -- makes tnad read or search without end.
//
// Messages quote user-supplied strings through shorten(): at most 200 characters, then
// "... (N bytes)", so that a 1 MB config value is not echoed whole.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tnad::runs {

struct OutputRules {
  bool overwrite = false;  // --overwrite: an existing regular file may be replaced
  bool resume = false;     // --resume: an existing file is read and replaced by its continuation
  // Files (or directories) the command reads: the output must not be one of them.
  std::vector<std::string> inputs;
  // How to go on when the output exists, appended to "PATH: already exists (...); ".
  std::string existing_hint = "use --overwrite to replace it";
};

struct OutputTarget {
  std::string path;     // where to read and write: the output with a final symbolic link resolved
  bool exists = false;  // a regular file is there now
};

// Applies the rules above to `path`; throws tnad::Error naming the path and the reason.
OutputTarget check_output(const std::string& path, const OutputRules& rules);

// Replaces `path` by `bytes` atomically (see above). Refuses a path that exists and is not
// a regular file (or a link to one), whatever the caller checked before.
void write_file_atomic(const std::string& path, const std::string& bytes);

// Removes PATH.tmp-XXXXXX files that a writer killed mid-write left next to PATH. Only the
// process that owns PATH (the run writing it) may call this.
void remove_stale_temporaries(const std::string& path);

// Largest text file read as a config (configs are a few KB).
constexpr std::size_t kMaxTextFileBytes = std::size_t(16) << 20;

// Reads a whole text file (a config, a sweep's sweep.toml). Refuses anything but a regular
// file (a directory, a device node, a FIFO, a socket) and files longer than max_bytes.
// `what` names the file's role in messages ("config file").
std::string read_text_file(const std::string& path, const std::string& what = "file",
                           std::size_t max_bytes = kMaxTextFileBytes);

// "" for a regular file (links followed); else "a directory", "a character device",
// "a block device", "a FIFO", "a socket", "a symbolic link to a missing file" or
// "missing". For messages and checks.
std::string file_kind(const std::string& path);

// A user-supplied string for a message: unchanged up to `max` bytes, else its first `max`
// bytes (cut at a UTF-8 character boundary) + "... (N bytes)".
std::string shorten(std::string_view s, std::size_t max = 200);

}  // namespace tnad::runs
