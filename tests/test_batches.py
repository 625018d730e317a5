"""Writing many rows: glossary.batches.insert() and replace_rows(), which the loader and the search
index use."""

import datetime

import pytest
from django.db import IntegrityError

from glossary.batches import insert, replace_rows
from glossary.models import Alias, SearchWord, Term


def test_insert_writes_every_row_or_none(transactional_db):
    rows = [("cmo", "cmo"), ("cro", "cro"), ("cmo", "cmo")]  # the last breaks the unique constraint

    with pytest.raises(IntegrityError):
        insert(SearchWord, ("word", "variant"), rows, size=1)

    assert not SearchWord.objects.exists()


def test_insert_can_pass_over_rows_already_there(db):
    insert(SearchWord, ("word", "variant"), [("cmo", "cmo")])

    insert(SearchWord, ("word", "variant"), [("cmo", "cmo"), ("cmo", "mo")], ignore_conflicts=True)

    assert sorted(SearchWord.objects.values_list("variant", flat=True)) == ["cmo", "mo"]


def test_insert_prepares_dates_and_times_as_their_fields_do(db):
    loaded = datetime.datetime(2026, 11, 26, 9, 30, tzinfo=datetime.UTC)
    values = {
        **{name: "" for name in ("abbreviation", "body", "body_html", "sense", "source_file", "source_hash")},
        "slug": "cmo",
        "title": "CMO",
        "summary": "Makes drugs.",
        "autolink": True,
        "reviewed": datetime.date(2026, 11, 25),
        "loaded": loaded,
        "created": loaded,
        "updated": loaded,
    }

    insert(Term, tuple(values), [tuple(values.values())])

    term = Term.objects.get()
    assert (term.reviewed, term.loaded, term.created) == (datetime.date(2026, 11, 25), loaded, loaded)


def test_replace_rows_deletes_only_the_rows_of_the_stale_owners(db, make_term):
    cmo, cro, cdmo = (make_term(slug=slug, title=slug.upper()) for slug in ("cmo", "cro", "cdmo"))
    insert(Alias, ("term_id", "name"), [(cmo.pk, "old cmo name"), (cro.pk, "cro name")])

    # cmo's rows are replaced, cro's stay, and cdmo, new, gets its first.
    replace_rows(Alias, "term_id", [cmo.pk], ("term_id", "name"), [(cmo.pk, "new"), (cdmo.pk, "first")])

    assert sorted(Alias.objects.values_list("term__slug", "name")) == [
        ("cdmo", "first"),
        ("cmo", "new"),
        ("cro", "cro name"),
    ]
