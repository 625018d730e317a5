"""Files and the admin round-trip: export writes the admin's edits into the author's files, changing
only what was edited, and the next load agrees; deletions and renames travel the same way."""

import difflib
import string
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glossary.content import EditConflict, load_content, read_content
from glossary.content.export import export_content
from glossary.models import Category, Comparison, Deletion, Term
from glossary.quiz.models import Option, Question
from glossary.search import search
from tests.conftest import term_form


def read_tree(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def changed_lines(before, after):
    """The lines removed and added between two versions of a file."""
    diff = difflib.ndiff(before.decode().splitlines(), after.decode().splitlines())
    return [line for line in diff if line[:1] in "+-"]


def edit_term(client, which, **changes):
    term = Term.objects.get(slug=which)
    response = client.post(f"/admin/glossary/term/{term.pk}/change/", term_form(term, **changes))
    assert response.status_code == 302, response.content.decode()[:3000]


def test_export_of_unedited_content_changes_no_file(authored):
    before = read_tree(authored)

    result = export_content(authored)

    assert result.written == result.removed == result.refused == []
    assert read_tree(authored) == before


def test_an_export_changes_only_the_edited_lines_of_the_edited_entries(authored, editor):
    before = read_tree(authored)
    cmo = Term.objects.get(slug="cmo")
    new_summary = "A company that makes medicines, or parts of them, for another company under a contract."

    edit_term(editor, "cmo", summary=new_summary)
    export_content(authored)

    after = read_tree(authored)
    assert [name for name in after if after[name] != before[name]] == ["terms/cmo.md"]
    assert changed_lines(before["terms/cmo.md"], after["terms/cmo.md"]) == [
        f"- summary: {cmo.summary}",
        f"+ summary: {new_summary}",
    ]


def test_edit_export_load_export_load_is_a_fixed_point(authored, editor):
    edit_term(editor, "cro", summary="A company hired by a sponsor to run some of its trial duties.")
    question = Question.objects.get(key="formulation-still-changing")
    Option.objects.filter(question=question, key="cmo").update(feedback="Not yet: nothing is settled.")
    question.quiz.edited = question.quiz.updated
    question.quiz.save()

    export_content(authored)
    first = read_tree(authored)
    report = load_content(authored)
    again = export_content(authored)
    second = load_content(authored)

    assert not report.changed and not second.changed
    assert not report.counts["terms"].kept  # the edit is in its file now: nothing left to keep
    assert again.written == []
    assert read_tree(authored) == first
    assert "Not yet: nothing is settled." in first["quizzes/which-fits.md"].decode()


def test_export_refuses_to_overwrite_a_file_changed_on_disk(authored, editor):
    edit_term(editor, "cro", summary="Edited in the admin.")
    path = authored / "terms" / "cro.md"
    path.write_text(path.read_text().replace("sponsor's", "the sponsor's"))
    changed = path.read_bytes()

    with pytest.raises(CommandError, match="left as they were"):
        call_command("export_glossary", str(authored), stdout=StringIO(), stderr=StringIO())
    assert path.read_bytes() == changed

    call_command("export_glossary", str(authored), "--force", stdout=StringIO())
    assert "summary: Edited in the admin.\n" in path.read_text()


def test_the_file_written_for_an_entry_made_in_the_admin_loads_back_the_same(authored, editor):
    data = term_form(
        Term(
            slug="letter-of-intent",
            title="Letter of intent",
            summary="A short letter that says two companies mean to sign a contract.",
        ),
        abbreviation="LOI",
        body="An LOI lets a [[cro]] start planning before the contract is signed.\n",
    )
    assert editor.post("/admin/glossary/term/add/", data).status_code == 302

    export_content(authored)
    (read,) = [t for t in read_content(authored).terms if t.slug == "letter-of-intent"]

    assert (read.data.title, read.data.abbreviation) == ("Letter of intent", "LOI")
    assert read.body == "An LOI lets a [[cro]] start planning before the contract is signed.\n"
    assert not load_content(authored).changed


def test_an_admin_delete_is_carried_out_by_export_and_sticks(authored, editor, client):
    record = Term.objects.get(slug="batch-record")
    # The entries whose files link to it in so many words (a mention linked automatically is not in a file).
    linking = set(Term.objects.filter(body__contains="[[batch-record").values_list("slug", flat=True))

    page = editor.get(f"/admin/glossary/term/{record.pk}/delete/").content.decode()
    assert "Their links to it become plain text" in page
    assert editor.post(f"/admin/glossary/term/{record.pk}/delete/", {"post": "yes"}).status_code == 302

    report = load_content(authored)  # before export: the file is still there
    assert report.counts["terms"].deleted == ["batch-record"]
    assert not Term.objects.filter(slug="batch-record").exists()

    result = export_content(authored)
    assert "terms/batch-record.md" in result.removed
    assert not (authored / "terms" / "batch-record.md").exists()
    assert not load_content(authored).changed  # the unlinked texts are in their files now
    assert linking <= {name.split("/")[1][:-3] for name in result.written}

    assert client.get("/terms/batch-record/").status_code == 410
    assert all(h.term.slug != "batch-record" for h in search("batch record").hits)
    assert "/terms/batch-record/" not in client.get("/sitemap.xml").content.decode()
    assert client.get("/api/terms/batch-record.json").status_code == 404
    for term in Term.objects.all():
        assert 'data-term="batch-record"' not in term.body_html
        assert "[[batch-record" not in term.body


@pytest.mark.parametrize(
    "slug, why",
    [
        ("cro", "Comparison: CRO vs CMO (change its terms first)"),
        ("ind", "Timeline stage: IND (content/timeline.yml)"),
        ("quality-agreement", "Advisor: Which partner fits my program? (content/advisor.yml)"),
    ],
)
def test_a_term_named_by_a_comparison_or_a_file_owned_entry_cannot_be_deleted(authored, editor, slug, why):
    term = Term.objects.get(slug=slug)

    response = editor.post(f"/admin/glossary/term/{term.pk}/delete/", {"post": "yes"})

    assert response.status_code == 200  # the "cannot delete" page
    assert why in response.content.decode()
    assert Term.objects.filter(slug=slug).exists()


def test_a_slug_renamed_in_the_admin_redirects_and_travels_through_export(authored, editor, client):
    edit_term(editor, "cro", slug="contract-research-organization")

    assert client.get("/terms/cro/").status_code == 301
    assert client.get("/terms/cro/")["Location"] == "/terms/contract-research-organization/"
    sponsor = Term.objects.get(slug="sponsor")
    assert "[[contract-research-organization" in sponsor.body and "[[cro]]" not in sponsor.body
    assert 'href="/terms/contract-research-organization/"' in sponsor.body_html
    before_export = load_content(authored)  # the old file still holds the entry
    assert not before_export.counts["terms"].changed and not before_export.counts["comparisons"].changed
    assert before_export.counts["advisor"].updated  # advisor.yml names the old slug: it follows

    result = export_content(authored)

    assert "terms/cro.md" in result.removed and not (authored / "terms" / "cro.md").exists()
    text = (authored / "terms" / "contract-research-organization.md").read_text()
    assert "former_slugs: [cro]\n" in text
    assert (
        "cro"
        not in (authored / "comparisons" / "cro-vs-cmo.md").read_text().split("terms:")[1].split("\n")[0]
    )
    report = load_content(authored)
    assert report.counts["terms"].created == [] and report.counts["terms"].removed == []

    Term.objects.all().delete()  # a fresh database, loaded from the exported files
    Comparison.objects.all().delete()
    load_content(authored)
    assert client.get("/terms/cro/")["Location"] == "/terms/contract-research-organization/"


def test_an_author_renaming_a_file_keeps_the_entry_and_its_address(authored, client):
    old = authored / "terms" / "glp.md"
    text = old.read_text().replace("title:", "former_slugs: [glp]\ntitle:", 1)
    (authored / "terms" / "good-laboratory-practice.md").write_text(text)
    old.unlink()
    glp = Term.objects.get(slug="glp")

    report = load_content(authored)

    assert report.counts["terms"].created == [] and report.counts["terms"].missing == []
    assert Term.objects.get(pk=glp.pk).slug == "good-laboratory-practice"
    assert client.get("/terms/glp/")["Location"] == "/terms/good-laboratory-practice/"


def test_a_conflict_names_the_file_the_entry_who_and_when(authored, editor):
    edit_term(editor, "cro", summary="Edited in the admin.")
    path = authored / "terms" / "cro.md"
    path.write_text(path.read_text().replace("sponsor's", "the sponsor's"))

    with pytest.raises(EditConflict) as caught:
        load_content(authored)

    (problem,) = caught.value.problems
    assert problem.path.endswith("terms/cro.md")
    assert "“cro” was edited in the admin by editor at" in problem.message
    assert Term.objects.get(slug="cro").summary == "Edited in the admin."


def test_discarding_an_edit_takes_the_file(authored, editor, settings):
    settings.CONTENT_DIR = authored
    edit_term(editor, "cro", summary="A mistaken edit.")
    cro = Term.objects.get(slug="cro")
    listed = editor.get("/admin/glossary/term/?unexported=yes").content.decode()
    assert "Contract research organization" in listed and "Sponsor" not in listed

    response = editor.post("/admin/glossary/term/", {"action": "take_file", "_selected_action": [cro.pk]})

    assert response.status_code == 302
    cro.refresh_from_db()
    assert cro.summary != "A mistaken edit." and not cro.edited_since_load


# Property: whatever awkward text an editor types, its file loads back as the same entry.

awkward_text = (
    st.text(
        alphabet=st.sampled_from(
            list(string.ascii_letters + string.digits + " :'\"#-|*_`é中€—") + ["\u00a0"]
        ),
        min_size=1,
        max_size=120,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=awkward_text,
    summary=awkward_text,
    aliases=st.lists(awkward_text, max_size=3, unique_by=str.casefold),
)
def test_any_text_an_editor_types_is_a_fixed_point_of_export_and_load(
    db, tmp_path_factory, title, summary, aliases
):
    Term.objects.all().delete()
    Category.objects.all().delete()
    Deletion.objects.all().delete()
    root = tmp_path_factory.mktemp("content")
    (root / "terms").mkdir()
    term = Term.objects.create(slug="t", title=title, summary=summary, body="Text.\n", edited=timezone.now())
    for name in aliases:
        term.aliases.create(name=name)

    export_content(root)
    (read,) = read_content(root).terms

    assert (read.data.title, read.data.summary, read.data.aliases) == (title, summary, aliases)
    assert not load_content(root).changed
    assert export_content(root).written == []


def test_a_question_deleted_in_the_admin_leaves_its_quiz_file_and_stays_gone(authored, editor):
    question = Question.objects.get(key="formulation-still-changing")

    response = editor.post(f"/admin/quiz/question/{question.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    export_content(authored)

    text = (authored / "quizzes" / "which-fits.md").read_text()
    assert "id: formulation-still-changing" not in text
    assert "id: many-trial-sites" in text
    assert not load_content(authored).changed
    assert not Question.objects.filter(key="formulation-still-changing").exists()


def test_every_content_file_is_already_in_the_form_export_writes(authored):
    from glossary.quiz.models import Quiz

    before = read_tree(authored)
    # As if every entry had been saved in the admin without a change.
    for model in (Term, Comparison, Quiz):
        model.objects.update(edited=timezone.now())

    result = export_content(authored)

    assert len(result.written) == Term.objects.count() + Comparison.objects.count() + Quiz.objects.count()
    changed = {
        name: changed_lines(before[name], data)
        for name, data in read_tree(authored).items()
        if data != before[name]
    }
    assert changed == {}
