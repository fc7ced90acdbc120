// HDF5 files <-> Group trees (group.hpp), through the HDF5 C API.
//
// write_h5_atomic is how every checkpoint is written: the file is built in memory (HDF5's
// core driver), written to PATH.tmp with plain POSIX writes and fsync'ed, then renamed
// over PATH (rename is atomic on POSIX file systems) and the directory is fsync'ed. A kill at any moment therefore leaves either the previous file
// or the new one, never a half-written PATH; a failed write (disk full, quota, permission)
// removes PATH.tmp and throws, leaving the previous file untouched.
//
// Files use the HDF5 1.8+ object format (checksummed metadata); chunked datasets carry a
// Fletcher-32 checksum, small ones are stored compact inside their (checksummed) object
// header. Errors are tnad::Error naming the file, the object and the system reason
// (e.g. "No space left on device"); HDF5's own error-stack printing is switched off.
#pragma once
#include <string>

#include "tnad/solvers/group.hpp"

namespace tnad::runs {

// Writes the tree to `path` (truncating). Not atomic; see write_h5_atomic.
void write_h5(const std::string& path, const Group& root);
// Atomic replacement of `path` by the tree (see above).
void write_h5_atomic(const std::string& path, const Group& root);
// Reads the whole file. Numeric datasets/attributes become float64 or int64, strings
// (fixed or variable length) become std::string; other HDF5 types (compound, enum,
// references) are skipped. Throws tnad::Error for a missing, non-HDF5 or corrupted file.
Group read_h5(const std::string& path);
// Reads only the attributes of one group (e.g. "/" or "/meta"): cheap status checks.
Group read_h5_attrs(const std::string& path, const std::string& group);
// True when the file exists and carries the HDF5 signature.
bool is_h5(const std::string& path);

}  // namespace tnad::runs
