"""Every benchmark, one after another; the figures go into docs/performance.md.

    .venv/bin/python -m bench                      # what `make bench` runs: 1,000, 10,000 and 100,000 terms
    .venv/bin/python -m bench --sizes 1000 10000   # quicker

Each benchmark runs in its own process and prints Markdown. This collects their output, with the
machine, the date and the command, and writes it between the "latest run" markers of
docs/performance.md; the rest of that page (what the figures mean, before and after) is written by
hand.
"""

import argparse
import datetime
import os
import platform
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.server import on_postgres

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"
START, END = "<!-- latest run: start -->", "<!-- latest run: end -->"


def machine():
    cpu = (
        re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        if Path("/proc/cpuinfo").exists()
        else None
    )
    memory = (
        re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
        if Path("/proc/meminfo").exists()
        else None
    )
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parts = [
        f"{cores} cores" + (f" ({cpu.group(1).strip()})" if cpu else ""),
        f"{int(memory.group(1)) / 1024 / 1024:.0f} GiB" if memory else "",
        platform.platform(terse=True),
        f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}",
        f"load average before the run {os.getloadavg()[0]:.1f}",
    ]
    return ", ".join(p for p in parts if p)


def run(title, module, *args):
    """Run one benchmark, showing its output as it comes; returns its section of the report."""
    command = [sys.executable, "-m", module, *args]
    print(f"\n## {title}\n", flush=True)
    lines = []
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    if process.returncode:
        lines.append(f"\n**Failed** (exit status {process.returncode}).\n")
    shown = " ".join(["python -m", module, *args])
    return f"### {title}\n\n`{shown}`\n\n{''.join(lines).strip()}\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1000", "10000", "100000"])
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/performance.md alone")
    args = parser.parse_args()
    started = datetime.datetime.now().astimezone()
    layout = (
        "PostgreSQL and Redis (the scale-out layout)"
        if on_postgres()
        else "SQLite, no Redis (a fresh install)"
    )
    header = f"Run on {started:%Y-%m-%d %H:%M %Z} on {layout}; machine: {machine()}."
    sections = [
        run("Loading content", "bench.load", "--sizes", *args.sizes),
        run("Search", "bench.search", "--sizes", *args.sizes),
        run("Explain this text", "bench.explain", "--sizes", *args.sizes),
        run("Pages under load", "bench.pages", "--sizes", *args.sizes),
        *([] if on_postgres() else [run("Quiz takers at once", "bench.quiz")]),
        *([] if on_postgres() else [run("Lighthouse", "bench.lighthouse")]),
    ]
    if args.no_write:
        return
    # Each layout has its own section of the report.
    title, start, end = "Latest run of make bench", START, END
    if on_postgres():
        title, start, end = (
            f"{title} DATABASE=postgres",
            START.replace("run", "run on postgres"),
            END.replace("run", "run on postgres"),
        )
    text = REPORT.read_text()
    if start not in text:
        text += f"\n## {title}\n\n{start}\n{end}\n"
    latest = f"{start}\n{header}\n\n" + "\n".join(sections) + f"\n{end}"
    REPORT.write_text(text[: text.index(start)] + latest + text[text.index(end) + len(end) :])
    print(f"\nWritten to {REPORT.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
