// Running the tnad binary (and python, mpirun, bash) from tests: exit code, signal,
// stdout, stderr; and a live child whose stderr can be read line by line, to kill it at
// a chosen moment.
#pragma once
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cli_test {

struct Result {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it, or 0
  std::string out, err;
  // Exactly one line on stderr (the error convention of the tnad command).
  bool one_line_error() const;
};

struct Spawn {
  std::vector<std::string> env;  // extra "NAME=value" entries
  std::vector<std::string> unset;  // variables to remove
  std::string cwd;
  long long file_size_limit = -1;  // RLIMIT_FSIZE in bytes (simulates a full disk)
};

Result run(const std::vector<std::string>& argv, const Spawn& s = {});

class Child {
 public:
  Child(const std::vector<std::string>& argv, const Spawn& s = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // Reads stderr until a complete line satisfies `pred` (returned) or the child closes
  // stderr (nullopt). Lines read are kept in err().
  std::optional<std::string> wait_line(const std::function<bool(const std::string&)>& pred);
  void kill(int sig);
  Result wait();  // reads the rest of the output and reaps the child
  const std::string& err() const { return err_; }
  pid_t pid() const { return pid_; }

 private:
  bool pump(int timeout_ms);  // reads what is available; false at EOF of both pipes
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  std::size_t scanned_ = 0;
  bool reaped_ = false;
};

// The paths the tests need, set by CMake.
std::string tnad_exe();
std::string source_dir();
std::string python();
std::string mpirun();

// Reads / writes a whole file.
std::string slurp(const std::string& path);
void write_file(const std::string& path, const std::string& text);

}  // namespace cli_test
