#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cli_test {

bool Result::one_line_error() const {
  return !err.empty() && err.back() == '\n' && err.find('\n') == err.size() - 1;
}

std::string tnad_exe() { return TNAD_EXE; }
std::string source_dir() { return TNAD_SOURCE_DIR; }
std::string python() { return "/usr/bin/python3"; }
std::string mpirun() { return TNAD_MPIRUN; }

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

Child::Child(const std::vector<std::string>& argv, const Spawn& s) {
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]); close(out[1]); close(err[0]); close(err[1]);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    if (!s.cwd.empty() && chdir(s.cwd.c_str()) != 0) _exit(126);
    // the CI machine is shared: passive OpenMP waiting and two threads unless a test says otherwise
    setenv("OMP_WAIT_POLICY", "passive", 0);
    setenv("OMP_NUM_THREADS", "2", 0);
    for (const auto& u : s.unset) unsetenv(u.c_str());
    for (const auto& e : s.env) {
      auto eq = e.find('=');
      setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
    }
    if (s.file_size_limit >= 0) {
      rlimit r{rlim_t(s.file_size_limit), rlim_t(s.file_size_limit)};
      setrlimit(RLIMIT_FSIZE, &r);
      signal(SIGXFSZ, SIG_IGN);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
}

Child::~Child() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

bool Child::pump(int timeout_ms) {
  pollfd fds[2];
  int n = 0;
  if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
  if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
  if (n == 0) return false;
  int r = poll(fds, nfds_t(n), timeout_ms);
  if (r < 0 && errno == EINTR) return true;
  char buf[65536];
  for (int i = 0; i < n; ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t k = read(fds[i].fd, buf, sizeof buf);
    int& fd = fds[i].fd == out_fd_ ? out_fd_ : err_fd_;
    std::string& dst = fds[i].fd == out_fd_ ? out_ : err_;
    if (k > 0) {
      dst.append(buf, std::size_t(k));
    } else {
      close(fd);
      fd = -1;
    }
  }
  return out_fd_ >= 0 || err_fd_ >= 0;
}

std::optional<std::string> Child::wait_line(const std::function<bool(const std::string&)>& pred) {
  while (true) {
    std::size_t nl;
    while ((nl = err_.find('\n', scanned_)) != std::string::npos) {
      std::string line = err_.substr(scanned_, nl - scanned_);
      scanned_ = nl + 1;
      if (pred(line)) return line;
    }
    if (err_fd_ < 0) return std::nullopt;
    pump(-1);
  }
}

void Child::kill(int sig) { ::kill(pid_, sig); }

Result Child::wait() {
  while (pump(-1)) {
  }
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  Result r;
  r.out = out_;
  r.err = err_;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

Result run(const std::vector<std::string>& argv, const Spawn& s) {
  Child c(argv, s);
  return c.wait();
}

}  // namespace cli_test
