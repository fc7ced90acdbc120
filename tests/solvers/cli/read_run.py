"""Reads a tnad run file with h5py (Debian's python3-h5py), checks its layout against
docs/files.md and prints a few values for the C++ test to compare."""
import sys
import tomllib

import h5py
import numpy as np

path = sys.argv[1]
with h5py.File(path, "r") as f:
    assert f.attrs["format"] == "tnad-run", f.attrs["format"]
    assert int(f.attrs["format_version"]) == 1
    meta = f["meta"].attrs
    for key in ("tnad_version", "git_revision", "host", "threads", "start_time", "end_time", "status", "job",
                "config_file", "resumes"):
        assert key in meta, key
    assert meta["status"] == "finished"
    config = tomllib.loads(f["meta/config"][()].decode())  # the effective config is TOML
    assert config["job"]["type"] == "minimize"
    hist = f["history"]
    step = hist["step"][()]
    assert step.dtype == np.int64
    assert np.array_equal(step, np.arange(len(step)))
    assert hist["step"].maxshape == (None,)  # extendible
    for name in hist.attrs["columns"].split(","):
        assert hist[name].shape == step.shape, name
    st = f["state"]
    assert int(st.attrs["step"]) == step[-1]
    opt = st["optimizer"]
    assert opt.attrs["method"] == config["optimizer"]["method"]
    res = f["results"]
    x = res["x"][()]
    print(len(step), repr(float(res["objective"][()])), repr(float(x[0])), res.attrs["stop_reason"],
          config["optimizer"]["max_steps"])
