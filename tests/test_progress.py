"""The progress line of long single solves: formatting, throttling with a fake clock (no
timing assertions), and the generic wiring from row generation to the caller."""

from __future__ import annotations

import io

from mdlp.progress import ProgressLine, format_progress
from mdlp.run import solve
from solvers.rowgen import reporting


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def entry(rnd, added, viol):
    return {"round": rnd, "rows": 0, "added": added, "violation": viol}


def test_format():
    assert format_progress(12, 3456, 0.00123, 7.44) == (
        "row generation: round 12, 3,456 rows added, largest violation 1.2e-03, 7.4 s"
    )


def test_quiet_until_the_delay_then_at_most_once_per_interval():
    clock, out = FakeClock(), io.StringIO()
    line = ProgressLine(out, delay=3.0, interval=0.5, clock=clock)
    for dt, (rnd, added, viol) in [
        (1.0, (1, 10, 0.5)),  # t = 1: a short solve shows nothing
        (2.9, (2, 5, 0.25)),
        (3.0, (3, 20, 0.125)),  # t = 3: first line; 35 rows so far
        (3.2, (4, 1, 0.0625)),  # within the interval: skipped, but its rows count
        (3.5, (5, 100, 1e-10)),  # 0.5 s after the last draw: drawn, 136 rows
    ]:
        clock.t = 100.0 + dt
        line(entry(rnd, added, viol))
    first = "row generation: round 3, 35 rows added, largest violation 1.2e-01, 3.0 s"
    second = "row generation: round 5, 136 rows added, largest violation 1.0e-10, 3.5 s"
    assert out.getvalue() == "\r" + first + "\r" + second + " " * (len(first) - len(second))
    line.close()
    assert out.getvalue().endswith("\r" + " " * len(second) + "\r")


def test_nothing_written_for_a_fast_solve():
    clock, out = FakeClock(), io.StringIO()
    line = ProgressLine(out, delay=3.0, clock=clock)
    line(entry(1, 4, 0.1))
    line.close()
    assert out.getvalue() == ""


def test_every_row_generation_family_reports_without_passing_the_callback():
    """regret_pricing (two items, posted prices) and bayesian_pricing both call row
    generation without a ``progress`` argument; ``mdlp.run.solve(progress=...)`` still sees
    every round."""
    for config, sets in [
        ("configs/regret_pricing_2items.yaml", ["params.mechanism=deterministic"]),
        ("configs/bayesian_pricing_2items.yaml", []),
    ]:
        seen = []
        res = solve(config, [*sets, "grid.points=7"], progress=seen.append)
        assert res.ok and res.solver["rounds"] >= 1
        assert [e["round"] for e in seen] == list(range(1, res.solver["rounds"] + 1))
        assert sum(e["added"] for e in seen) == res.solver["rows_added"]
        assert seen[-1]["violation"] <= 1e-9


def test_reporting_is_scoped():
    calls = []
    with reporting(calls.append):
        pass
    res = solve("configs/bayesian_pricing_2items.yaml", ["grid.points=5"])  # row generation
    assert res.ok and res.solver["rounds"] >= 1 and calls == []
