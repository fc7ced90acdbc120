#!/usr/bin/python3
"""Plot a tnad HDF5 file (Debian's python3-h5py + python3-matplotlib, headless).

  /usr/bin/python3 scripts/plot.py RUN.h5 [-o OUT.png]
      the history of a run: objective (energy) and gradient norm against step
  /usr/bin/python3 scripts/plot.py MERGED.h5 [-o OUT.png] [--result NAME] [--x AXIS]
      a merged sweep (tnad merge): a result against a swept parameter, one line per
      combination of the other parameters

The file layout is described in docs/files.md. Without -o the figure goes to FILE.png. An
existing figure (PNG) is replaced; any other existing file only with --overwrite, never an
input (scripts/figure_output.py).
"""
import argparse
import math
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed (clusters, CI)
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import figure_output  # noqa: E402  (scripts/figure_output.py: the output policy)


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def plot_run(f, out, title):
    hist = f["history"]
    step = hist["step"][()]
    columns = [c for c in text(hist.attrs.get("columns", "")).split(",") if c and c in hist]
    if not columns:
        columns = [k for k in hist if k not in ("step", "seconds")]
    if not columns or len(step) == 0:
        sys.exit(f"plot.py: {title}: the history is empty")
    main = columns[0]
    rest = [c for c in columns[1:] if c == "grad_norm"]
    fig, axes = plt.subplots(1 + len(rest), 1, sharex=True, figsize=(7, 3.2 * (1 + len(rest))), squeeze=False)
    y = hist[main][()]
    ax = axes[0][0]
    minimum = None
    if "results" in f and "minimum" in f["results"]:
        minimum = float(f["results"]["minimum"][()])
    if minimum is not None and np.all(np.isfinite(y)):
        gap = y - minimum
        ax.semilogy(step, np.maximum(gap, np.finfo(float).tiny), marker=".", lw=1)
        ax.set_ylabel(f"{main} - minimum")
    elif np.all(y[np.isfinite(y)] > 0):
        ax.semilogy(step, y, marker=".", lw=1)
        ax.set_ylabel(main)
    else:
        ax.plot(step, y, marker=".", lw=1)
        ax.set_ylabel(main)
    for k, name in enumerate(rest, start=1):
        axes[k][0].semilogy(step, hist[name][()], marker=".", lw=1, color="C1")
        axes[k][0].set_ylabel(name)
    axes[-1][0].set_xlabel("step")
    meta = f["meta"].attrs
    axes[0][0].set_title(f"{title}: {text(meta.get('job', ''))} ({text(meta.get('status', ''))})")
    fig.tight_layout()
    figure_output.save(fig, out, dpi=120)


def plot_sweep(f, out, title, result, x_axis):
    tasks = f["tasks"]
    axes_names = [a for a in text(tasks.attrs.get("axes", "")).split(",") if a]
    results = tasks["results"]
    if len(results) == 0:
        sys.exit(f"plot.py: {title}: no task has results yet")
    if result is None:
        result = "objective" if "objective" in results else sorted(results)[0]
    if result not in results:
        sys.exit(f"plot.py: {title}: no result '{result}' (have: {', '.join(sorted(results))})")
    params = {a: tasks["params"][a][()] for a in axes_names}
    numeric = [a for a in axes_names if np.issubdtype(params[a].dtype, np.number)]
    if x_axis is None:
        if not numeric:
            sys.exit(f"plot.py: {title}: no numeric swept parameter to put on the x axis")
        # the axis with the most distinct values reads best as x
        x_axis = max(numeric, key=lambda a: len(np.unique(params[a])))
    if x_axis not in params:
        sys.exit(f"plot.py: {title}: '{x_axis}' is not a swept parameter (have: {', '.join(axes_names)})")
    y = results[result][()]
    x = params[x_axis]
    others = [a for a in axes_names if a != x_axis]
    keys = [tuple(text(params[a][i]) for a in others) for i in range(len(y))]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key in sorted(set(keys)):
        sel = np.array([k == key for k in keys]) & np.isfinite(y)
        if not sel.any():
            continue
        order = np.argsort(x[sel])
        label = ", ".join(f"{a}={v}" for a, v in zip(others, key)) or None
        ax.plot(x[sel][order], y[sel][order], marker="o", label=label)
    positive = y[np.isfinite(y)]
    if len(positive) and np.all(positive > 0) and positive.max() / max(positive.min(), 1e-300) > 1e3:
        ax.set_yscale("log")
    ax.set_xlabel(x_axis)
    ax.set_ylabel(result)
    status = [text(s) for s in tasks["status"][()]]
    ax.set_title(f"{title}: {status.count('finished')}/{len(status)} tasks finished")
    if others:
        ax.legend(fontsize="small")
    fig.tight_layout()
    figure_output.save(fig, out, dpi=120)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="a tnad run file or a merged sweep (tnad merge)")
    p.add_argument("-o", "--output", help="the PNG to write (default: FILE.png)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing -o file that is not a PNG figure")
    p.add_argument("--result", help="merged sweeps: the result to plot (default: objective)")
    p.add_argument("--x", dest="x_axis", help="merged sweeps: the swept parameter on the x axis")
    a = p.parse_args()
    out = a.output if a.output is not None else a.file.rsplit(".", 1)[0] + ".png"
    figure_output.check("plot.py", out, [a.file], a.overwrite)
    try:
        f = h5py.File(a.file, "r")
    except OSError as e:
        sys.exit(f"plot.py: {a.file}: cannot open as HDF5: {e}")
    with f:
        fmt = text(f.attrs.get("format", ""))
        if fmt == "tnad-run":
            plot_run(f, out, a.file)
        elif fmt == "tnad-sweep":
            plot_sweep(f, out, a.file, a.result, a.x_axis)
        else:
            sys.exit(f"plot.py: {a.file}: not a tnad file (no format attribute 'tnad-run' or 'tnad-sweep')")
    print(out)


if __name__ == "__main__":
    main()
