// `tnad sweep --mpi`: dynamic task distribution over MPI ranks (the manager/worker
// pattern). Rank 0 only schedules: each worker asks for a task, runs it (resume/skip
// logic of run_task), reports the outcome and asks again, so that tasks of very
// different cost balance themselves. A failing task is reported and the worker goes on.
// SIGINT/SIGTERM (mpirun forwards SIGTERM): workers checkpoint their task and report it
// interrupted; rank 0 stops handing out tasks.
#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/cli.hpp"
#include "tnad/ad/error.hpp"

#ifdef TNAD_WITH_MPI
#include <mpi.h>
#endif

namespace tnad_cli {

using namespace tnad::runs;

#ifndef TNAD_WITH_MPI

int sweep_mpi(const Sweep&, const std::string&, const SweepOptions&, int*, char***) {
  tnad::throw_error("tnad sweep --mpi: this tnad was built without MPI (install OpenMPI and configure with -DTNAD_MPI=ON)");
}

#else

namespace {

constexpr int kTagReady = 1;  // worker -> 0: "<task> <status> <signal> <message>" (task -1: first request)
constexpr int kTagTask = 2;   // 0 -> worker: task index, or -1 to stop

std::string recv_string(int source, int tag, int* from) {
  MPI_Status st;
  MPI_Probe(source, tag, MPI_COMM_WORLD, &st);
  int n = 0;
  MPI_Get_count(&st, MPI_CHAR, &n);
  std::string s(std::size_t(n), '\0');
  MPI_Recv(s.data(), n, MPI_CHAR, st.MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (from) *from = st.MPI_SOURCE;
  return s;
}

void send_string(const std::string& s, int dest, int tag) {
  MPI_Send(s.data(), int(s.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD);
}

int manager(const Sweep& sweep, const std::string& dir, int workers, const SweepOptions& o) {
  std::vector<int64_t> todo;
  int64_t done_before = 0;
  for (int64_t i = 0; i < sweep.size(); ++i) {
    if (task_status(sweep, i, dir) == "finished") ++done_before;
    else todo.push_back(i);
  }
  if (!o.quiet)
    std::fprintf(stderr, "sweep: %lld tasks, %lld already finished, %zu to run on %d worker rank(s); output %s/\n",
                 static_cast<long long>(sweep.size()), static_cast<long long>(done_before), todo.size(), workers,
                 dir.c_str());
  std::size_t next = 0;
  int active = workers, failed = 0, interrupted = 0, finished = 0;
  std::vector<int64_t> failed_tasks;
  while (active > 0) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kTagReady, MPI_COMM_WORLD, &flag, &st);
    if (!flag) {  // poll, so that a signal to rank 0 is noticed while workers compute
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    int from = 0;
    std::string msg = recv_string(st.MPI_SOURCE, kTagReady, &from);
    long long task = -1;
    int signal = 0, used = 0;
    char status[32] = {0};
    std::sscanf(msg.c_str(), "%lld %31s %d %n", &task, status, &signal, &used);
    if (task >= 0) {
      std::string s = status, text = msg.substr(std::size_t(used));
      if (s == "failed") { ++failed; failed_tasks.push_back(task); }
      else if (s == "interrupted") ++interrupted;
      else ++finished;
      if (!o.quiet || s == "failed")
        std::fprintf(stderr, "task %lld (%s) on rank %d: %s%s%s\n", task, sweep.describe(task).c_str(), from,
                     s.c_str(), text.empty() ? "" : " -- ", text.c_str());
    }
    const bool stop = pending_signal() != 0 || interrupted > 0;
    long long give = (!stop && next < todo.size()) ? todo[next++] : -1;
    MPI_Send(&give, 1, MPI_LONG_LONG, from, kTagTask, MPI_COMM_WORLD);
    if (give < 0) --active;
  }
  if (!o.quiet || failed)
    std::fprintf(stderr, "sweep: %d tasks run (%d finished/skipped, %d failed, %d interrupted), %zu not started\n",
                 finished + failed + interrupted, finished, failed, interrupted, todo.size() - next);
  if (failed) {
    std::string list;
    for (auto t : failed_tasks) {
      if (!list.empty()) list.push_back(' ');
      list.append(std::to_string(t));  // (const char* + string here trips GCC 12's -Wrestrict)
    }
    std::fprintf(stderr, "sweep: failed tasks: %s (errors in their files; `tnad merge` tabulates them)\n", list.c_str());
  }
  if (pending_signal()) return 128 + pending_signal();
  if (interrupted) return 143;
  return failed ? 1 : 0;
}

void worker(const Sweep& sweep, const std::string& dir, const SweepOptions& o) {
  send_string("-1 ready 0", 0, kTagReady);
  while (true) {
    long long task = -1;
    MPI_Recv(&task, 1, MPI_LONG_LONG, 0, kTagTask, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (task < 0) return;
    TaskOutcome t = run_task(sweep, task, dir, o);
    std::string msg = std::to_string(task) + " " + t.status + " " + std::to_string(t.signal) + " " + t.message;
    send_string(msg, 0, kTagReady);
  }
}

}  // namespace

int sweep_mpi(const Sweep& sweep, const std::string& dir, const SweepOptions& o, int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  install_signal_handlers();

  // Rank 0 prepares the directory; everyone learns whether that worked.
  int ok = 1;
  std::string err;
  if (rank == 0) {
    try {
      prepare_sweep_dir(dir, sweep.base());
    } catch (const std::exception& e) {
      ok = 0;
      err = e.what();
    }
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (!ok) {
    MPI_Finalize();
    if (rank == 0) tnad::throw_error(err);
    return 1;
  }

  int code = 0;
  if (size == 1) {
    // A single rank has no workers: it runs the tasks itself.
    int failed = 0;
    for (int64_t i = 0; i < sweep.size() && !pending_signal(); ++i) {
      TaskOutcome t = run_task(sweep, i, dir, o);
      if (!o.quiet || t.status == "failed")
        std::fprintf(stderr, "task %lld (%s): %s%s%s\n", static_cast<long long>(i), sweep.describe(i).c_str(),
                     t.status.c_str(), t.message.empty() ? "" : " -- ", t.message.c_str());
      if (t.status == "failed") ++failed;
      if (t.status == "interrupted") break;
    }
    code = pending_signal() ? 128 + pending_signal() : (failed ? 1 : 0);
  } else if (rank == 0) {
    code = manager(sweep, dir, size - 1, o);
  } else {
    worker(sweep, dir, o);
  }
  MPI_Finalize();
  return code;
}

#endif

}  // namespace tnad_cli
