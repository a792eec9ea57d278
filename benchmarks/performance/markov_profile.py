"""Where the time of the two-bidder ``markov_auction`` optimal-mechanism LP goes (symmetric,
mean 0.5, endpoints grid), for the engine case K = 201 and for K = 101, written to
``markov_profile.csv``.

Each row is one solve through ``mdlp.run.solve`` in a fresh subprocess (the certificate
included), with HiGHS's log captured in a temporary file and read back: the presolved LP
that the interior point method (IPX) sees, its iteration count, the time of its iterations
and the slowest single iteration.  Cases:

``default``             the family's own choice (IPX on the dual LP, no crossover);
``ipx primal``          IPX on the primal LP, no crossover;
``ipx dual, no presolve`` the default with presolve off;
``clarabel``            Clarabel's interior point method (a direct sparse LDL^T
                        factorisation instead of IPX's preconditioned conjugate gradients).

Columns: case, K, status, objective, rows / cols / nnz (the LP as built), ipx_rows /
ipx_cols / ipx_nnz (the LP IPX solves, after presolve), ipm_iters, ipm_s (IPX's clock at
its last iteration), slowest_iter (its number) and slowest_iter_s, slow_iters_s (time in
the iterations that took more than 5 s each), build_s, solve_s, total_s (build + solve +
certificate), certificate (largest entry), load_before / load_after (1-minute load).

    python benchmarks/performance/markov_profile.py [--cases default,clarabel] [--K 201]
        [--out markov_profile.csv]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _util import write_csv  # noqa: E402

OUT = HERE / "markov_profile.csv"
TIME_LIMIT = 400.0

#: (case, K, solver settings)
CASES = [
    ("default", 101, {}),
    ("default", 201, {}),
    (
        "ipx primal",
        201,
        {"method": "ipm", "options": {"run_crossover": "off", "ipx_dualize_strategy": 0}},
    ),
    ("ipx dual, no presolve", 201, {"presolve": "off"}),
    ("clarabel", 101, {"backend": "clarabel"}),
    ("clarabel", 201, {"backend": "clarabel"}),
]

CHILD = r"""
import json, sys
from mdlp.run import solve
K, solver = json.loads(sys.argv[1])
res = solve({"kind": "markov_auction",
             "params": {"bidders": 2, "mean": 0.5, "mechanism": "optimal", "symmetric": True},
             "grid": {"points": K, "placement": "endpoints"}, "solver": solver})
print(json.dumps({"status": res.status, "objective": res.objective, **res.lp, **res.timings,
                  "certificate": max(res.certificate.values(), default=None),
                  "iterations": (res.solver or {}).get("iterations")}, default=str))
"""

_ITER = re.compile(r"^\s*(\d+)\*?\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+([0-9.]+)\s*$")
_MODEL = re.compile(r"IPX model has (\d+) rows, (\d+) columns and (\d+) nonzeros")


def parse_ipx_log(text: str) -> dict:
    """The presolved size and the iteration times from a HiGHS log of an IPX solve."""
    out: dict = {}
    m = _MODEL.search(text)
    if m:
        out["ipx_rows"], out["ipx_cols"], out["ipx_nnz"] = (int(g) for g in m.groups())
    clock = {}
    for line in text.splitlines():
        it = _ITER.match(line)
        if it:
            clock[int(it.group(1))] = float(it.group(2))  # a restarted table overwrites
    if clock:
        its = sorted(clock)
        steps = [(k, clock[k] - clock[j]) for j, k in zip(its, its[1:], strict=False)]
        worst = max(steps, key=lambda s: s[1], default=(None, 0.0))
        out.update(
            ipm_iters=its[-1],
            ipm_s=clock[its[-1]],
            slowest_iter=worst[0],
            slowest_iter_s=round(worst[1], 2),
            slow_iters_s=round(sum(d for _, d in steps if d > 5.0), 2),
        )
    return out


def run_case(case: str, K: int, solver: dict) -> dict:
    solver = {**solver, "time_limit": TIME_LIMIT}
    log = None
    if solver.get("backend", "highs") == "highs":
        fd, log = tempfile.mkstemp(prefix="markov_profile_", suffix=".log")
        os.close(fd)
        opts = {"log_file": log, "output_flag": True, "log_to_console": False}
        solver["options"] = {**solver.get("options", {}), **opts}
    load0 = os.getloadavg()[0]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([K, solver])], capture_output=True, text=True
    )
    try:
        rec = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        rec = {"status": "error"}
    if log:
        rec.update(parse_ipx_log(Path(log).read_text(errors="replace")))
        os.unlink(log)
    keys = (
        "status",
        "objective",
        "rows",
        "cols",
        "nnz",
        "ipx_rows",
        "ipx_cols",
        "ipx_nnz",
        "ipm_iters",
        "ipm_s",
        "slowest_iter",
        "slowest_iter_s",
        "slow_iters_s",
        "build_s",
        "solve_s",
        "total_s",
        "certificate",
    )
    row = {"case": case, "K": K, **{k: rec.get(k) for k in keys}}
    if row["status"] != "error" and rec.get("iterations") and row["ipm_iters"] is None:
        row["ipm_iters"] = rec["iterations"]
    row["load_before"] = round(load0, 2)
    row["load_after"] = round(os.getloadavg()[0], 2)
    return row


def main(argv):
    cases = CASES
    if "--cases" in argv:
        wanted = argv[argv.index("--cases") + 1].split(",")
        cases = [c for c in cases if c[0] in wanted]
    if "--K" in argv:
        Ks = {int(k) for k in argv[argv.index("--K") + 1].split(",")}
        cases = [c for c in cases if c[1] in Ks]
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else OUT
    rows = []
    for case, K, solver in cases:
        rows.append(run_case(case, K, solver))
        r = rows[-1]
        print(
            f"{case:22s} K={K} {r['status']} obj={r['objective']} ipx LP {r['ipx_rows']}x"
            f"{r['ipx_cols']} iters={r['ipm_iters']} slowest={r['slowest_iter_s']} s (iter "
            f"{r['slowest_iter']}) in slow iters {r['slow_iters_s']} s total={r['total_s']} s "
            f"load {r['load_before']}->{r['load_after']}",
            flush=True,
        )
    write_csv(rows, out, "python benchmarks/performance/markov_profile.py " + " ".join(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
