"""The ``mdlp`` command: list, template, solve, plot, check, bench, report.

Exit codes: 0 success; 1 solved but outside the theorem's tolerance (or a failed check);
2 bad input (one line naming the field, no traceback, nothing written); 3 solver failure
(infeasible, unbounded, time limit, numerical trouble).
"""

from __future__ import annotations

import sys

import click

from mdlp.exitcodes import EXIT_BAD_INPUT, EXIT_OK, EXIT_OUTSIDE_TOLERANCE, EXIT_SOLVER

# Start-up time: nothing heavy (numpy, pandas, scipy, the solvers, the families) is
# imported at module level here; each command imports what it needs.


def _bad_input(exc: Exception | str):
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _interrupted():
    click.echo("interrupted: nothing was written", err=True)
    sys.exit(130)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mdlp-toolkit")
def main():
    """mdlp: discretized mechanism design, checked against closed-form theorems."""


@main.command("list")
def list_cmd():
    """The problem families and what each solves."""
    from mdlp.families import FAMILIES

    for kind, fam in sorted(FAMILIES.items()):
        click.echo(f"{kind:<24}{fam.title}  [{fam.source}]")


@main.command()
@click.argument("kind")
def template(kind):
    """Print a commented starter config for family KIND."""
    from mdlp.families import FAMILIES, read_template

    if kind not in FAMILIES:
        _bad_input(f"KIND: unknown family {kind!r}; one of {sorted(FAMILIES)}")
    click.echo(read_template(kind), nl=False)


@main.command()
@click.argument("config", type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a config field, e.g. --set grid.points=201 (repeatable).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=str),
    default=None,
    help="Write summary.json, the mechanism table, config.yaml and figures here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout.")
@click.option(
    "--quiet", is_flag=True, help="Print nothing but errors (no progress line either)."
)
@click.option(
    "--force", is_flag=True, help="Build even an LP estimated to exceed the memory budget."
)
@click.option(
    "--exact",
    is_flag=True,
    help="Also verify the optimum in rational arithmetic (LPs of at most 5,000 rows).",
)
def solve(config, overrides, out_dir, as_json, quiet, force, exact):
    """Solve one problem instance from a YAML CONFIG."""
    try:  # Ctrl-C while the libraries load is an interruption like any other
        from mdlp.config import ConfigError, load_config
        from mdlp.report import clean, dumps, summary_text, write_outputs
        from mdlp.run import solve as run_solve
    except KeyboardInterrupt:
        _interrupted()

    try:
        cfg = load_config(config, overrides)
        if out_dir is not None:
            from pathlib import Path

            p = Path(out_dir)
            if p.exists() and not p.is_dir():
                raise ConfigError("--out", f"{out_dir!r} exists and is not a directory")
    except ConfigError as exc:
        _bad_input(exc)
    except KeyboardInterrupt:
        _interrupted()
    line = None
    if not (quiet or as_json) and sys.stderr.isatty():
        from mdlp.progress import ProgressLine

        click.echo(f"building and solving {cfg.kind} (grid {cfg.grid.points}) ...", err=True)
        line = ProgressLine(sys.stderr)  # row-generation rounds, once a solve takes seconds
    try:
        result = run_solve(cfg, force=force, exact=exact, progress=line)
    except ConfigError as exc:
        _bad_input(exc)
    except KeyboardInterrupt:
        if line is not None:
            line.close()
        _interrupted()
    if line is not None:
        line.close()
    if out_dir is not None:
        write_outputs(result, out_dir, result.problem)
    if as_json:
        click.echo(dumps(clean(result.summary())))
    elif not quiet:
        click.echo(summary_text(result))
        if out_dir is not None:
            click.echo(f"  written to   {out_dir}")
    sys.exit(result.exit_code)


@main.command("plot")
@click.argument("directory", type=click.Path(path_type=str))
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def plot_cmd(directory, quiet):
    """Draw the figures of a result folder (mdlp solve --out DIR) again, without solving."""
    from mdlp.config import ConfigError
    from mdlp.plots import redraw

    try:
        figs = redraw(directory)
    except ConfigError as exc:
        _bad_input(exc)
    except ImportError as exc:
        _bad_input(ConfigError("", str(exc)))
    if not quiet:
        for f in figs:
            click.echo(f"{directory.rstrip('/')}/{f['file']}  {f['caption']}")
        if not figs:
            click.echo(f"no figures are defined for this family; {directory} is unchanged")


@main.command()
@click.option("--family", default=None, help="Only this family's theorems.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as a JSON list.")
@click.option("--markdown", is_flag=True, help="Print a Markdown table (the README's).")
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=str),
    default=None,
    help="Also write the table as a self-contained HTML page to this file.",
)
@click.option("--quiet", is_flag=True, help="No progress lines.")
def check(family, as_json, markdown, html_file, quiet):
    """The theorem table: every registered closed form, checked on a grid sequence."""
    from mdlp.families import FAMILIES
    from mdlp.htmlreport import ReportError, check_target

    if family is not None and family not in FAMILIES:
        _bad_input(f"--family: unknown family {family!r}; one of {sorted(FAMILIES)}")
    if html_file is not None:
        try:
            check_target(html_file, "--html")
        except ReportError as exc:
            _bad_input(exc)

    import pandas as pd

    from mdlp.compare import check_table, relation_counts, theorems
    from mdlp.report import clean, dumps

    total = len(theorems(family))
    show = not (quiet or as_json or markdown) and sys.stderr.isatty()

    def progress(row):
        if show:
            click.echo(f"[{progress.n + 1}/{total}] {row['theorem']}: {row['verdict']}", err=True)
        progress.n += 1

    progress.n = 0
    df = check_table(family, progress=progress)
    failed = int((~df["verdict"].eq("pass")).sum()) if len(df) else 0
    if html_file is not None:
        from mdlp.htmlreport import theorem_html, write_atomic

        write_atomic(html_file, theorem_html(clean(df.to_dict(orient="records"))))
    if as_json:
        click.echo(dumps(clean(df.to_dict(orient="records"))))
    elif markdown:
        click.echo(markdown_table(df))
    else:
        with pd.option_context(
            "display.width", 200, "display.max_colwidth", 60, "display.max_columns", 20
        ):
            cols = [
                "theorem",
                "relation",
                "per_grid",
                "parameters",
                "grids",
                "theory",
                "gaps",
                "order",
                "extrapolated",
                "certificate",
                "verdict",
            ]
            click.echo(df[cols].to_string(index=False, float_format=lambda v: f"{v:.6g}"))
        click.echo(f"{len(df) - failed} passed, {failed} failed")
        click.echo(counts_line(relation_counts(df)))
    sys.exit(EXIT_OUTSIDE_TOLERANCE if failed else EXIT_OK)


@main.command()
@click.argument("config", type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--grid", "grid", required=True, metavar="K1,K2,...", help="Grid sizes, e.g. 11,21,41,81."
)
@click.option(
    "--sweep",
    "sweeps",
    multiple=True,
    metavar="KEY=START:STOP:COUNT",
    help="Sweep a field: params.mean=0.1:0.9:9 or params.bidders=2,3 (repeatable).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=str),
    default=None,
    help="Write runs, convergence.csv, report.md (and plots) here; resumes.",
)
@click.option(
    "--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True
)
@click.option("--scheduler", default=None, help="Dask scheduler address (default: LocalCluster).")
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Worker processes (default: the machine's cores).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the convergence rows as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--force", is_flag=True, help="Skip the memory-budget check of the largest grid.")
def bench(config, grid, sweeps, out_dir, executor, scheduler, workers, as_json, quiet, force):
    """Batch convergence benchmark of CONFIG over grid sizes and parameter sweeps."""
    import pandas as pd

    from mdlp.bench import parse_grid, parse_sweep, run_bench
    from mdlp.config import ConfigError
    from mdlp.report import clean, dumps

    show = not (quiet or as_json) and sys.stderr.isatty()

    def progress(i, total, row):
        if show:
            width = 30
            filled = int(width * i / total)
            click.echo(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {i}/{total} "
                f"K={row.get('points')} {row.get('status')}   ",
                err=True,
                nl=False,
            )

    try:
        Ks = parse_grid(grid)
        sw = [parse_sweep(s) for s in sweeps]
        runs, conv = run_bench(
            config,
            Ks,
            sw,
            out=out_dir,
            executor=executor,
            scheduler=scheduler,
            workers=workers,
            progress=progress,
            force=force,
        )
    except ConfigError as exc:
        _bad_input(exc)
    except KeyboardInterrupt:
        click.echo(
            "\ninterrupted: finished rows are kept; re-run with the same --out to resume", err=True
        )
        sys.exit(130)
    if show:
        click.echo("", err=True)
    if as_json:
        click.echo(dumps(clean(conv.to_dict(orient="records"))))
    elif not quiet:
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            cols = [c for c in runs.columns if c not in ("task", "message", "peak_mb")]
            click.echo(runs[cols].to_string(index=False, float_format=lambda v: f"{v:.6g}"))
            click.echo("")
            click.echo(conv.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    failed = int((~runs["status"].isin(("optimal", "evaluated"))).sum()) if len(runs) else 0
    sys.exit(EXIT_SOLVER if failed else EXIT_OK)


@main.command()
@click.argument("dirs", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=str),
    default="report.html",
    show_default=True,
    help="The HTML file to write.",
)
@click.option("--title", default="mdlp report", show_default=True, help="Page title.")
def report(dirs, output, title):
    """One self-contained HTML page for solve result and bench run directories DIRS.

    A solve directory (mdlp solve --out) shows status, objective, the theorem with its
    relation and gap, the certificate, LP sizes, timings and figures; a bench directory
    (mdlp bench --out) its convergence table, fitted orders and plots.  Figures are
    embedded, so the page needs no network access.
    """
    from mdlp.htmlreport import ReportError, check_target, report_html, write_atomic

    try:
        check_target(output)
        text = report_html(list(dirs), title=title)
    except ReportError as exc:
        _bad_input(exc)
    write_atomic(output, text)
    click.echo(f"written to {output}")


def counts_line(counts) -> str:
    """``equal 20/20 pass, upper 6/6 pass, ...``: rows and passes per relation."""
    return "by relation: " + ", ".join(
        f"{rel} {c['passed']}/{c['rows']} pass" for rel, c in counts.items()
    )


def markdown_table(df) -> str:
    """The README's theorem table, with the per-relation counts below it."""
    from mdlp.compare import relation_counts
    from mdlp.htmlreport import THEOREM_COLUMNS

    cols = [c for c in THEOREM_COLUMNS if c != "certificate"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, float):
                v = "" if v != v else f"{v:.6g}"
            cells.append(str(v).replace("|", "/"))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(counts_line(relation_counts(df)))
    return "\n".join(lines)


assert EXIT_SOLVER == 3
