"""load_glossary: checks everything first, reports file:line problems, writes all or nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from glossary.content import load_content
from glossary.models import Alias, Category, Source, Term
from tests.conftest import problems_of, term_file

CMO = term_file(
    "Contract manufacturing organization",
    "A company that makes medicines for another company.",
    abbreviation="CMO",
    aliases="[contract manufacturer]",
    category="organizations",
    related="[cro]",
    sources="\n  - title: 21 CFR 211.22\n    url: https://www.ecfr.gov/current/title-21/part-211/section-211.22",
    reviewed="2026-11-25",
    body="A CMO often works beside a [[cro]] and under [[cro|a research partner's]] eye.\n",
)
CRO = term_file(
    "Contract research organization", "A company that runs trials for a sponsor.", abbreviation="CRO"
)


def load(path, *args):
    out, err = StringIO(), StringIO()
    call_command("load_glossary", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def database_state():
    return (
        list(Term.objects.values_list("slug", "title", "summary", "body_html", "updated")),
        list(Alias.objects.values_list("term__slug", "name")),
        list(Source.objects.values_list("term__slug", "title", "url")),
        list(Term.related.through.objects.values_list("from_term__slug", "to_term__slug")),
        list(Category.objects.values_list("slug", "name")),
    )


@pytest.fixture
def good(content, db):
    content.write("cmo", CMO)
    content.write("cro", CRO)
    return content


def test_it_loads_terms_with_everything_they_own(good):
    out, _ = load(good.path)

    assert "Terms: 2 created, 0 updated, 0 unchanged, 0 removed." in out
    cmo = Term.objects.get(slug="cmo")
    assert cmo.title == "Contract manufacturing organization"
    assert cmo.abbreviation == "CMO"
    assert cmo.category.slug == "organizations"
    assert [a.name for a in cmo.aliases.all()] == ["contract manufacturer"]
    assert [(s.title, s.url) for s in cmo.sources.all()] == [
        ("21 CFR 211.22", "https://www.ecfr.gov/current/title-21/part-211/section-211.22")
    ]
    assert cmo.reviewed.isoformat() == "2026-11-25"
    assert list(cmo.related.values_list("slug", flat=True)) == ["cro"]
    assert list(cmo.links.values_list("slug", flat=True)) == ["cro"]


def test_it_renders_wikilinks_with_default_and_custom_labels(good):
    load(good.path)

    html = Term.objects.get(slug="cmo").body_html
    assert 'href="/terms/cro/"' in html
    assert '">CRO</a>' in html
    assert "a research partner&#39;s</a>" in html or "a research partner's</a>" in html
    assert "[[" not in html


def planned_rows(table):
    """How many rows the database's query planner believes `table` holds; None if it never looked."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            rows = cursor.fetchone()[0]
            return rows if rows >= 0 else None
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone():
            return None
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        row = cursor.fetchone()
        return int(row[0].split()[0]) if row else None


def test_a_large_load_leaves_postgresql_planning_for_the_rows_it_wrote(content, db):
    for n in range(250):
        content.write(f"term-{n}", term_file(f"Term number {n}", related=f"[term-{(n + 1) % 250}]"))

    load_content(content.path)

    # SQLite plans the site's queries as well without statistics, and is left without them.
    expected = 250 if connection.vendor == "postgresql" else None
    assert planned_rows("glossary_term") == expected
    assert planned_rows("glossary_term_related") == expected


def test_a_second_run_over_unchanged_content_writes_nothing(good):
    load(good.path)
    before = database_state()

    with CaptureQueriesContext(connection) as queries:
        out, _ = load(good.path)

    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert "Terms: 0 created, 0 updated, 2 unchanged, 0 removed." in out
    assert "Everything was already up to date." in out
    assert database_state() == before


def test_a_first_load_deletes_nothing_as_there_is_nothing_to_replace(good):
    with CaptureQueriesContext(connection) as queries:
        load(good.path)

    assert Term.objects.count() == 2
    assert [q["sql"] for q in queries if q["sql"].split()[0].upper() == "DELETE"] == []


def test_a_reload_writes_only_the_terms_whose_files_changed(good):
    load(good.path)
    cmo = Term.objects.values_list("updated", "body_html").get(slug="cmo")
    good.write("cro", CRO + "Now with a body.\n")

    out, _ = load(good.path)

    assert Term.objects.values_list("updated", "body_html").get(slug="cmo") == cmo
    assert "Terms: 0 created, 1 updated, 1 unchanged, 0 removed." in out
    assert "Now with a body." in Term.objects.get(slug="cro").body_html


def test_after_an_admin_change_the_next_load_reads_every_file_again(good):
    load(good.path)
    Term.objects.get(slug="cro").delete()  # as the admin does: a save or delete marks the change

    load(good.path)

    assert Term.objects.filter(slug="cro").exists()


def test_it_updates_only_the_term_whose_file_changed(good):
    load(good.path)
    good.write("cro", CRO.replace("runs trials", "runs clinical trials"))

    out, _ = load(good.path)

    assert "Terms: 0 created, 1 updated, 1 unchanged, 0 removed." in out
    assert Term.objects.get(slug="cro").summary == "A company that runs clinical trials for a sponsor."


def test_a_changed_abbreviation_updates_the_links_to_it(good):
    load(good.path)
    good.write("cro", CRO.replace("abbreviation: CRO", "abbreviation: C.R.O."))

    out, _ = load(good.path)

    # cmo's file did not change: its stored HTML is rendered anew, and it counts as unchanged.
    assert "Terms: 0 created, 1 updated, 1 unchanged, 0 removed." in out
    assert '">C.R.O.</a>' in Term.objects.get(slug="cmo").body_html


def test_it_replaces_changed_aliases_and_sources(good):
    load(good.path)
    good.write("cmo", CMO.replace("[contract manufacturer]", "[contract manufacturer, toll manufacturer]"))

    load(good.path)

    names = list(Alias.objects.filter(term__slug="cmo").values_list("name", flat=True))
    assert names == ["contract manufacturer", "toll manufacturer"]
    assert Source.objects.filter(term__slug="cmo").count() == 1


def test_it_removes_terms_whose_files_are_gone(good):
    load(good.path)
    good.write(
        "cmo",
        CMO.replace("related: [cro]", "related: []")
        .replace("[[cro]]", "CRO")
        .replace("[[cro|a research partner's]]", "a partner's"),
    )
    good.remove("cro")

    out, _ = load(good.path, "--prune")

    assert "Terms: 0 created, 1 updated, 0 unchanged, 1 removed." in out
    assert list(Term.objects.values_list("slug", flat=True)) == ["cmo"]


def test_a_renamed_file_keeps_its_title(good):
    load(good.path)
    good.remove("cro")
    good.write("contract-research-organization", CRO)
    good.write("cmo", CMO.replace("cro", "contract-research-organization"))

    out, _ = load(good.path, "--prune")

    assert "1 created, 1 updated, 0 unchanged, 1 removed" in out
    assert Term.objects.get(title="Contract research organization").slug == "contract-research-organization"


def test_dry_run_reports_what_would_change_and_writes_nothing(good):
    load(good.path)
    good.write("cro", CRO.replace("runs trials", "runs clinical trials"))
    good.write(
        "cdmo", term_file("Contract development and manufacturing organization", "Develops and makes.")
    )
    before = database_state()

    out, _ = load(good.path, "--dry-run")

    assert "Dry run: nothing was written." in out
    assert "Terms: 1 created, 1 updated, 1 unchanged, 0 removed." in out
    assert database_state() == before


def test_verbose_output_names_each_change(good):
    out, _ = load(good.path, "--verbosity", "2")

    assert "  created: cmo" in out
    assert "  created: cro" in out


# Bad input: every problem reported as path:line: message, and nothing written.

BAD_FILES = [
    ("empty", b"", "empty.md:1: the file is empty"),
    ("blank", b"  \n\n", "blank.md:1: the file is empty"),
    ("no-front-matter", b"title: X\nsummary: Y\n", "no-front-matter.md:1: no front matter"),
    (
        "unclosed",
        b"---\ntitle: X\nsummary: Y\n",
        "unclosed.md:1: the front matter that starts here is never closed",
    ),
    ("broken-yaml", b"---\ntitle: X\nsummary: [unclosed\n---\n", "broken-yaml.md:4: broken YAML"),
    ("bad-indent", b"---\ntitle: X\n  summary: Y\n---\n", "bad-indent.md:3: broken YAML"),
    ("not-a-mapping", b"---\n- a list\n---\n", "not-a-mapping.md:2: Input should be a valid dictionary"),
    ("no-title", b"---\nsummary: Y\n---\n", "no-title.md:2: \u201ctitle\u201d is missing"),
    (
        "empty-title",
        b"---\ntitle:\nsummary: Y\n---\n",
        "empty-title.md:2: \u201ctitle\u201d is missing or empty: it is required",
    ),
    (
        "blank-summary",
        b"---\ntitle: X\nsummary: '  '\n---\n",
        "blank-summary.md:3: \u201csummary\u201d: This field cannot be blank.",
    ),
    (
        "number-title",
        b"---\ntitle: 2024\nsummary: Y\n---\n",
        "number-title.md:2: \u201ctitle\u201d: Input should be a valid string",
    ),
    (
        "alias-text",
        b"---\ntitle: X\nsummary: Y\naliases: CMO\n---\n",
        "alias-text.md:4: \u201caliases\u201d: Input should be a valid list",
    ),
    (
        "bad-date",
        b"---\ntitle: X\nsummary: Y\nreviewed: last week\n---\n",
        "bad-date.md:4: \u201creviewed\u201d: Input should be a valid date",
    ),
    (
        "number-date",
        b"---\ntitle: X\nsummary: Y\nreviewed: 12\n---\n",
        "number-date.md:4: \u201creviewed\u201d: Input should be a valid date written YYYY-MM-DD",
    ),
    (
        "impossible-date",
        b"---\ntitle: X\nsummary: Y\nreviewed: 2026-02-30\n---\n",
        "impossible-date.md:4: \u201creviewed\u201d: Input should be a valid date or datetime, day value is "
        "outside expected range written YYYY-MM-DD",
    ),
    (
        "unknown-key",
        b"---\ntitle: X\nsummary: Y\ntitel: Z\n---\n",
        "unknown-key.md:4: unknown key \u201ctitel\u201d: did you mean \u201ctitle\u201d?",
    ),
    (
        "twice",
        b"---\ntitle: X\nsummary: Y\ntitle: Z\n---\n",
        "twice.md:4: \u201ctitle\u201d is given twice (first on line 2)",
    ),
    (
        "Bad_Name",
        b"---\ntitle: X\nsummary: Y\n---\n",
        "Bad_Name.md:1: \u201cBad_Name.md\u201d is not a valid slug",
    ),
    ("latin1", "---\ntitle: Caf\u00e9\nsummary: Y\n---\n".encode("latin-1"), "latin1.md:2: not UTF-8 text"),
    (
        "missing-related",
        b"---\ntitle: X\nsummary: Y\nrelated: [nope]\n---\n",
        "missing-related.md:4: related term \u201cnope\u201d does not exist",
    ),
    (
        "self-related",
        b"---\ntitle: X\nsummary: Y\nrelated: [self-related]\n---\n",
        "self-related.md:4: a term cannot list itself",
    ),
    (
        "missing-link",
        b"---\ntitle: X\nsummary: Y\n---\nFirst line.\n\nSee [[nope]].\n",
        "missing-link.md:7: [[nope]] links to a term that does not exist",
    ),
    (
        "bad-category",
        b"---\ntitle: X\nsummary: Y\ncategory: nope\n---\n",
        "bad-category.md:4: category \u201cnope\u201d is not in categories.yml",
    ),
    (
        "bad-url",
        b"---\ntitle: X\nsummary: Y\nsources:\n  - title: A rule\n    url: javascript:alert(1)\n---\n",
        "bad-url.md:6: \u201csources.0.url\u201d: Enter a valid URL.",
    ),
    (
        "untitled-source",
        b"---\ntitle: X\nsummary: Y\nsources:\n  - url: https://example.org/\n---\n",
        "untitled-source.md:5: \u201csources.0.title\u201d is missing or empty: it is required",
    ),
]


@pytest.mark.parametrize("name, data, expected", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_it_reports_bad_input_with_file_and_line_and_loads_nothing(good, name, data, expected):
    load(good.path)
    before = database_state()
    good.raw(f"{name}.md", data)

    problems = problems_of(good.path)

    assert any(p.startswith(f"{good.path / 'terms'}/{expected}") for p in problems), problems
    assert database_state() == before


def test_two_terms_with_the_same_title_are_refused(good):
    good.write(
        "contract-research", CRO.replace("Contract research organization", "contract RESEARCH organization")
    )

    problems = problems_of(good.path)

    assert problems == [
        f"{good.path / 'terms' / 'cro.md'}:2: title “Contract research organization” is already used by "
        f"{good.path / 'terms' / 'contract-research.md'}"
    ]


def test_it_reports_every_problem_of_every_file_in_one_run(good):
    good.raw("one.md", b"")
    good.raw("two.md", b"---\ntitle: X\nsummary: Y\ntitel: Z\n---\n")

    problems = problems_of(good.path)

    assert [p.rsplit("/", 1)[1] for p in problems] == [
        "one.md:1: the file is empty",
        "two.md:4: unknown key “titel”: did you mean “title”?",
    ]


def test_once_each_file_is_right_every_problem_between_files_is_reported_in_one_run(good):
    good.raw("one.md", b"---\ntitle: X\nsummary: Y\nrelated: [nope]\n---\n")
    good.raw("two.md", b"---\ntitle: Z\nsummary: Y\ncategory: none\n---\nSee [[missing]].\n")

    problems = problems_of(good.path)

    assert [p.rsplit("/", 1)[1] for p in problems] == [
        "one.md:4: related term “nope” does not exist",
        "two.md:4: category “none” is not in categories.yml",
    ]


def test_one_bad_file_beside_good_ones_loads_nothing(good):
    good.raw("bad.md", b"---\ntitle: [\n---\n")

    with pytest.raises(CommandError, match="1 problem found"):
        load(good.path)

    assert Term.objects.count() == 0
    assert Category.objects.count() == 0


def test_the_command_prints_each_problem_and_fails(good):
    good.raw("bad.md", b"---\ntitle: X\n---\n")
    err = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("load_glossary", str(good.path), stdout=StringIO(), stderr=err)

    assert (
        f"{good.path / 'terms' / 'bad.md'}:2: “summary” is missing or empty: it is required" in err.getvalue()
    )
    assert "nothing was loaded" in str(caught.value)


def test_a_file_that_is_not_markdown_is_reported(good):
    good.raw("notes.txt", b"hello")

    assert problems_of(good.path) == [
        f"{good.path / 'terms' / 'notes.txt'}:1: not a content file: these are named <slug>.md"
    ]


def test_a_missing_content_directory_is_reported(tmp_path, db):
    assert problems_of(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}:1: no such content directory"]


def test_broken_categories_are_reported_with_their_line(good):
    (good.path / "categories.yml").write_text("- slug: ok\n  name: OK\n- slug: Not OK\n  name: Bad\n")
    good.write("cmo", CMO.replace("category: organizations", "category: ok"))

    assert problems_of(good.path) == [
        f"{good.path / 'categories.yml'}:3: “1.slug”: Use lowercase letters, digits and single hyphens, "
        "for example “phase-1”."
    ]


def test_categories_are_synced_in_file_order(good):
    load(good.path)
    (good.path / "categories.yml").write_text(
        "- slug: quality\n  name: Manufacturing and quality\n- slug: organizations\n  name: Organizations\n"
    )

    out, _ = load(good.path)

    assert "Categories: 0 created, 2 updated, 0 unchanged, 0 removed." in out
    assert list(Category.objects.values_list("slug", flat=True)) == ["quality", "organizations"]
