// A guard for HDF5 1.10's global heap (private to the reader in h5.cpp).
//
// Variable-length strings live in global heap collections ("GCOL", no checksum). HDF5
// 1.10.8 parses a collection without checking it (H5HG__cache_heap_deserialize): an object
// of index 0 and size 0 makes it loop forever, an object whose size runs past the end of
// its collection is copied anyway (an out-of-bounds read of up to the whole address
// space), a collection smaller than its own header is read past its end.
//
// check_global_heaps refuses a file that holds such a collection where HDF5 could be made
// to parse it: a "GCOL", version 1 structure that fits below the end of the file's data,
// whose address (relative to the superblock, as heap ids store it) occurs somewhere in the
// file. A collection no address points at is never read by HDF5 (raw data that happens to
// contain "GCOL" is accepted). Two passes over the file (holes skipped), then a walk of the
// objects of each collection that some address reaches, bounded in total by the file's
// size; nothing the file declares is allocated.
#pragma once
#include <cstdint>
#include <string>

namespace tnad::runs {

// `fd`: the file open for reading, `size` bytes, its HDF5 superblock at `superblock` (where
// the signature was found). Throws tnad::Error "FILE: corrupt HDF5 global heap collection
// at offset N: ..." naming the defect; returns when there is none. A superblock HDF5 itself
// would refuse is left to HDF5.
void check_global_heaps(int fd, uint64_t size, uint64_t superblock, const std::string& file);

}  // namespace tnad::runs
