"""Lighthouse scores for the home page, a term, a comparison and the quiz, served as production serves them.

    npm install --prefix /tmp/lighthouse lighthouse@12      # once; outside the repo
    .venv/bin/python -m bench.lighthouse                     # mobile and desktop presets
    .venv/bin/python -m bench.lighthouse --presets mobile --keep /tmp/lh-reports

A temporary SQLite database is migrated and loaded with the real content/, static files are collected
into a temporary folder, and gunicorn (its default workers on 127.0.0.1, DEBUG off) serves the site. Lighthouse
runs against it with Chromium (CHROME_PATH, default /usr/bin/chromium) and its default simulated
throttling, one page at a time; a run that fails to load (NO_NAVSTART and the like) is retried. The
script prints a Markdown table of the four category scores and, under it, every audit below 1.0.
LIGHTHOUSE names the lighthouse executable (default /tmp/lighthouse/node_modules/.bin/lighthouse).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.server import Gunicorn, environment

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = os.environ.get("LIGHTHOUSE", "/tmp/lighthouse/node_modules/.bin/lighthouse")
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
PAGES = {
    "Home": "/",
    "Term (CDMO)": "/terms/cdmo/",
    "Comparison (CMO vs CDMO)": "/compare/cmo-vs-cdmo/",
    "Quiz": "/quiz/which-fits/",
}
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def prepare_site(workdir):
    """Database, content and static files under `workdir`, as production would have them."""
    setup = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "from glossary.content import load_content\n"
        "call_command('migrate', verbosity=0)\n"
        f"load_content({str(ROOT / 'content')!r})\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
    )
    subprocess.run([sys.executable, "-c", setup], env=environment(workdir), cwd=ROOT, check=True)


def lighthouse(url, preset, report, attempts=3):
    """Run Lighthouse once (retrying failed loads) and return its JSON report."""
    command = [
        LIGHTHOUSE,
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    for attempt in range(1, attempts + 1):
        report.unlink(missing_ok=True)
        done = subprocess.run(
            command, env=dict(os.environ, CHROME_PATH=CHROME_PATH), capture_output=True, text=True
        )
        result = json.loads(report.read_text()) if report.exists() else {}
        error = result.get("runtimeError", {}).get("code") or (done.returncode and done.stderr.strip()[-300:])
        if result and not error and all(result["categories"][c]["score"] is not None for c in CATEGORIES):
            return result
        print(f"  {url} ({preset}) attempt {attempt} failed: {error}", file=sys.stderr)
    sys.exit(f"Lighthouse failed {attempts} times on {url}")


def failing_audits(result):
    """(category, audit id, score, display value) for every weighted audit below 1."""
    for category in CATEGORIES:
        for ref in result["categories"][category]["auditRefs"]:
            audit = result["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                yield category, ref["id"], audit["score"], audit.get("displayValue", "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", choices=["mobile", "desktop"], default=["mobile", "desktop"])
    parser.add_argument(
        "--paths", nargs="+", metavar="PATH", help="other pages to score instead, e.g. /terms/cro/"
    )
    parser.add_argument("--keep", type=Path, help="folder to keep the JSON reports in (default: deleted)")
    args = parser.parse_args()
    if not (shutil.which(LIGHTHOUSE) and Path(CHROME_PATH).exists()):
        sys.exit(
            f"Lighthouse ({LIGHTHOUSE}) or Chromium ({CHROME_PATH}) not found. Install Lighthouse outside the "
            "repo with `npm install --prefix /tmp/lighthouse lighthouse@12` (or set LIGHTHOUSE to its "
            "executable), and Chromium with `apt-get install chromium` (or set CHROME_PATH)."
        )

    pages = {path: path for path in args.paths} if args.paths else PAGES
    workdir = Path(tempfile.mkdtemp(prefix="glossary-bench-lighthouse-"))
    reports = args.keep or workdir / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    prepare_site(workdir)
    rows, failures, cpu = [], [], []
    server = Gunicorn(workdir, own_site_url=True)  # so that canonical links point at it
    try:
        for preset in args.presets:
            for name, path in pages.items():
                report = reports / f"{preset}-{re.sub(r'[^a-z0-9]+', '-', path).strip('-') or 'home'}.json"
                result = lighthouse(server.base + path, preset, report)
                scores = [result["categories"][c]["score"] for c in CATEGORIES]
                rows.append(f"| {name} | {preset} | " + " | ".join(f"{s:.2f}" for s in scores) + " |")
                cpu.append(result["environment"]["benchmarkIndex"])
                failures += [(name, preset, *audit) for audit in failing_audits(result)]
    finally:
        server.stop()

    version = subprocess.run([LIGHTHOUSE, "--version"], capture_output=True, text=True).stdout.strip()
    print(
        f"\nLighthouse {version}, {time.strftime('%Y-%m-%d')}, simulated throttling, {os.cpu_count()} CPUs, "
        f"Lighthouse benchmark index {min(cpu):.0f}-{max(cpu):.0f} (lower means a busier machine)\n"
    )
    print("| page | preset | performance | accessibility | best practices | SEO |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    if failures:
        print("\nAudits below 1.0:\n")
        for name, preset, category, audit, score, value in failures:
            print(f"- {name} ({preset}), {category}: {audit} {score:.2f} {value}".rstrip())
    shutil.rmtree(workdir)  # the database, static files and gunicorn's log (and the reports, without --keep)
    if args.keep:
        print(f"\nReports kept in {reports}")


if __name__ == "__main__":
    main()
