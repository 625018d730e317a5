"""The glossary's own content: it loads cleanly and keeps the promises of PRODUCT.md."""

import re
from types import SimpleNamespace

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
    return [
        SimpleNamespace(slug=t.slug, body=t.body, **t.data.model_dump())
        for t in read_content(CONTENT_DIR).terms
    ]


def test_every_core_term_and_at_least_twenty_more_exist(terms):
    slugs = {t.slug for t in terms}

    assert set(CORE_SLUGS) <= slugs
    assert len(slugs - set(CORE_SLUGS)) >= 20
    assert len(slugs) >= 70


@pytest.mark.parametrize(
    "query, slug",
    [
        ("IRB", "irb"), ("CoA", "certificate-of-analysis"), ("SAD", "single-ascending-dose"),
        ("qualified person", "qualified-person"), ("work order", "statement-of-work"), ("483", "form-fda-483"),
        ("MSA", "master-services-agreement"), ("PPQ", "process-performance-qualification"), ("eCTD", "common-technical-document"),
        ("ICH", "ich"), ("FDA", "fda"), ("CFR", "cfr"), ("biosimilar", "biosimilar"), ("CAPA", "capa"),
    ],
)  # fmt: skip
def test_a_newcomers_first_words_are_found_under_their_usual_names(glossary, query, slug):
    from glossary.search import search

    assert search(query).hits[0].term.slug == slug


def test_every_summary_is_short_plain_text(terms):
    for term in terms:
        assert len(term.summary.split()) <= 30, term.slug
        assert not re.search(r"[*_`\[\]<>]", term.summary), term.slug


def test_every_entry_cites_a_primary_source(terms):
    # Other senses of an abbreviation ("chief medical officer") are outside the field: no regulation defines them.
    for term in (t for t in terms if not t.sense):
        hosts = [re.match(r"https://([^/]+)/", source["url"]).group(1) for source in term.sources]
        assert any(host in PRIMARY_SOURCE_HOSTS for host in hosts), term.slug


def test_every_entry_has_a_body_with_an_example_and_links(terms, glossary):
    linking = set(Term.objects.filter(links__isnull=False).values_list("slug", flat=True))
    for term in terms:
        words = len(term.body.split())
        assert 100 <= words <= 600, (term.slug, words)
        assert "example" in term.body.lower(), term.slug
        assert term.slug in linking, term.slug
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
    for abbreviation in ("CMO", "CRO", "NDA", "CTA", "PV", "EC"):
        meanings = senses[abbreviation]
        assert len(meanings) == 2, abbreviation
        assert sum(not t.sense for t in meanings) == 1, abbreviation  # one main sense


def test_a_load_in_small_batches_stores_what_a_save_of_each_term_renders(db, monkeypatch):
    monkeypatch.setattr("glossary.content.write.BATCH", 4)
    load_content(CONTENT_DIR)
    loaded = {
        t.slug: (t.body_html, sorted(t.links.values_list("slug", flat=True))) for t in Term.objects.all()
    }

    for term in Term.objects.all():
        term.save()  # the admin's path, and the shell's: rendered from the database

    saved = {
        t.slug: (t.body_html, sorted(t.links.values_list("slug", flat=True))) for t in Term.objects.all()
    }
    assert saved == loaded
    assert all(html for html, _ in loaded.values())
