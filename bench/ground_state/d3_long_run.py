# The D = 3 long run's curve: every accepted step of every stage, against the cumulative
# wall time of the stages (their /history/seconds), as CSV and PNG.
import h5py, numpy as np, sys, csv
stages = [("A", "a.h5", "C4v, chi 36, from the main job's D = 3 optimum"),
          ("A2", "a2.h5", "C4v, chi 64"),
          ("B", "b.h5", "single-site, chi 64, 0.5% noise"),
          ("C", "c.h5", "C4v, chi 96"),
          ("D", "d.h5", "C4v, chi 128")]
extra = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0  # seconds lost in the two failed B starts
rows, t = [], 0.0
for name, f, what in stages:
    with h5py.File(f, "r") as h:
        H = h["history"]
        for s, e, g, sec, chi, ans in zip(H["step"][()], H["energy"][()], H["grad_norm"][()], H["seconds"][()],
                                          H["chi"][()], [name] * len(H["step"])):
            t += sec
            rows.append((name, int(s), int(chi), t, e, g))
    if name == "A2":
        t += extra
with open("d3_long_run.csv", "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["stage", "step", "chi", "cumulative_seconds", "energy", "grad_norm"])
    for r in rows:
        w.writerow([r[0], r[1], r[2], f"{r[3]:.1f}", f"{r[4]:.10f}", f"{r[5]:.3e}"])
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(7, 4.2))
for name, f, what in stages:
    r = [x for x in rows if x[0] == name]
    ax.plot([x[3] / 60 for x in r], [x[4] for x in r], ".-", ms=3, label=f"{name}: {what}")
ax.axhline(-0.66803, color="gray", ls="--", lw=0.8, label="PRX C4v D = 3 (-0.66803)")
ax.axhline(-0.6683, color="k", ls=":", lw=0.8, label="Corboz 2016 D = 3 (about -0.6683)")
ax.set_xlabel("wall time (min, 1 thread)")
ax.set_ylabel("energy per site")
ax.set_ylim(-0.6684, -0.6678)
ax.legend(fontsize=7, loc="upper right")
ax.set_title("Heisenberg iPEPS, D = 3, one run of stages (gap: two failed starts of B)", fontsize=9)
fig.tight_layout()
fig.savefig("d3_long_run.png", dpi=110)
print(len(rows), "rows; last", rows[-1])
