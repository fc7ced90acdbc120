// Fuzz target: HDF5 run files as bytes. The input is written to a scratch file and read
// every way tnad reads run files (run_file_reader.hpp). Corpus: files written by
// `tnad run` / `tnad sweep` + `tnad merge` on the example configs (fuzz/make_h5_corpus.sh).
//
// HDF5 itself is not instrumented and checksums most of its metadata (the v2 object
// headers tnad writes), so byte mutations mostly reach tnad through unchecksummed parts:
// variable-length strings in the global heap (/meta/config, string attributes) and
// contiguous raw data. fuzz_run_file.cpp mutates the content of valid files instead.
#include <unistd.h>

#include <cstdint>
#include <cstdio>

#include "run_file_reader.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tnad::fuzz::hdf5_keep_free_lists();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = tnad::fuzz::scratch_file();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) tnad::fuzz::finding("cannot write the scratch file " + path);
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  tnad::fuzz::read_run_file_every_way(path);
  ::unlink(path.c_str());
  return 0;
}
