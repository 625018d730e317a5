"""Search speed at 1,000 / 10,000 / 100,000 generated terms: p50 and p95 server time per query.

    .venv/bin/python -m bench.search                  # all three sizes (the largest takes a few minutes)
    .venv/bin/python -m bench.search --sizes 1000     # one size

Each size gets its own SQLite database under /tmp. Terms are generated with realistic names, other
names and bodies of a few hundred words, inserted in bulk, and indexed with the same index_terms()
that load_glossary uses (Markdown rendering is skipped: search never reads the rendered HTML).
Queries go through Django's test client, so a figure is the whole server side of a request: URL
routing, the search, and the template; no network. Results are printed as a Markdown table.
"""

import argparse
import os
import random
import statistics
import string
import sys
import tempfile
import time
import warnings
from pathlib import Path

from bench.server import fresh_database

WORDS = (
    "acid assay batch biologic buffer capsule carrier cell clinical coating compound contract control "
    "data density development device dissolution dose drug emulsion excipient filling formulation gel "
    "granule impurity injection laboratory liquid lyophilized manufacturing material membrane method "
    "microbial molecule monitoring oral packaging particle patient peptide pharmacy plasma polymer "
    "powder process protein purity quality reagent release research sample scale site solution "
    "solvent stability sterile study substance supply suspension tablet testing therapy tissue "
    "toxicity trial validation vial volume yield agent analysis approval audit biomarker cohort "
    "comparator dossier endpoint enrollment exposure label lot protocol registry safety sponsor "
    "submission transfer vendor warehouse"
).split()


def generate(count, seed=7):
    rng = random.Random(seed)
    terms, titles, abbreviations = [], set(), set()
    while len(terms) < count:
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4))).capitalize()
        if title.casefold() in titles:
            title = f"{title} {len(terms)}"
        titles.add(title.casefold())
        abbreviation = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(3, 5)))
        abbreviations.add(abbreviation)
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(150, 300)))
        aliases = list({" ".join(rng.choice(WORDS) for _ in range(2)) for _ in range(rng.randint(0, 2))})
        terms.append((f"t{len(terms)}", title, abbreviation, aliases, body))
    return terms


def setup(work):
    os.environ.update(
        DATABASE_URL=fresh_database(work), SECRET_KEY="benchmark-only", DEBUG="0", ALLOWED_HOSTS="testserver"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glossary.settings")
    import django

    django.setup()
    # No collectstatic here: WhiteNoise's warning about the missing folder is expected.
    warnings.filterwarnings("ignore", message="No directory at")
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(terms):
    from glossary.models import Alias, Term, refresh_statistics
    from glossary.search import index_terms

    Term.objects.bulk_create(
        [
            Term(slug=s, title=t, abbreviation=a, summary=b[:120], body=b, body_html=b)
            for s, t, a, _, b in terms
        ],
        batch_size=2000,
    )
    ids = dict(Term.objects.values_list("slug", "id"))
    Alias.objects.bulk_create(
        [Alias(term_id=ids[s], name=n) for s, _, _, aliases, _ in terms for n in aliases], batch_size=2000
    )
    all_ids = list(ids.values())
    for i in range(0, len(all_ids), 5000):
        index_terms(all_ids[i : i + 5000])
    refresh_statistics()  # as a large load does


def queries(terms, count, seed=11):
    rng = random.Random(seed)
    out = []
    for i in range(count):
        _, title, abbreviation, _, body = rng.choice(terms)
        kind = i % 6
        if kind == 0:
            out.append(("abbreviation", abbreviation))
        elif kind == 1:
            out.append(("title", title))
        elif kind == 2:
            out.append(("prefix", title.split()[0][:4]))
        elif kind == 3:
            word = title.split()[0]
            j = rng.randrange(len(word))
            out.append(("typo", word[:j] + word[j + 1 :] if len(word) > 4 else word + "x"))
        elif kind == 4:
            out.append(("text", " ".join(rng.sample(body.split(), 2))))
        else:
            out.append(("nothing", "".join(rng.choice("qxzj") for _ in range(7))))
    return out


def measure(size, count):
    setup(Path(tempfile.mkdtemp(prefix=f"glossary-bench-search-{size}-")))
    terms = generate(size)
    started = time.perf_counter()
    fill(terms)
    built = time.perf_counter() - started

    from django.db import connection
    from django.test import Client

    client = Client()
    sample = queries(terms, count)
    for _, q in sample[:20]:  # warm up
        client.get("/search/", {"q": q})
    timings = {}
    for kind, q in sample:
        started = time.perf_counter()
        response = client.get("/search/", {"q": q})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code in (200, 302), (q, response.status_code)
        timings.setdefault(kind, []).append(elapsed)
    connection.close()
    every = [t for ts in timings.values() for t in ts]
    return built, every, timings


def percentile(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=600)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    # One process per size: Django is set up once per process, on that size's database.
    if len(args.sizes) > 1:
        import subprocess

        print("| terms | index build (s) | p50 (ms) | p95 (ms) | p95 by kind (ms) |")
        print("| ---: | ---: | ---: | ---: | --- |")
        for size in args.sizes:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.search",
                    "--sizes",
                    str(size),
                    "--queries",
                    str(args.queries),
                    "--row",
                ],
                check=True,
            )
        return
    built, every, timings = measure(args.sizes[0], args.queries)
    kinds = ", ".join(f"{k} {percentile(v, 95):.1f}" for k, v in timings.items())
    print(
        f"| {args.sizes[0]:,} | {built:.1f} | {percentile(every, 50):.1f} | {percentile(every, 95):.1f} | {kinds} |"
    )


if __name__ == "__main__":
    if "--row" in sys.argv:
        sys.argv.remove("--row")
    main()
