"""load_glossary at 1,000 / 10,000 / 100,000 generated terms: a cold load, an unchanged reload, a
reload after a release (the code changed, the rendering did not), and a reload with 1% of the files
changed.

    .venv/bin/python -m bench.load                 # all sizes (the largest takes a long time)
    .venv/bin/python -m bench.load --sizes 1000

Each size has its own SQLite database under /tmp, and each load runs in a process of its own, as each
`load_glossary` does; peak memory is the highest peak resident set of them. Terms are written as real content files: titles, an abbreviation, other names, a
source, related terms and a body of a few hundred words with [[links]] and other terms named in
passing (which the loader links).
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.search import WORDS
from bench.server import fresh_database


def write_content(root, count, seed=3):
    rng = random.Random(seed)
    (root / "terms").mkdir(parents=True)
    (root / "categories.yml").write_text("- slug: general\n  name: General\n")
    titles = [" ".join(rng.choice(WORDS) for _ in range(3)).capitalize() + f" {i}" for i in range(count)]
    for i, title in enumerate(titles):
        links = " ".join(f"[[t{rng.randrange(count)}]]" for _ in range(3))
        # Other terms named in passing, as authors do: the loader links their first mention itself.
        mentions = f"Compare the {titles[rng.randrange(count)].lower()} and T{rng.randrange(count)}."
        paragraphs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(60, 90))) for _ in range(3)]
        body = f"{paragraphs[0]} {links}.\n\n## Example\n\n{paragraphs[1]} {mentions}\n\n{paragraphs[2]}\n"
        related = sorted({f"t{rng.randrange(count)}" for _ in range(3)} - {f"t{i}"})
        text = (
            f"---\ntitle: {title}\nabbreviation: T{i}\naliases:\n  - {rng.choice(WORDS)} {rng.choice(WORDS)} {i}\n"
            f"summary: A generated term for the benchmark, number {i}.\ncategory: general\n"
            f"related: [{', '.join(related)}]\nsources:\n  - title: 21 CFR 312.3\n"
            f"    url: https://www.ecfr.gov/current/title-21/part-312/section-312.3\nreviewed: 2026-11-25\n---\n{body}"
        )
        (root / "terms" / f"t{i}.md").write_text(text)


def run_one(size):
    workdir = Path(tempfile.mkdtemp(prefix=f"glossary-bench-load-{size}-"))
    os.environ.update(DATABASE_URL=fresh_database(workdir), SECRET_KEY="benchmark-only", DEBUG="0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "glossary.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    content = workdir / "content"
    write_content(content, size)

    cold = timed_load(content)
    unchanged = timed_load(content)
    assert not unchanged["changed"]
    # A release: every module of the loader is newer, and none changed how anything renders.
    for module in (Path(__file__).resolve().parent.parent / "glossary").rglob("*.py"):
        module.touch()
    release = timed_load(content)
    assert not release["changed"]
    for path in sorted((content / "terms").iterdir())[: max(1, size // 100)]:
        path.write_text(path.read_text().replace("A generated term", "A changed term"))
    changed = timed_load(content)
    assert changed["updated"] == max(1, size // 100)

    loads = (cold, unchanged, release, changed)
    print(
        f"| {size:,} | {cold['seconds']:.1f} | {unchanged['seconds']:.1f} | {release['seconds']:.1f} "
        f"| {changed['seconds']:.1f} | {max(load['all'] for load in loads):.0f} |",
        flush=True,
    )


def timed_load(content):
    """One load_content() of `content` in a process of its own, as each `load_glossary` runs: a
    process that has loaded once already holds more memory, which its forked processes would share."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.load", "--load", str(content)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(result.stdout)


def load_once(content):
    """The --load side of timed_load(): the database is the one in the environment."""
    import django

    django.setup()
    from glossary.content import load_content

    started = time.perf_counter()
    report = load_content(content)
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        # The loader is the only process: its peak resident set, which the kernel keeps exactly.
        "all": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "changed": report.changed,
        "updated": len(report.counts["terms"].updated),
    }
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_once(args.load)
        return
    if args.one:
        run_one(args.sizes[0])
        return
    print(
        "| terms | cold load (s) | unchanged reload (s) | reload after a release (s) | 1% changed (s) "
        "| peak memory (MB) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        subprocess.run([sys.executable, "-m", "bench.load", "--sizes", str(size), "--one"], check=True)


if __name__ == "__main__":
    main()
