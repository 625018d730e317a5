"""One owner per record: what an editor changes in the admin survives every load, files own the rest,
two writers never interleave, and files are held to the models' own limits."""

import shutil
import threading

import pytest
from django.db import connection, models, transaction
from django.utils import timezone
from reversion.models import Version

from glossary.content import ContentError, EditConflict, load_content
from glossary.models import Alias, Category, Comparison, Stage, Term, lock_content
from glossary.quiz.models import Option, Question, Quiz
from tests.conftest import CONTENT_DIR, problems_of, term_file, term_form


def post(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def comparison_form(comparison, **changes):
    return {
        "title": comparison.title,
        "slug": comparison.slug,
        "summary": comparison.summary,
        "term_slugs": ", ".join(t.slug for t in comparison.ordered_terms()),
        "aspect_slugs": ", ".join(a.slug for a in comparison.ordered_aspects()),
        "body": comparison.body,
        "reviewed": comparison.reviewed or "",
        "seen": comparison.updated.isoformat(),
        **changes,
    }


def question_form(question, **changes):
    options = list(question.options.all())
    data = {
        "quiz": question.quiz_id,
        "key": question.key,
        "position": question.position,
        "scenario": question.scenario,
        "prompt": question.prompt,
        "choose": question.choose,
        "seen": question.updated.isoformat(),
        "options-TOTAL_FORMS": len(options),
        "options-INITIAL_FORMS": len(options),
    }
    for i, o in enumerate(options):
        data |= {
            f"options-{i}-id": o.pk,
            f"options-{i}-question": question.pk,
            f"options-{i}-position": o.position,
            f"options-{i}-key": o.key,
            f"options-{i}-text": o.text,
            f"options-{i}-feedback": o.feedback,
            f"options-{i}-cites": ", ".join(str(c) for c in o.citations.all()),
        }
        if o.correct:
            data[f"options-{i}-correct"] = "on"
    return data | changes


# Admin edits survive loads, for every model an editor can change.


def test_admin_edits_of_every_editable_entry_survive_a_load(authored, editor):
    cmo = Term.objects.get(slug="cmo")
    post(editor, f"/admin/glossary/term/{cmo.pk}/change/", term_form(cmo, summary="Edited term.") | {
        "aliases-TOTAL_FORMS": "1", "aliases-0-name": "toll manufacturer",
    })  # fmt: skip
    comparison = Comparison.objects.get(slug="cro-vs-cmo")
    post(
        editor,
        f"/admin/glossary/comparison/{comparison.pk}/change/",
        comparison_form(comparison, summary="Edited."),
    )
    question = Question.objects.get(key="formulation-still-changing")
    data = question_form(question, scenario="An edited scenario.")
    cmo_option = next(k for k, v in data.items() if v == "cmo" and k.endswith("-key")).replace(
        "-key", "-feedback"
    )
    data[cmo_option] = "An edited option's feedback, with a [[cmo]] link."
    post(editor, f"/admin/quiz/question/{question.pk}/change/", data)

    report = load_content(authored)

    assert Term.objects.get(slug="cmo").summary == "Edited term."
    assert Alias.objects.filter(term__slug="cmo", name="toll manufacturer").exists()
    assert Comparison.objects.get(slug="cro-vs-cmo").summary == "Edited."
    question.refresh_from_db()
    assert question.scenario == "An edited scenario."
    assert "An edited option" in Option.objects.get(question=question, key="cmo").feedback_html
    assert report.counts["terms"].kept == ["cmo"]
    assert report.counts["comparisons"].kept == ["cro-vs-cmo"]
    assert report.counts["quizzes"].kept == ["which-fits"]
    assert not report.changed


def test_files_own_categories_aspects_the_timeline_and_the_advisor(authored, editor):
    category = Category.objects.get(slug="quality")
    stage = Stage.objects.first()

    page = editor.get("/admin/glossary/category/").content.decode()
    refused = editor.post(
        f"/admin/glossary/category/{category.pk}/change/", {"name": "Changed", "slug": "quality"}
    )

    assert "content/categories.yml" in page and "read-only here" in page
    assert refused.status_code == 403
    assert editor.post(f"/admin/glossary/stage/{stage.pk}/delete/", {"post": "yes"}).status_code == 403
    assert editor.get("/admin/glossary/aspect/add/").status_code == 403
    assert "content/advisor.yml" in editor.get("/admin/quiz/advisor/").content.decode()
    assert Category.objects.get(pk=category.pk).name == "Manufacturing and quality"


def test_everything_editable_has_a_history_and_a_revert_restores_that_entry_alone(authored, editor):
    cro, sponsor = Term.objects.get(slug="cro"), Term.objects.get(slug="sponsor")
    loaded_summary = cro.summary
    post(
        editor,
        f"/admin/glossary/term/{cro.pk}/change/",
        term_form(cro, summary="A mistaken edit.", body="New body.\n"),
    )
    post(editor, f"/admin/glossary/term/{sponsor.pk}/change/", term_form(sponsor, summary="A good edit."))
    as_loaded = Version.objects.get_for_object(cro).order_by("pk").first()
    assert "Loaded from terms/cro.md" in as_loaded.revision.comment

    old = Term.objects.get(pk=cro.pk)
    old.summary, old.body = loaded_summary, as_loaded.field_dict["body"]
    data = term_form(old) | {"seen": as_loaded.field_dict["updated"].isoformat()}
    post(editor, f"/admin/glossary/term/{cro.pk}/history/{as_loaded.pk}/", data)

    cro.refresh_from_db()
    assert cro.summary == loaded_summary
    assert 'href="/terms/sponsor/"' in cro.body_html  # rendered by the save, not restored as stored
    assert Term.objects.get(pk=sponsor.pk).summary == "A good edit."
    for model in (Comparison, Quiz, Question):
        assert Version.objects.get_for_model(model).exists() or model.objects.exists()


# Two writers never interleave.


def test_the_second_of_two_editors_is_refused_and_keeps_their_text(authored, editor, client):
    cro = Term.objects.get(slug="cro")
    first = term_form(cro, summary="The first editor's summary.")
    second = term_form(cro, summary="The second editor's summary.")  # opened at the same time

    post(editor, f"/admin/glossary/term/{cro.pk}/change/", first)
    response = editor.post(f"/admin/glossary/term/{cro.pk}/change/", second)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Not saved: this entry was changed by editor at" in page
    assert "The second editor&#x27;s summary." in page or "The second editor's summary." in page
    assert Term.objects.get(pk=cro.pk).summary == "The first editor's summary."


@pytest.mark.django_db(transaction=True)
def test_a_load_waits_for_an_admin_save_and_then_sees_its_edit(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    load_content(root)
    path = root / "terms" / "cro.md"
    path.write_text(path.read_text().replace("sponsor's trial duties", "sponsor's duties in a trial"))
    saving, saved = threading.Event(), threading.Event()

    def admin_save():
        try:
            with transaction.atomic():
                lock_content()
                saving.set()
                saved.wait(timeout=1)  # the load reads and renders meanwhile, then waits for the lock
                cro = Term.objects.get(slug="cro")
                cro.summary, cro.edited = "Saved in the admin.", timezone.now()
                cro.save()
        finally:
            connection.close()

    thread = threading.Thread(target=admin_save)
    thread.start()
    saving.wait(timeout=10)
    try:
        with pytest.raises(EditConflict) as caught:
            load_content(root)  # its plan, made before the save committed, said "update cro"
    finally:
        saved.set()
        thread.join()

    assert "was edited in the admin" in str(caught.value)
    assert Term.objects.get(slug="cro").summary == "Saved in the admin."


# Files are held to the models' limits, with path:line, on every database.


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("title", "T" * 250, "“title”: Ensure this value has at most 200 characters (it has 250)."),
        ("summary", "S" * 2000, "“summary”: Ensure this value has at most 400 characters (it has 2000)."),
        (
            "abbreviation",
            "A" * 31,
            "“abbreviation”: Ensure this value has at most 30 characters (it has 31).",
        ),
    ],
)
def test_a_value_longer_than_its_field_is_refused_with_path_and_line(content, db, key, value, message):
    keys = {"title": "Long", "summary": "Short.", key: value}
    content.write("long", term_file(**keys))

    problems = problems_of(content.path)

    line = {"title": 2, "summary": 3}.get(key, 4)
    assert problems == [f"{content.path / 'terms' / 'long.md'}:{line}: {message}"]
    assert not Term.objects.exists()


def test_the_database_refuses_an_overlong_summary_too(db):
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - IntegrityError, as each database words it
        Term.objects.create(slug="x", title="X", summary="S" * 401)


@pytest.mark.django_db(transaction=True)
def test_a_field_added_with_a_default_is_filled_by_a_load(content):
    field = models.CharField(max_length=20, default="plain")
    field.set_attributes_from_name("register")
    with connection.schema_editor() as schema:
        schema.add_field(Term, field)
    Term.add_to_class("register", field)
    try:
        content.write("cro", term_file("Contract research organization", "Runs trials."))

        load_content(content.path)

        assert list(Term.objects.values_list("register", flat=True)) == ["plain"]
    finally:
        with connection.schema_editor() as schema:
            schema.remove_field(Term, field)
        Term._meta.local_fields.remove(field)
        Term._meta._expire_cache()
        delattr(Term, "register")


def test_a_save_outside_the_admin_stores_rendered_html_and_its_links(db):
    Term.objects.create(
        slug="cro", title="Contract research organization", abbreviation="CRO", summary="Runs."
    )

    sponsor = Term.objects.create(slug="sponsor", title="Sponsor", summary="Pays.", body="Hires a [[cro]].")

    assert sponsor.body_html == (
        '<p>Hires a <a class="term-link" data-term="cro" href="/terms/cro/" rel="noopener noreferrer">CRO</a>.</p>'
    )
    assert list(sponsor.links.values_list("slug", flat=True)) == ["cro"]


def test_a_broken_file_changes_nothing_even_after_admin_edits(authored, editor):
    cro = Term.objects.get(slug="cro")
    post(editor, f"/admin/glossary/term/{cro.pk}/change/", term_form(cro, summary="Edited."))
    (authored / "terms" / "zz.md").write_text("---\ntitle: [\n---\n")

    with pytest.raises(ContentError):
        load_content(authored)

    assert Term.objects.get(pk=cro.pk).summary == "Edited."


def test_a_quiz_edited_in_the_admin_survives_a_load(authored, editor):
    quiz = Quiz.objects.get(slug="which-fits")
    questions = list(quiz.questions.all())
    data = {
        "title": quiz.title, "slug": quiz.slug, "summary": "An edited summary.", "body": quiz.body,
        "seen": quiz.updated.isoformat(),
        "questions-TOTAL_FORMS": len(questions), "questions-INITIAL_FORMS": len(questions),
    }  # fmt: skip
    for i, q in enumerate(questions):
        data |= {f"questions-{i}-id": q.pk, f"questions-{i}-quiz": quiz.pk, f"questions-{i}-position": q.position,
                 f"questions-{i}-key": q.key, f"questions-{i}-prompt": q.prompt, f"questions-{i}-choose": q.choose}  # fmt: skip
    post(editor, f"/admin/quiz/quiz/{quiz.pk}/change/", data)

    report = load_content(authored)

    assert Quiz.objects.get(pk=quiz.pk).summary == "An edited summary."
    assert report.counts["quizzes"].kept == ["which-fits"]
