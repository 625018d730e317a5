"""export_glossary: the database back to content files. Load, export, load, export is a fixed point."""

import string
from io import StringIO

import yaml
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glossary.content import load_content
from glossary.content.export import export_content
from glossary.models import Category, Term
from tests.conftest import CONTENT_DIR


def read_tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_real_glossary_survives_a_round_trip(db, tmp_path):
    load_content(CONTENT_DIR)
    export_content(tmp_path / "first")

    report = load_content(tmp_path / "first")
    export_content(tmp_path / "second")

    assert not report.changed
    assert read_tree(tmp_path / "first") == read_tree(tmp_path / "second")
    assert (
        len(read_tree(tmp_path / "first")) == len(list(CONTENT_DIR.rglob("*.md"))) + 4 - 1
    )  # + 4 yml - README


def test_the_command_writes_the_documented_format(db, tmp_path):
    load_content(CONTENT_DIR)
    out = StringIO()

    call_command("export_glossary", str(tmp_path), stdout=out)

    text = (tmp_path / "terms" / "cmo.md").read_text()
    assert text.startswith("---\ntitle: Contract manufacturing organization\nabbreviation: CMO\n")
    assert "related: [cdmo, cgmp, cro, quality-agreement, sponsor, technology-transfer]\n" in text
    assert "files written" in out.getvalue()


def test_an_admin_edit_is_written_back_to_its_file(admin_client, db, tmp_path):
    load_content(CONTENT_DIR)
    Term.objects.filter(slug="cro").update(summary="Edited in the admin.")

    export_content(tmp_path)

    assert "summary: Edited in the admin.\n" in (tmp_path / "terms" / "cro.md").read_text()


# Property: any content a person could write round-trips, awkward text included.

awkward_text = (
    st.text(
        alphabet=st.sampled_from(
            list(string.ascii_letters + string.digits + " :'\"#-|*_`é中€—") + ["\u00a0"]
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
bodies = st.lists(
    st.sampled_from(
        [
            "A plain paragraph with “quotes”, colons: and an em dash — here.",
            "| a | b |\n| --- | --- |\n| 1 | 2 |",
            "## A heading\n\nText under it.",
            "- one\n- two",
            "```\ncode: [not a link]\n```",
            "Ünïcödé, 中文 and €.",
            "",
        ]
    ),
    max_size=4,
).map(lambda parts: "\n\n".join(parts) + ("\n" if parts else ""))


@st.composite
def glossaries(draw):
    count = draw(st.integers(1, 4))
    titles = draw(st.lists(awkward_text, min_size=count, max_size=count, unique_by=str.casefold))
    terms = {}
    for i, title in enumerate(titles):
        front = {"title": title, "summary": draw(awkward_text)}
        if draw(st.booleans()):
            front["aliases"] = draw(st.lists(awkward_text, max_size=3, unique_by=str.casefold))
        if draw(st.booleans()):
            front["related"] = [f"t{j}" for j in range(count) if j != i and draw(st.booleans())]
        if draw(st.booleans()):
            front["sources"] = [{"title": draw(awkward_text), "url": "https://example.org/a?b=1&c=d:e"}]
        if draw(st.booleans()):
            front["category"] = "general"
        terms[f"t{i}"] = (front, draw(bodies))
    return terms


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(glossary=glossaries())
def test_any_content_is_a_fixed_point_of_load_and_export(db, tmp_path_factory, glossary):
    Term.objects.all().delete()
    Category.objects.all().delete()
    source = tmp_path_factory.mktemp("source")
    (source / "terms").mkdir()
    (source / "categories.yml").write_text("- slug: general\n  name: General\n")
    for slug, (front, body) in glossary.items():
        text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" + body
        (source / "terms" / f"{slug}.md").write_text(text, encoding="utf-8")

    load_content(source, prune=True)
    first = tmp_path_factory.mktemp("first")
    export_content(first)
    report = load_content(first, prune=True)
    second = tmp_path_factory.mktemp("second")
    export_content(second)

    assert not report.changed, report.counts
    assert read_tree(first) == read_tree(second)
    for slug, (front, body) in glossary.items():
        term = Term.objects.get(slug=slug)
        assert term.title == front["title"]
        assert term.body == body
        assert [a.name for a in term.aliases.all()] == front.get("aliases", [])
