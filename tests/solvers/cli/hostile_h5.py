"""Writes hostile HDF5 files for the CLI tests (h5py can make what tnad never writes).

usage: hostile_h5.py KIND PATH
  cycle    a tnad-run file whose /meta group holds a hard link to itself
  shared   a tnad-run file with one dataset linked from two places
  huge     a tnad-run file with a dataset that claims 2^40 float64 values (8 TiB) it does not store
"""
import sys

import h5py
import numpy as np

kind, path = sys.argv[1], sys.argv[2]
with h5py.File(path, "w") as f:
    f.attrs["format"] = "tnad-run"
    f.attrs["format_version"] = np.int64(1)
    meta = f.create_group("meta")
    meta.attrs["status"] = "running"
    if kind == "cycle":
        meta["loop"] = meta
    elif kind == "shared":
        d = meta.create_dataset("x", data=np.arange(3.0))
        f["y"] = d
    elif kind == "huge":
        f.create_dataset("big", shape=(2**40,), dtype="f8")
    else:
        sys.exit("unknown kind " + kind)
