"""Pages under load: requests per second of five pages, each next to a static file of the same size.

    .venv/bin/python -m bench.pages                       # 10,000 terms
    .venv/bin/python -m bench.pages --rounds 3            # medians of three runs of each pair
    .venv/bin/python -m bench.pages --sizes 1000 100000   # one table per size

Each size gets its own SQLite database under /tmp: the real content/ is loaded (so the term page,
the comparison and the quiz are real pages), then generated terms (bench/search.py's generator,
indexed with index_terms()) bring it to N terms. collectstatic writes to a temporary STATIC_ROOT, and
each page's exact bytes are written there too, as a static file. gunicorn, with gunicorn.conf.py
(as many sync workers as it gives a fresh install: twice the cores, plus one) on 127.0.0.1, serves
both as a fresh production install would: DEBUG off, SECRET_KEY and ALLOWED_HOSTS set, nothing else
(so each process keeps its pages in memory and reads the content version from the database). With
BENCH_DATABASE=postgres (`make bench DATABASE=postgres`) it runs on PostgreSQL with Redis shared,
the scale-out layout of docs/deploy.md: the content version is read from Redis instead.
`wrk -t2 -c16 -d10s --latency` measures each page, then its static twin, in the same run; on a shared
machine the ratio is the figure that counts (issue 8's target: a term page at 0.9 or better). With
--rounds, every pair is run that many times and the medians are shown (the ratio is the median of the
pairs' ratios). Before each run, requests left queued by the previous one are let through.

wrk asks for the same address again and again, so after the first request a page comes from the
page cache. "rendered" measures the page again on a second gunicorn with the cache off
(CACHE_URL=dummy://): every request builds the page, as after a content change or for a new search.
The quiz and search are never cached (the quiz is each visitor's own; a search is free text).

Also printed: a term page's weight, gzip of its HTML plus every stylesheet and script it references.
"""

import argparse
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from html.parser import HTMLParser
from pathlib import Path

from bench.server import Gunicorn, environment, fresh_database, on_postgres, shared_cache

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "term page": "/terms/cmo/",
    "A–Z index": "/terms/",
    "comparison": "/compare/cmo-vs-cdmo/",
    "search": "/search/?q=contract",
    "quiz": "/quiz/which-fits/",
}
WEIGHT_PAGE = PAGES["term page"]


class Assets(HTMLParser):
    """The stylesheets and scripts a page loads: <link rel=stylesheet href> and <script src>."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def page_weight(client, url):
    """{"HTML" or address: gzipped bytes} for the page at `url` and every stylesheet and script it loads.

    gzip at level 9, as WhiteNoise compresses static files; the assets are fetched through the
    same client, so through WhiteNoise, under their hashed names.
    """
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assets = Assets()
    assets.feed(response.content.decode())
    weights = {"HTML": len(gzip.compress(response.content, 9))}
    for asset in assets.urls:
        served = client.get(asset)
        assert served.status_code == 200, (asset, served.status_code)
        body = b"".join(served.streaming_content) if served.streaming else served.content
        weights[asset] = len(gzip.compress(body, 9))
    return weights


def build(work, size):
    """The database (real content plus generated terms, `size` in all) and the static folder."""
    os.environ.update(environment(work, shared_cache(), fresh_database(work)))
    import django

    django.setup()
    from django.core.management import call_command

    from bench.search import fill, generate
    from glossary.content import load_content
    from glossary.models import Term

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    load_content(ROOT / "content")
    taken = {t.casefold() for t in Term.objects.values_list("title", flat=True)}
    generated = [
        (slug, f"{title} {slug}" if title.casefold() in taken else title, *rest)
        for slug, title, *rest in generate(size - len(taken))
    ]
    started = time.perf_counter()
    fill(generated)
    return Term.objects.count(), time.perf_counter() - started


def write_twins(work):
    """Fetch each page once; write its bytes as a static file. Returns {name: (page, static)} addresses."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    urls = {}
    for name, url in PAGES.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        twin = work / "static" / "bench" / f"{re.sub(r'[^a-z]+', '-', name.lower()).strip('-')}.html"
        twin.parent.mkdir(exist_ok=True)
        twin.write_bytes(response.content)
        urls[name] = (url, f"/static/bench/{twin.name}")
    weight = page_weight(client, WEIGHT_PAGE)
    connection.close()
    return urls, weight


def wrk(server, path, duration="10s"):
    """Requests per second, from `wrk -t2 -c16 --latency`; errors are printed as a comment."""
    url = server.base + path
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{duration}", "--latency", "--timeout", "30s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    problems = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    if problems:
        print(f"<!-- {url}: {'; '.join(problems)} -->", flush=True)
    server.drained()
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def worker_memory(server):
    """The resident memory of each of the server's workers, in MB: {process id: MB}."""
    children = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True)
    memory = {}
    for pid in children.stdout.split():
        status = Path(f"/proc/{pid}/status").read_text()
        memory[pid] = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
    return memory


def junk_growth(server, path, count=3000):
    """How much the workers grow (MB) serving `path` with `count` different junk query strings:
    the page cache keeps one entry for all of them (middleware.cached_by). Only workers that live
    through the whole run count: gunicorn replaces each after about 50,000 requests, and a new one
    starts smaller."""
    before = worker_memory(server)
    for n in range(count):
        with urllib.request.urlopen(f"{server.base}{path}?utm_source=mail&n={n}", timeout=30) as response:
            response.read()
    after = worker_memory(server)
    return sum(after[pid] - before[pid] for pid in before if pid in after)


def measure(size, duration, rendered, rounds):
    with tempfile.TemporaryDirectory(prefix="glossary-bench-pages-") as tmp:
        work = Path(tmp)
        terms, built = build(work, size)
        urls, weight = write_twins(work)
        runs = {name: [] for name in urls}
        # The database and cache build() put in the environment; the settings a fresh install has.
        server = Gunicorn(work, cache_url=shared_cache(), database_url=os.environ["DATABASE_URL"])
        try:
            for page, twin in urls.values():
                assert server.size(page) == server.size(twin), (page, "differs in size from", twin)
                wrk(server, page, "2s")  # warm up: both workers cache the page and connect
                wrk(server, twin, "2s")
            # A page and its twin one after the other, so that both meet the same load on the machine.
            for _ in range(rounds):
                for name, (page, twin) in urls.items():
                    runs[name].append((wrk(server, page, duration), wrk(server, twin, duration)))
            growth = junk_growth(server, urls["term page"][0])
            rows = {
                name: [
                    server.size(urls[name][0]),
                    statistics.median(p for p, _ in pairs),
                    statistics.median(s for _, s in pairs),
                    statistics.median(p / s for p, s in pairs),
                ]
                for name, pairs in runs.items()
            }
        finally:
            server.stop()
        if rendered:
            server = Gunicorn(work, cache_url="dummy://", database_url=os.environ["DATABASE_URL"])
            try:
                for name, (page, _) in urls.items():
                    wrk(server, page, "2s")
                    rows[name].append(wrk(server, page, duration))
            finally:
                server.stop()
    return terms, built, rows, weight, growth


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--duration", default="10s", help="of each wrk run (default 10s)")
    parser.add_argument("--rounds", type=int, default=1, help="pairs of runs per page; medians are shown")
    parser.add_argument("--no-rendered", action="store_true", help="skip the runs without the page cache")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    # One process per size: Django is set up once per process, on that size's database.
    if len(args.sizes) > 1:
        for size in args.sizes:
            extra = ["--no-rendered"] if args.no_rendered else []
            command = [sys.executable, "-m", "bench.pages", "--sizes", str(size), "--duration", args.duration]
            command += ["--rounds", str(args.rounds)]
            subprocess.run(command + extra, check=True)
        return
    warnings.filterwarnings("ignore", message="No directory at")
    terms, built, rows, weight, growth = measure(
        args.sizes[0], args.duration, not args.no_rendered, args.rounds
    )
    layout = (
        "PostgreSQL, the content version in Redis"
        if on_postgres()
        else "SQLite, the content version in the database"
    )
    print(
        f"\n{terms:,} terms on {layout} (generated ones inserted and indexed in {built:.1f} s); "
        f"wrk -t2 -c16 -d{args.duration}",
        end="",
    )
    print(f", median of {args.rounds} rounds\n" if args.rounds > 1 else "\n")
    rendered = "" if args.no_rendered else " rendered req/s |"
    print(f"| page | bytes | page req/s | static req/s | ratio |{rendered}")
    print("| --- | ---: | ---: | ---: | ---: |" + (" ---: |" if rendered else ""))
    for name, (size, page, static, ratio, *uncached) in rows.items():
        cells = [name, f"{size:,}", f"{page:,.0f}", f"{static:,.0f}", f"{ratio:.2f}"]
        cells += [f"{u:,.0f}" for u in uncached]
        print("| " + " | ".join(cells) + " |")
    print(f"\n3,000 requests for the term page with junk query strings: the workers grew by {growth:.1f} MB.")
    parts = ", ".join(f"{Path(url).name} {b / 1000:.1f}" for url, b in weight.items())
    print(f"\nTerm page weight, gzip: {sum(weight.values()) / 1000:.1f} KB ({parts}); target at most 30 KB.")


if __name__ == "__main__":
    main()
