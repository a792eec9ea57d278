"""Shared helpers for benchmark scripts: timing, peak memory, CSV writing."""

from __future__ import annotations

import csv
import os
import platform
import resource
import sys
import tempfile
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MiB; Linux reports KiB)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024.0 if sys.platform != "darwin" else r / 2**20


def write_csv(rows: list[dict], path: Path, command: str) -> None:
    """Write ``rows`` atomically, with the command that produced them as a comment line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", newline="") as fh:
        fh.write(
            f"# {command}\n# {platform.node()} {platform.processor()} {os.cpu_count()} cores\n"
        )
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
