#!/usr/bin/python3
"""Energy and specific heat of the 2D Ising model from ising-thermo runs, against Onsager.

  /usr/bin/python3 scripts/plot_ising.py RUN.h5 [RUN2.h5 ...] [-o OUT.png]

Each file is a run of the ising-thermo job (tnad run data/configs/ising-trg.toml), finished
or not (an unfinished run is read from /history), or a sweep task file: one series per file,
labelled by method and chi. Top: u(beta) and C(beta) with the exact curves (Onsager 1944;
K, E from scipy); bottom: the absolute errors on a log scale. The dotted line is beta_c.
Needs Debian's python3-h5py, python3-matplotlib, python3-scipy; runs headless (Agg).
Without -o the figure goes to the first file's name with .png. An existing figure (PNG) is
replaced; any other existing file only with --overwrite, never an input (figure_output.py).
"""
import argparse
import math
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed (clusters, CI)
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.special import ellipe, ellipkm1  # noqa: E402

import figure_output  # noqa: E402  (scripts/figure_output.py: the output policy)

BETA_C = 0.5 * math.log(1.0 + math.sqrt(2.0))


def onsager(beta):
    """u(beta), C(beta) per site (J = 1, h = 0).

    Formulas of docs/physics.md, "2D Ising model: exact results"."""
    beta = np.asarray(beta, dtype=float)
    x = 2.0 * beta
    sh, ch, th = np.sinh(x), np.cosh(x), np.tanh(x)
    kp2 = ((sh * sh - 1.0) / (ch * ch)) ** 2  # 1 - k^2, without cancellation near beta_c
    K = ellipkm1(kp2)  # K(m) with 1 - m = kp2: accurate as k -> 1
    E = ellipe(1.0 - kp2)
    a = 2.0 * th * th - 1.0
    u = -(1.0 / th) * (1.0 + 2.0 / np.pi * a * K)
    c = 4.0 / np.pi * (beta / th) ** 2 * (K - E - (1.0 - th * th) * (np.pi / 2.0 + a * K))
    return u, c


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def read_run(path):
    """beta, u, C, J, h and a label from an ising-thermo run file."""
    with h5py.File(path, "r") as f:
        if "meta" not in f or "history" not in f:
            sys.exit(f"plot_ising.py: {path}: not a tnad run file (no /meta or /history)")
        job = text(f["meta"].attrs.get("job", ""))
        if job != "ising-thermo":
            sys.exit(f"plot_ising.py: {path}: a '{job}' run, not ising-thermo")
        config = text(f["meta/config"][()]) if "config" in f["meta"] else ""
        hist = f["history"]
        if "beta" not in hist or "u" not in hist:
            sys.exit(f"plot_ising.py: {path}: /history has no beta or u (run with order >= 1)")
        beta = hist["beta"][()]
        u = hist["u"][()]
        c = hist["c"][()] if "c" in hist else np.full_like(beta, np.nan)
    # [job] keys of the effective config stored in /meta/config ("key = value  # help").
    params, section = {}, ""
    for line in config.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]").strip()
        elif section == "job" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            params[key.strip()] = value.split("#")[0].strip().strip('"')
    J = float(params.get("J", 1.0))
    h = float(params.get("h", 0.0))
    label = f"{params.get('method', '?').upper()} chi={params.get('chi', '?')}, 2^{params.get('steps', '?')} sites"
    return beta, u, c, J, h, label


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="ising-thermo run files (.h5)")
    ap.add_argument("-o", "--output", help="PNG to write (default: FIRST.png)")
    ap.add_argument("--overwrite", action="store_true",
                    help="replace an existing -o file that is not a PNG figure")
    args = ap.parse_args()
    out = args.output if args.output is not None else args.files[0].rsplit(".", 1)[0] + ".png"
    figure_output.check("plot_ising.py", out, args.files, args.overwrite)

    runs = [read_run(p) for p in args.files]
    lo = min(float(np.min(r[0])) for r in runs)
    hi = max(float(np.max(r[0])) for r in runs)
    pad = 0.05 * max(hi - lo, 0.01)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1.4]})
    (ax_u, ax_c), (ax_du, ax_dc) = axes
    exact_ok = all(r[4] == 0.0 for r in runs) and len({r[3] for r in runs}) == 1
    if exact_ok:
        J = runs[0][3]
        bb = np.linspace(max(lo - pad, 1e-3), hi + pad, 2001)
        bb = bb[np.abs(bb * J - BETA_C) > 1e-9]
        ue, ce = onsager(bb * J)
        ax_u.plot(bb, J * ue, "k-", lw=1.2, label="Onsager (exact)")
        ax_c.plot(bb, ce, "k-", lw=1.2, label="Onsager (exact)")
    markers = "os^vD<>"
    for i, (beta, u, c, J, h, label) in enumerate(runs):
        m = markers[i % len(markers)]
        ax_u.plot(beta, u, m, ms=4.5, mfc="none", label=label)
        ax_c.plot(beta, c, m, ms=4.5, mfc="none", label=label)
        if exact_ok:
            ue, ce = onsager(beta * J)
            with np.errstate(invalid="ignore"):
                ax_du.semilogy(beta, np.abs(u - J * ue), m + "-", ms=3.5, lw=0.8, mfc="none", label=label)
                ax_dc.semilogy(beta, np.abs(c - ce) / np.abs(ce), m + "-", ms=3.5, lw=0.8, mfc="none", label=label)
    for ax in axes.flat:
        if exact_ok:
            ax.axvline(BETA_C / runs[0][3], color="gray", ls=":", lw=1)
        ax.grid(alpha=0.3)
    ax_u.set_ylabel(r"$u = -\partial \ln Z / \partial \beta$  (per site)")
    ax_c.set_ylabel(r"$C = \beta^2 \partial^2 \ln Z / \partial \beta^2$  (per site)")
    ax_du.set_ylabel(r"$|u - u_{\rm exact}|$")
    ax_dc.set_ylabel(r"$|C - C_{\rm exact}| / C_{\rm exact}$")
    ax_du.set_xlabel(r"$\beta$")
    ax_dc.set_xlabel(r"$\beta$")
    ax_u.legend(fontsize=8)
    ax_c.legend(fontsize=8)
    if not exact_ok:
        ax_du.text(0.5, 0.5, "no exact values (h != 0 or mixed J)", ha="center", transform=ax_du.transAxes)
    fig.suptitle("2D Ising model: energy and specific heat by automatic differentiation of ln Z")
    fig.tight_layout()
    figure_output.save(fig, out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
