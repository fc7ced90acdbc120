// HDF5 files <-> Group trees (group.hpp), through the HDF5 C API.
//
// write_h5_atomic is how every checkpoint is written: the file is built in memory (HDF5's
// core driver) and handed to write_file_atomic (file_policy.hpp): a new, exclusively
// created PATH.tmp-XXXXXX, fsync, rename over PATH, fsync of the directory. A kill at any
// moment therefore leaves either the previous file or the new one, never a half-written
// PATH; a failed write (disk full, quota, permission) removes the temporary and throws,
// leaving the previous file untouched.
//
// Reading never opens anything but a regular file (a directory, /dev/zero or a FIFO is
// refused at once), looks for the HDF5 signature only below the file's end, refuses a
// dataset that claims more data than the file can hold, and reads every object once (a
// hard-link cycle is an error, not an endless recursion).
//
// Files use the HDF5 1.8+ object format (checksummed metadata); chunked datasets carry a
// Fletcher-32 checksum, small ones are stored compact inside their (checksummed) object
// header. Errors are tnad::Error naming the file, the object and the system reason
// (e.g. "No space left on device"); HDF5's own error-stack printing is switched off.
#pragma once
#include <string>
#include <vector>

#include "tnad/solvers/group.hpp"

namespace tnad::runs {

// Writes the tree to `path`; the same as write_h5_atomic.
void write_h5(const std::string& path, const Group& root);
// Atomic replacement of `path` by the tree (see above).
void write_h5_atomic(const std::string& path, const Group& root);
// Reads the whole file. Numeric datasets/attributes become float64 or int64, strings
// (fixed or variable length) become std::string; other HDF5 types (compound, enum,
// references) are skipped. Throws tnad::Error for a missing, non-HDF5 or corrupted file.
Group read_h5(const std::string& path);
// Reads one group with everything below it (e.g. "/meta").
Group read_h5_group(const std::string& path, const std::string& group);
// Reads only the attributes of one group (e.g. "/" or "/meta"): cheap status checks.
Group read_h5_attrs(const std::string& path, const std::string& group);
// The names of a group's members, groups with a trailing "/"; reads no data.
std::vector<std::string> list_h5_group(const std::string& path, const std::string& group);
// True when the file exists and carries the HDF5 signature.
bool is_h5(const std::string& path);

}  // namespace tnad::runs
