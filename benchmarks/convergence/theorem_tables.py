"""Regenerate, per family, the convergence table of every closed-form theorem mdlp checks.

    python benchmarks/convergence/theorem_tables.py [--family KIND]

Writes ``benchmarks/convergence/theorems_<family>.csv`` and ``.md`` (the command on the
first line): per theorem the grid sequence, LP - theorem on each grid, the fitted order,
the Richardson estimate from the last two grids and its error against the theorem.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _util import write_csv  # noqa: E402

from mdlp.cli import markdown_table  # noqa: E402
from mdlp.compare import check_table  # noqa: E402
from mdlp.problems import REGISTRY  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=sorted(REGISTRY), default=None)
    args = ap.parse_args()
    here = Path(__file__).parent
    command = "python benchmarks/convergence/theorem_tables.py" + (
        f" --family {args.family}" if args.family else ""
    )
    for kind in [args.family] if args.family else sorted(REGISTRY):
        df = check_table(kind)
        if df.empty:
            continue
        write_csv(df.to_dict(orient="records"), here / f"theorems_{kind}.csv", command)
        md = here / f"theorems_{kind}.md"
        tmp = md.with_suffix(".md.tmp")
        tmp.write_text(
            f"# Convergence of the {kind} theorems\n\n`{command}`\n\n"
            + markdown_table(df)
            + "\n\nColumns: `gaps` are LP - theorem per grid; `order` the fitted order in h; "
            "`extrapolated` the Richardson estimate from the last two grids.\n"
        )
        tmp.replace(md)
        print(f"{kind}: {len(df)} theorems, {int((df['verdict'] == 'pass').sum())} pass")


if __name__ == "__main__":
    main()
