"""Picture of an optimal allocation rule under Markov ambiguity, I = 2 (Koçyiğit 2020, ch. 1):
bidder 1's winning probability q1(v1, v2) from the symmetric LP (1.11) beside the closed-form
highest-bidder lottery (1.12), and the worst-case atoms from the robust-row duals.

    python benchmarks/convergence/markov_allocation_plot.py [mu] [K]   # -> markov_allocation_I2.png
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mdlp.run import solve  # noqa: E402
from mdlp.theory import markov as T  # noqa: E402


def main(mu=0.5, K=81):
    res = solve(
        {
            "kind": "markov_auction",
            "params": {"bidders": 2, "mean": mu, "mechanism": "optimal", "symmetric": True},
            "grid": {"points": K, "placement": "endpoints"},
            "solver": {"method": "ipm", "threads": 1},
        }
    )
    mech = res.mechanism
    x = np.unique(mech["v1"])
    q1 = mech["q1"].to_numpy().reshape(K, K)
    V = np.stack(np.meshgrid(x, x, indexing="ij")).reshape(2, -1)
    lot = T.lottery_allocation(2, mu, V)[0].reshape(K, K)
    fig, ax = plt.subplots(1, 2, figsize=(10, 4.4), constrained_layout=True)
    for a, data, title in (
        (ax[0], q1, f"optimal LP, K={K}: value {res.objective:.4f}"),
        (ax[1], lot, f"lottery (1.12): r = {T.lottery_value(2, mu):.4f}"),
    ):
        im = a.imshow(data.T, origin="lower", extent=(0, 1, 0, 1), vmin=0, vmax=1, cmap="viridis")
        a.set_xlabel("v1")
        a.set_ylabel("v2")
        a.set_title(title, fontsize=10)
    wc = res.worst_case
    ax[0].scatter(wc["v1"], wc["v2"], s=3, c="red", label="worst-case atoms (dual of robust rows)")
    ax[0].legend(loc="upper left", fontsize=8)
    fig.colorbar(im, ax=ax, label="q1(v1, v2): bidder 1 wins")
    fig.suptitle(f"Markov ambiguity, I = 2, mu = {mu}")
    out = Path(__file__).with_name("markov_allocation_I2.png")
    fig.savefig(out, dpi=110)
    print(out, res.objective)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(float(args[0]) if args else 0.5, int(args[1]) if len(args) > 1 else 81)
