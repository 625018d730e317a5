"""The glossary's own content: it loads cleanly and keeps the promises of PRODUCT.md."""

import multiprocessing
import re

import pytest

from glossary.content import load_content, read_content
from glossary.models import CORE_SLUGS, Term
from tests.conftest import CONTENT_DIR

PRIMARY_SOURCE_HOSTS = (
    "www.ecfr.gov", "www.law.cornell.edu", "www.fda.gov", "www.ich.org", "database.ich.org",
    "eur-lex.europa.eu", "clinicaltrials.gov", "www.federalregister.gov", "www.who.int",
)  # fmt: skip


@pytest.fixture(scope="module")
def terms():
    return read_content(CONTENT_DIR).terms


def test_every_core_term_and_at_least_twenty_more_exist(terms):
    slugs = {t.slug for t in terms}

    assert set(CORE_SLUGS) <= slugs
    assert len(slugs - set(CORE_SLUGS)) >= 20


def test_every_summary_is_short_plain_text(terms):
    for term in terms:
        assert len(term.summary.split()) <= 30, term.slug
        assert not re.search(r"[*_`\[\]<>]", term.summary), term.slug


def test_every_entry_cites_a_primary_source(terms):
    # Other senses of an abbreviation ("chief medical officer") are outside the field: no regulation defines them.
    for term in (t for t in terms if not t.sense):
        hosts = [re.match(r"https://([^/]+)/", url).group(1) for _, url in term.sources]
        assert any(host in PRIMARY_SOURCE_HOSTS for host in hosts), term.slug


def test_every_entry_has_a_body_with_an_example_and_links(terms):
    for term in terms:
        words = len(term.body.split())
        assert 100 <= words <= 600, (term.slug, words)
        assert "example" in term.body.lower(), term.slug
        assert term.links, term.slug
        assert term.related, term.slug


def test_every_entry_has_a_category_and_a_review_date(terms):
    for term in terms:
        assert term.category, term.slug
        assert term.reviewed, term.slug


def test_the_abbreviations_with_two_meanings_are_real_cases(terms):
    senses = {}
    for term in terms:
        if term.abbreviation:
            senses.setdefault(term.abbreviation, []).append(term)
    for abbreviation in ("CMO", "CRO"):
        meanings = senses[abbreviation]
        assert len(meanings) == 2, abbreviation
        assert sum(not t.sense for t in meanings) == 1, abbreviation  # one main sense


def test_a_large_load_reads_and_renders_in_parallel_to_the_same_content(monkeypatch):
    one_by_one = read_content(CONTENT_DIR)
    monkeypatch.setattr("glossary.content.parallel.PARALLEL_FROM", 1)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})  # as on a machine with two cores
    contexts = []
    get_context = multiprocessing.get_context
    monkeypatch.setattr(
        multiprocessing, "get_context", lambda name: contexts.append(name) or get_context(name)
    )

    in_parallel = read_content(CONTENT_DIR)

    assert contexts == ["fork"]  # once, for files and bodies alike

    def read(content):
        return [
            (d.path, d.lines, d.digest, d.body_html, d.links)
            for d in [*content.terms, *content.comparisons, *content.quizzes]
        ]

    assert read(in_parallel) == read(one_by_one)
    assert any(t.links for t in in_parallel.terms)


def test_load_processes_1_reads_and_renders_a_large_load_in_the_loader_itself(monkeypatch, settings):
    settings.LOAD_PROCESSES = 1
    monkeypatch.setattr("glossary.content.parallel.PARALLEL_FROM", 1)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(multiprocessing, "get_context", lambda name: pytest.fail("a process was forked"))

    content = read_content(CONTENT_DIR)

    assert all(t.body_html for t in content.terms)


def test_a_large_load_writes_in_batches_what_rendering_one_by_one_gives(db, monkeypatch):
    expected = {t.slug: (t.body_html, sorted(t.links)) for t in read_content(CONTENT_DIR).terms}
    monkeypatch.setattr("glossary.content.parallel.PARALLEL_FROM", 1)
    monkeypatch.setattr("glossary.content.parallel.WINDOW", 3)
    monkeypatch.setattr("glossary.content.sync.BATCH", 4)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})

    load_content(CONTENT_DIR)

    loaded = {
        t.slug: (t.body_html, sorted(link.slug for link in t.links.all()))
        for t in Term.objects.prefetch_related("links")
    }
    assert loaded == expected
