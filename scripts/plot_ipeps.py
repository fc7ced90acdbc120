#!/usr/bin/python3
"""Plot an ipeps run (README's main job): energy per site against objective evaluations, one
colour per bond dimension D, with the reference lines of the 2D Heisenberg antiferromagnet:
the C4v iPEPS optima of Liao, Liu, Wang, Xiang, PRX 9, 031041 (2019) (-0.66020 at D = 2,
-0.66803 at D = 3, -0.66920 at D = 4) and quantum Monte Carlo (-0.6694421, Sandvik & Evertz,
PRB 82, 024407 (2010)). Left: the energy; right: its distance to the QMC energy (log scale).
The final (staggered) magnetization of each stage is printed and written into the figure.

  /usr/bin/python3 scripts/plot_ipeps.py RUN.h5 [-o OUT.png]

Reads the layout of docs/files.md (/history D, energy, evaluations; /results/stages) with
h5py; Debian's python3-h5py + python3-matplotlib, headless.
"""
import argparse
import sys

import matplotlib

matplotlib.use("Agg")
import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import figure_output  # noqa: E402  (scripts/figure_output.py: the output policy)

QMC = -0.6694421
PRX = {2: -0.66020, 3: -0.66803, 4: -0.66920, 5: -0.66938, 6: -0.669418}


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("file", help="an ipeps run file")
    p.add_argument("-o", "--output", help="the PNG (default: FILE.png)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing -o file that is not a PNG figure")
    a = p.parse_args()
    out = a.output if a.output is not None else a.file.rsplit(".", 1)[0] + ".png"
    figure_output.check("plot_ipeps.py", out, [a.file], a.overwrite)
    with h5py.File(a.file, "r") as f:
        if text(f["meta"].attrs.get("job", "")) != "ipeps":
            sys.exit(f"plot_ipeps.py: {a.file} is not an ipeps run (job '{text(f['meta'].attrs.get('job', ''))}')")
        h = f["history"]
        if len(h["step"]) == 0:
            sys.exit(f"plot_ipeps.py: {a.file}: the history is empty")
        energy, D = h["energy"][()], h["D"][()].astype(int)
        evals = np.cumsum(h["evaluations"][()])
        status = text(f["meta"].attrs.get("status", ""))
        model = text(f["results"].attrs.get("model", "")) if "results" in f else ""
        stages = []
        final = {}
        if "results" in f:
            r = f["results"]
            for k in ("ctm_iterations", "truncation_error", "below_energy_floor", "lowest_energy", "energy_floor"):
                if k in r:
                    final[k] = r[k][()]
        if "results" in f and "stages" in f["results"]:
            s = f["results"]["stages"]
            stages = list(zip(s["D"][()], s["chi"][()], s["energy"][()], s["magnetization"][()],
                              s["correlation_length"][()]))
    heis = model in ("", "heisenberg")
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for k, d in enumerate(sorted(set(D))):
        sel = D == d
        ax.plot(evals[sel], energy[sel], ".-", lw=1, color=f"C{k}", label=f"D = {d}")
        if heis:
            ax2.semilogy(evals[sel], np.maximum(energy[sel] - QMC, 1e-7), ".-", lw=1, color=f"C{k}", label=f"D = {d}")
    finite = energy[np.isfinite(energy)]
    if heis:
        for k, d in enumerate(sorted(set(D))):
            if d in PRX:
                for axis, y in ((ax, PRX[d]), (ax2, PRX[d] - QMC)):
                    axis.axhline(y, color=f"C{k}", ls="--", lw=0.8)
                ax.annotate(f"PRX D={d}: {PRX[d]:.5f}", (0.5 * evals[-1], PRX[d]), ha="center", va="bottom", fontsize=7)
        ax.axhline(QMC, color="k", ls=":", lw=1)
        ax.annotate(f"QMC {QMC}", (0.5 * evals[-1], QMC), ha="center", va="top", fontsize=7)
        # zoom in on the interesting range once the energy is below the Neel value
        lo = min(QMC, finite.min()) - 0.001
        hi = min(max(finite.min() + 0.02, -0.64), finite.max())
        if hi > lo:
            ax.set_ylim(lo, hi)
        ax2.set_xlabel("objective evaluations")
        ax2.set_ylabel("E - E_QMC")
        ax2.legend(fontsize="small")
    else:
        ax2.set_visible(False)
    ax.set_xlabel("objective evaluations")
    ax.set_ylabel("energy per site")
    ax.legend(fontsize="small", loc="upper center")
    lines = [f"D={int(d)} chi={int(c)}: energy {e:.6f}, magnetization {m:.4f}, correlation length {xi:.3g}"
             for d, c, e, m, xi in stages]
    boxed = [f"D={int(d)}, chi={int(c)}: E={e:.6f}, m={m:.4f}, xi={xi:.3g}" for d, c, e, m, xi in stages]
    if "ctm_iterations" in final:
        lines.append(f"final CTMRG: {int(final['ctm_iterations'])} iterations, truncation error "
                     f"{final['truncation_error']:.3g}")
    below = bool(final.get("below_energy_floor", 0))
    if below:
        lines.append(f"WARNING: the lowest energy {final['lowest_energy']:.8f} is below {final['energy_floor']:.8f}, "
                     "which no variational energy can reach (unconverged CTMRG or a bug)")
        boxed.append("WARNING: below the exact energy")
    for line in lines:
        print(line)
    if lines:
        ax.text(0.98, 0.80, "\n".join(boxed), transform=ax.transAxes, fontsize=7, va="top", ha="right",
                bbox=dict(boxstyle="round", fc="white", alpha=0.8))
    mag = f"final magnetization {stages[-1][3]:.4f}" if stages else ""
    fig.suptitle(f"{a.file}: {model or 'ipeps'} ({status}) {mag}", color="red" if below else "black")
    fig.tight_layout()
    figure_output.save(fig, out, dpi=120)
    print(f"plot_ipeps.py: wrote {out}")


if __name__ == "__main__":
    main()
