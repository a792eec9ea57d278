"""Start-up time of the ``mdlp`` command: --help, list, template and a small solve.

Runs each command N times in a fresh process (median wall and CPU seconds), for the code
in this checkout ("after") and, with ``--before DIR``, for another checkout of mdlp
("before", e.g. the main branch), alternating the two so both see the same machine load.
Writes ``benchmarks/performance/cli_startup.csv``.

    python benchmarks/performance/cli_startup.py --runs 7 --before /path/to/old/checkout

Goals: --help, list and template under 0.3 s; a small solve under 0.5 s end to end.
Reference rows (this checkout only) give the floor under those goals: a bare interpreter;
one that imports only the libraries a solve cannot do without (numpy, highspy, click,
yaml, and pydantic with one model class, whose first model looks up pydantic's plugins as
every config does); and the same with scipy.sparse, which solves needed before the matrix
was assembled with numpy.

Bytecode (column ``bytecode``): ``cached`` runs use compiled bytecode for every module, as
an installed package does (``pip install`` compiles it; an editable install writes
``__pycache__`` on first import): the children get a private ``PYTHONPYCACHEPREFIX`` and
one untimed warm-up run per command and checkout.  ``compiled`` runs set
``PYTHONDONTWRITEBYTECODE=1`` (no private cache), so a checkout without ``__pycache__``
compiles its own modules from source on every run, as happens where that variable is set.
``--bytecode both`` (the default) measures both.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _util import write_csv  # noqa: E402

HERE = Path(__file__).resolve().parents[2]
COMMANDS = [
    ("--help", ["--help"], 0.3),
    ("list", ["list"], 0.3),
    ("template", ["template", "myerson_auction"], 0.3),
    ("solve regret_pricing_1item", ["solve", "configs/regret_pricing_1item.yaml", "--quiet"], 0.5),
    (
        "solve myerson_uniform K=21",
        ["solve", "configs/myerson_uniform.yaml", "--set", "grid.points=21", "--quiet"],
        0.5,
    ),
]
#: reference rows: (label, python code, goal), measured in this checkout only
LIBS = "import numpy, highspy, click, yaml\nfrom pydantic import BaseModel\n"
MODEL = "class Config(BaseModel):\n    points: int = 101\n"
FLOOR = [
    ("floor: python", "pass", None),
    ("floor: solve libraries", LIBS + MODEL, 0.5),
    ("floor: solve libraries + scipy.sparse", LIBS + "import scipy.sparse\n" + MODEL, None),
]


def child_env(root: Path, bytecode: str, cache: str) -> dict:
    """The environment of one run: ``root`` on the path, bytecode as ``bytecode`` says."""
    env = dict(os.environ, PYTHONPATH=str(root))
    env.pop("PYTHONPYCACHEPREFIX", None)
    if bytecode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_once(
    root: Path, args: list[str], code: str | None = None, env: dict | None = None
) -> tuple[float, float]:
    """Wall and CPU (user + sys of the child) seconds of one ``mdlp ARGS`` in ``root``
    (of ``python -c CODE`` instead when ``code`` is given)."""
    env = dict(os.environ, PYTHONPATH=str(root)) if env is None else env
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    code = "from mdlp.cli import main; main(prog_name='mdlp')" if code is None else code
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=root,  # ``-c`` puts the working directory first on sys.path: the checkout's code
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"mdlp {' '.join(args)} failed in {root}: {proc.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7, help="runs per command and checkout")
    ap.add_argument("--before", type=Path, default=None, help="another mdlp checkout")
    ap.add_argument(
        "--bytecode",
        choices=("cached", "compiled", "both"),
        default="both",
        help="cached: compiled bytecode for every module, as installed; compiled: the "
        "checkouts' own modules compiled from source on every run; both (default)",
    )
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("cli_startup.csv"), help="CSV path"
    )
    a = ap.parse_args()
    trees = [("after", HERE)] + ([("before", a.before.resolve())] if a.before else [])
    modes = ["cached", "compiled"] if a.bytecode == "both" else [a.bytecode]
    rows = []
    jobs = [(name, args, goal, None) for name, args, goal in COMMANDS]
    jobs += [(name, [], goal, code) for name, code, goal in FLOOR]
    with tempfile.TemporaryDirectory(prefix="mdlp-pycache-") as cache:
        for mode in modes:
            for name, args, goal, code in jobs:
                sides = trees if code is None else trees[:1]
                envs = {t: child_env(root, mode, cache) for t, root in sides}
                if mode == "cached":  # compile and cache every module once, untimed
                    for t, root in sides:
                        run_once(root, args, code, envs[t])
                samples = {t: ([], []) for t, _ in sides}
                load0 = os.getloadavg()[0]
                for _ in range(a.runs):
                    for t, root in sides:
                        w, c = run_once(root, args, code, envs[t])
                        samples[t][0].append(w)
                        samples[t][1].append(c)
                load1 = os.getloadavg()[0]
                for t in samples:
                    wall, cpu = samples[t]
                    rows.append(
                        {
                            "command": f"mdlp {' '.join(args)}"
                            if code is None
                            else f"python -c {code!r}",
                            "label": name,
                            "checkout": t,
                            "bytecode": mode,
                            "runs": a.runs,
                            "median_wall_s": round(statistics.median(wall), 3),
                            "min_wall_s": round(min(wall), 3),
                            "median_cpu_s": round(statistics.median(cpu), 3),
                            "goal_s": goal,
                            "meets_goal": "" if goal is None else statistics.median(wall) < goal,
                            "load_avg_1min": round((load0 + load1) / 2, 2),
                        }
                    )
                    r = rows[-1]
                    print(
                        f"{name:<40}{t:<8}{mode:<10}wall {r['median_wall_s']:.3f} s "
                        f"(min {r['min_wall_s']:.3f})  cpu {r['median_cpu_s']:.3f} s  "
                        f"goal {goal or '-'} s  load {r['load_avg_1min']}",
                        flush=True,
                    )
    cmd = "python benchmarks/performance/cli_startup.py " + " ".join(sys.argv[1:])
    write_csv(rows, a.out, cmd.strip())


if __name__ == "__main__":
    main()
