"""Explain this text: server time to explain 20,000 characters, with the real content and with
1,000 / 10,000 / 100,000 generated terms.

    .venv/bin/python -m bench.explain                  # the real content and all three sizes
    .venv/bin/python -m bench.explain --sizes 10000    # the real content and one size

Each size gets its own SQLite database under /tmp (or PostgreSQL, with BENCH_DATABASE=postgres). The
real content is loaded with load_content(); generated terms are made and indexed as bench.search does.
The text is 20,000 characters of the terms' own bodies, so it names many of them, as a real paragraph
from this field does. Requests go through Django's test client (the whole server side: the form,
finding the terms, counting unknown words, the template); no network.
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.search import fill, generate, percentile, setup

ROOT = Path(__file__).resolve().parent.parent
LENGTH = 20_000


def real_text():
    from glossary.content import load_content

    load_content(ROOT / "content")
    from glossary.models import Term

    prose = " ".join(
        re.sub(r"\[\[([^|\]]+\|)?([^\]]+)\]\]", r"\2", t.body) for t in Term.objects.order_by("slug")
    )
    return prose[:LENGTH]


def generated_text(size):
    terms = generate(size)
    fill(terms)
    words = []
    for _, title, abbreviation, _, body in terms:
        words += [title, "and the", abbreviation, *body.split()[:12], "."]
        if sum(len(w) + 1 for w in words) > LENGTH:
            break
    return " ".join(words)[:LENGTH]


def measure(text, count):
    from django.conf import settings
    from django.test import Client

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "explain": (10**9, 600)}
    client = Client()
    page, api = [], []
    for _ in range(5):  # warm up
        client.post("/explain/", {"text": text})
    for _ in range(count):
        started = time.perf_counter()
        response = client.post("/explain/", {"text": text})
        page.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        started = time.perf_counter()
        response = client.post("/api/explain", {"text": text}, content_type="application/json")
        api.append((time.perf_counter() - started) * 1000)
    data = response.json()
    return page, api, len(data["matches"]), len(data["terms"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1000", "10000", "100000"])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--row", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.row:
        # One process per size: Django is set up once per process, on that size's database.
        print(
            "| terms | characters | marks | terms found | page p50 (ms) | page p95 (ms) | API p50 (ms) | API p95 (ms) |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for size in ["real", *args.sizes]:
            command = [
                sys.executable,
                "-m",
                "bench.explain",
                "--sizes",
                size,
                "--requests",
                str(args.requests),
            ]
            subprocess.run([*command, "--row"], check=True, cwd=ROOT)
        return
    size = args.sizes[0]
    setup(Path(tempfile.mkdtemp(prefix=f"glossary-bench-explain-{size}-")))
    text = real_text() if size == "real" else generated_text(int(size))
    from glossary.models import Term

    page, api, marks, found = measure(text, args.requests)
    label = f"{Term.objects.count():,} (real content)" if size == "real" else f"{int(size):,}"
    print(
        f"| {label} | {len(text):,} | {marks:,} | {found:,} | {statistics.median(page):.0f} | "
        f"{percentile(page, 95):.0f} | {statistics.median(api):.0f} | {percentile(api, 95):.0f} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
