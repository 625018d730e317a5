"""Stage 4 of a load: carry out the plan in one transaction, holding the content lock.

Edits are checked again once the lock is held, so an admin save made while the load read and
rendered is kept (or is a conflict), never overwritten. Rows are written with bulk_create and
bulk_update, which fill every model default; only what the plan says changed is written.
"""

from dataclasses import dataclass, field

import reversion
from django.db import transaction
from django.utils import timezone

from glossary.apps import one_version_bump
from glossary.content.plan import (
    CREATE,
    DELETED,
    KEPT,
    MISSING,
    REMOVE,
    RERENDER,
    UNCHANGED,
    UPDATE,
    make_plan,
)
from glossary.content.read import ContentError
from glossary.content.render import render_plan
from glossary.models import (
    Alias,
    Aspect,
    Band,
    Category,
    Comparison,
    ComparisonAspect,
    ComparisonTerm,
    ContentVersion,
    Deletion,
    Facet,
    FormerSlug,
    Source,
    Stage,
    Term,
    insert_rows,
    lock_content,
)
from glossary.quiz.models import Advisor, Citation, Option, Question, Quiz
from glossary.search import write_index

BATCH = 500
ADVISOR_SLUG = "partner"


@dataclass
class Counts:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    kept: list = field(default_factory=list)  # edited in the admin, file unchanged: the edit stands
    missing: list = field(default_factory=list)  # file deleted: kept until --prune
    deleted: list = field(default_factory=list)  # deleted in the admin, file still there until export

    def __str__(self):
        text = (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )
        if self.kept:
            text += f", {len(self.kept)} admin edit{'s' if len(self.kept) != 1 else ''} kept"
        if self.deleted:
            text += f", {len(self.deleted)} deleted in the admin"
        if self.missing:
            text += f", {len(self.missing)} without a file (kept; --prune removes them)"
        return text

    @property
    def changed(self):
        return bool(self.created or self.updated or self.removed)

    @classmethod
    def of(cls, steps):
        counts = cls()
        names = {CREATE: "created", UPDATE: "updated", RERENDER: "updated", UNCHANGED: "unchanged",
                 REMOVE: "removed", KEPT: "kept", MISSING: "missing", DELETED: "deleted"}  # fmt: skip
        for step in steps:
            getattr(counts, names[step.action]).append(step.slug)
        return counts


@dataclass
class Report:
    counts: dict  # {"terms": Counts, ...}

    @property
    def changed(self):
        return any(c.changed for c in self.counts.values())


class EditConflict(ContentError):
    """Entries changed in the admin whose files changed too: the load would lose someone's work."""


def write_plan(content, plan, dry_run=False, **options):
    """Write `plan` (for `content`, made with `options`); returns the Report."""
    with transaction.atomic(), one_version_bump() as changes:
        lock_content()
        # Edits are checked again now that no admin save can come in between: one made while this
        # load read and rendered is kept, or is a conflict.
        locked = make_plan(content, **options) if plan.outdated() else plan
        if locked.problems:
            raise ContentError(locked.problems)
        if locked.conflicts():
            raise EditConflict(locked.conflicts())
        if locked is not plan and locked.digest == plan.digest:  # what was rendered stands
            rendered = {
                (m, s.slug, s.file.digest): s.rendered
                for m, steps in plan.steps.items()
                for s in steps
                if s.file
            }
            for model, steps in locked.steps.items():
                for step in steps:
                    if step.file is not None:
                        step.rendered = rendered.get((model, step.slug, step.file.digest))
            locked.advisor_html = plan.advisor_html
        render_plan(content, locked)
        keep_replaced_edits(locked)
        remove(locked)  # first, so that a new file may take a removed entry's title
        report = Report(
            {
                "categories": write_entries(Category, content.categories),
                "aspects": write_entries(Aspect, content.aspects),
                "terms": write_terms(locked),
                "comparisons": write_comparisons(locked),
                "timeline": write_timeline(content.timeline, locked.former),
                "quizzes": write_quizzes(locked),
                "advisor": write_advisor(content.advisor, locked),
            }
        )
        record_revisions(locked)
        if locked.digest != locked.stored_digest:
            ContentVersion.current()
            ContentVersion.objects.filter(pk=1).update(loaded_names=locked.digest)
        if report.changed:
            changes.append("load")  # rows written in bulk send no signals
        if dry_run:
            # The same path as a real load, so the report is exact; then nothing is kept.
            changes.clear()
            transaction.set_rollback(True)
    return report


def keep_replaced_edits(plan):
    """Before --overwrite-edits replaces admin edits: a revision of each, to find it again in History."""
    for model, steps in plan.steps.items():
        for step in steps:
            if step.action in (UPDATE, REMOVE) and step.row is not None and step.row.edited_since_load:
                save_revision(
                    model.objects.get(pk=step.row.pk),
                    "Admin edit, kept before load_glossary --overwrite-edits replaced it",
                )


def record_revisions(plan):
    """One revision per entry a load changed, so that reverting one entry reverts nothing else.
    An entry the load created has none: the admin records its first ("as loaded") before changing it."""
    for model, steps in plan.steps.items():
        for step in steps:
            if step.action == UPDATE and step.row is not None:
                save_revision(
                    model.objects.get(pk=step.row.pk), f"Loaded from {step.file.name} by load_glossary"
                )


def save_revision(entry, comment, date=None):
    with reversion.create_revision(atomic=False):
        reversion.set_comment(comment)
        if date:
            reversion.set_date_created(date)
        reversion.add_to_revision(entry)


def write_entries(model, file):
    """Categories and aspects, owned by their files: made to match them exactly."""
    entries = file.data if file else []
    existing = {e.slug: e for e in model.objects.all()}
    counts = Counts(removed=[slug for slug in existing if slug not in {e.slug for e in entries}])
    model.objects.filter(slug__in=counts.removed).delete()
    for position, entry in enumerate(entries):
        values = {"name": entry.name, "description": entry.description, "position": position}
        current = existing.get(entry.slug)
        if current is None:
            model.objects.create(slug=entry.slug, **values)
            counts.created.append(entry.slug)
        elif any(getattr(current, k) != v for k, v in values.items()):
            model.objects.filter(pk=current.pk).update(**values)
            counts.updated.append(entry.slug)
        else:
            counts.unchanged.append(entry.slug)
    return counts


def settle(model, plan, stored_parts=None, rendered_parts=None):
    """The RERENDER steps whose HTML came out different from what is stored; the others are UNCHANGED."""
    steps = plan.of(model, RERENDER)
    pks = [s.row.pk for s in steps]
    stored = dict(model.objects.filter(pk__in=pks).values_list("pk", "body_html"))
    parts = stored_parts(pks) if stored_parts else {}
    changed = []
    for step in steps:
        same = stored[step.row.pk] == step.rendered["body_html"]
        if same and rendered_parts:
            same = all(parts.get(key) == html for key, html in rendered_parts(step).items())
        if same:
            step.action = UNCHANGED
        else:
            changed.append(step)
    return changed


def save_documents(model, plan, values):
    """Create and update the rows of `model`'s steps that write.

    Returns ({slug: id} of every row written, [ids of the rows updated]): only those own rows to replace.
    """
    now = timezone.now()
    created, updated, fields = [], [], []
    for step in plan.of(model, CREATE, UPDATE):
        data = {**values(step), "source_file": step.file.name, "source_hash": step.file.digest, "loaded": now}
        fields = list(data)
        if step.action == CREATE:
            created.append(model(slug=step.slug, **data))
        else:
            for name, value in data.items():
                setattr(step.row, name, value)
            step.row.slug, step.row.updated = step.slug, now
            updated.append(step.row)
    Deletion.objects.filter(kind=model._meta.model_name, slug__in=[r.slug for r in created]).delete()
    model.objects.bulk_create(created, batch_size=BATCH)
    model.objects.bulk_update(updated, [*fields, "slug", "updated"], batch_size=BATCH)
    return {row.slug: row.pk for row in [*created, *updated]}, [row.pk for row in updated]


def replace(model, owner, ids, rows):
    """Delete the rows of `model` owned (through `owner`) by `ids`, and create `rows` (model instances,
    or dicts for the many rows of links: see models.insert_rows).

    Rows just created own nothing yet: a first load deletes nothing.
    """
    for start in range(0, len(ids), BATCH):
        model.objects.filter(**{f"{owner}__in": ids[start : start + BATCH]}).delete()
    if rows and isinstance(rows[0], dict):
        insert_rows(model, rows)
    else:
        model.objects.bulk_create(rows, batch_size=BATCH)


def write_terms(plan):
    categories = dict(Category.objects.values_list("slug", "id"))
    aspects = dict(Aspect.objects.values_list("slug", "id"))

    def values(step):
        d = step.file.data
        return {
            "title": d.title, "abbreviation": d.abbreviation, "summary": d.summary, "body": step.file.body,
            "body_html": step.rendered["body_html"], "category_id": categories.get(d.category),
            "reviewed": d.reviewed, "sense": d.sense, "autolink": d.autolink,
        }  # fmt: skip

    FormerSlug.objects.filter(slug__in=[s.slug for s in plan.of(Term, CREATE, UPDATE)]).delete()
    written, ids = save_documents(Term, plan, values)
    steps = plan.of(Term, CREATE, UPDATE)
    replace(
        Alias,
        "term",
        ids,
        [Alias(term_id=written[s.slug], name=n) for s in steps for n in s.file.data.aliases],
    )
    replace(Source, "term", ids, [
        Source(term_id=written[s.slug], title=src.title, url=src.url) for s in steps for src in s.file.data.sources
    ])  # fmt: skip
    replace(Facet, "term", ids, [
        Facet(term_id=written[s.slug], aspect_id=aspects[a], text=text, text_html=s.rendered["facets"][a])
        for s in steps for a, text in s.file.data.facets.items()
    ])  # fmt: skip
    replace(FormerSlug, "term", ids, [
        FormerSlug(term_id=written[s.slug], slug=old) for s in steps for old in s.file.data.former_slugs
    ])  # fmt: skip
    rerendered = settle(Term, plan, lambda pks: {
        (f.term_id, f.aspect.slug): f.text_html for f in Facet.objects.filter(term__in=pks).select_related("aspect")
    }, lambda step: {(step.row.pk, a): html for a, html in step.rendered["facets"].items()})  # fmt: skip
    for step in rerendered:
        step.row.body_html = step.rendered["body_html"]
    Term.objects.bulk_update([s.row for s in rerendered], ["body_html"], batch_size=BATCH)
    facets = {(f.term_id, f.aspect.slug): f for f in Facet.objects.filter(
        term__in=[s.row.pk for s in rerendered]).select_related("aspect")}  # fmt: skip
    for (term_id, aspect), facet in facets.items():
        facet.text_html = next(s.rendered["facets"][aspect] for s in rerendered if s.row.pk == term_id)
    Facet.objects.bulk_update(facets.values(), ["text_html"], batch_size=BATCH)

    # Relations last: they need every term to exist.
    slugs = dict(Term.objects.values_list("slug", "id"))
    slugs |= {old: slugs[new] for old, new in plan.former.items() if new in slugs}
    replace(Term.related.through, "from_term", ids, [
        {"from_term_id": written[s.slug], "to_term_id": slugs[r]} for s in steps for r in s.file.data.related
    ])  # fmt: skip
    linking = {written.get(s.slug) or s.row.pk: s.rendered["links"] for s in [*steps, *rerendered]}
    replace(Term.links.through, "from_term", [*ids, *(s.row.pk for s in rerendered)], [
        {"from_term_id": pk, "to_term_id": slugs[t]} for pk, linked in linking.items() for t in linked
    ])  # fmt: skip
    write_index(
        [
            (
                written[s.slug],
                d.title,
                d.abbreviation,
                d.aliases,
                d.summary,
                s.file.body,
                s.rendered["search"],
            )
            for s in steps
            for d in [s.file.data]
        ],
        new=set(written.values()) - set(ids),
    )
    return Counts.of(plan.steps[Term])


def write_comparisons(plan):
    def values(step):
        d = step.file.data
        return {"title": d.title, "summary": d.summary, "body": step.file.body,
                "body_html": step.rendered["body_html"], "reviewed": d.reviewed}  # fmt: skip

    written, ids = save_documents(Comparison, plan, values)
    steps = plan.of(Comparison, CREATE, UPDATE)
    terms = dict(Term.objects.values_list("slug", "id"))
    terms |= {old: terms[new] for old, new in plan.former.items() if new in terms}
    aspects = dict(Aspect.objects.values_list("slug", "id"))
    replace(ComparisonTerm, "comparison", ids, [
        ComparisonTerm(comparison_id=written[s.slug], term_id=terms[t], position=i)
        for s in steps for i, t in enumerate(s.file.data.terms)
    ])  # fmt: skip
    replace(ComparisonAspect, "comparison", ids, [
        ComparisonAspect(comparison_id=written[s.slug], aspect_id=aspects[a], position=i)
        for s in steps for i, a in enumerate(s.file.data.aspects)
    ])  # fmt: skip
    rerendered = settle(Comparison, plan)
    for step in rerendered:
        step.row.body_html = step.rendered["body_html"]
    Comparison.objects.bulk_update([s.row for s in rerendered], ["body_html"])
    links = Comparison.links.through
    linked = [*steps, *rerendered]
    replace(links, "comparison", [*ids, *(s.row.pk for s in rerendered)], [
        links(comparison_id=written.get(s.slug) or s.row.pk, term_id=terms[t]) for s in linked for t in s.rendered["links"]
    ])  # fmt: skip
    return Counts.of(plan.steps[Comparison])


def write_timeline(file, former):
    """The timeline is content/timeline.yml's alone, and small: replaced whole when it changed."""
    counts = Counts()
    stages = file.data.stages if file else []
    bands = file.data.bands if file else []
    slug = lambda s: former.get(s, s)  # noqa: E731
    have = (
        [(s.slug, s.name, s.term.slug, s.description) for s in Stage.objects.select_related("term")],
        [(b.term.slug, b.label, b.kind, b.start.slug, b.end.slug, b.note)
         for b in Band.objects.select_related("term", "start", "end")],
    )  # fmt: skip
    want = (
        [(s.slug, s.name, slug(s.term), s.description) for s in stages],
        [(slug(b.term), b.label, b.kind, b.start, b.end, b.note) for b in bands],
    )
    if have == want:
        counts.unchanged += ["timeline"] if stages else []
        return counts
    (counts.removed if not stages else counts.updated if have[0] else counts.created).append("timeline")
    Band.objects.all().delete()
    Stage.objects.all().delete()
    terms = dict(Term.objects.values_list("slug", "id"))
    Stage.objects.bulk_create(
        Stage(slug=s.slug, name=s.name, term_id=terms[slug(s.term)], description=s.description, position=i)
        for i, s in enumerate(stages)
    )
    ids = dict(Stage.objects.values_list("slug", "id"))
    Band.objects.bulk_create(
        Band(term_id=terms[slug(b.term)], label=b.label, kind=b.kind, start_id=ids[b.start], end_id=ids[b.end],
             note=b.note, position=i)
        for i, b in enumerate(bands)
    )  # fmt: skip
    return counts


def write_quizzes(plan):
    written, _ = save_documents(Quiz, plan, lambda s: {
        "title": s.file.data.title, "summary": s.file.data.summary, "body": s.file.body,
        "body_html": s.rendered["body_html"],
    })  # fmt: skip
    comparisons = dict(Comparison.objects.values_list("slug", "id"))
    aspects = dict(Aspect.objects.values_list("slug", "id"))
    for step in plan.of(Quiz, CREATE, UPDATE):
        write_questions(written[step.slug], step, comparisons, aspects)
    feedback = lambda pks: {  # noqa: E731
        (o.question.quiz_id, o.question.key, o.key): o.feedback_html
        for o in Option.objects.filter(question__quiz__in=pks).select_related("question")
    }
    for step in settle(
        Quiz, plan, feedback, lambda s: {(s.row.pk, *k): v for k, v in s.rendered["feedback"].items()}
    ):
        options = Option.objects.filter(question__quiz=step.row).select_related("question")
        for option in options:
            option.feedback_html = step.rendered["feedback"][option.question.key, option.key]
        Option.objects.bulk_update(options, ["feedback_html"])
        Quiz.objects.filter(pk=step.row.pk).update(body_html=step.rendered["body_html"])
    return Counts.of(plan.steps[Quiz])


def write_questions(quiz_id, step, comparisons, aspects):
    """A quiz's questions and options, updated in place by their ids, so that statistics follow them."""
    questions = step.file.data.questions
    Question.objects.filter(quiz_id=quiz_id).exclude(key__in=[q.key for q in questions]).delete()
    existing = {q.key: q for q in Question.objects.filter(quiz_id=quiz_id)}
    for position, entry in enumerate(questions):
        question = existing.get(entry.key) or Question(quiz_id=quiz_id, key=entry.key)
        question.scenario, question.prompt, question.choose = entry.scenario, entry.prompt, entry.choose
        question.position = position
        question.save()
        question.options.exclude(key__in=[o.key for o in entry.options]).delete()
        options = {o.key: o for o in question.options.all()}
        for i, o in enumerate(entry.options):
            option = options.setdefault(o.key, Option(question=question, key=o.key))
            option.text, option.correct, option.feedback, option.position = o.text, o.correct, o.feedback, i
            option.feedback_html = step.rendered["feedback"][entry.key, o.key]
        Option.objects.bulk_create([o for o in options.values() if o.pk is None])
        Option.objects.bulk_update(
            list(options.values()), ["text", "correct", "feedback", "feedback_html", "position"]
        )
        replace(Citation, "option", [o.pk for o in options.values()], [
            Citation(option=options[o.key], comparison_id=comparisons[c], aspect_id=aspects[a], position=n)
            for o in entry.options for n, (c, _, a) in enumerate(cite.partition("#") for cite in o.cites)
        ])  # fmt: skip


def write_advisor(file, plan):
    """The advisor is advisor.yml's alone: written whole when anything in it changed."""
    counts = Counts()
    current = Advisor.objects.filter(slug=ADVISOR_SLUG).first()
    if file is None:
        if current:
            current.delete()
            counts.removed.append(ADVISOR_SLUG)
        return counts
    d = file.data
    values = {
        "title": d.title,
        "intro": d.intro,
        "questions": [q.model_dump() for q in d.questions],
        "partners": [{**p.model_dump(), "term": plan.former.get(p.term, p.term)} for p in d.partners],
        "rules": [
            {**r.model_dump(), "because_html": html}
            for r, html in zip(d.rules, plan.advisor_html, strict=True)
        ],
    }
    if current is None:
        Advisor.objects.create(slug=ADVISOR_SLUG, **values)
        counts.created.append(ADVISOR_SLUG)
    elif any(getattr(current, k) != v for k, v in values.items()):
        Advisor.objects.filter(pk=current.pk).update(**values)
        counts.updated.append(ADVISOR_SLUG)
    else:
        counts.unchanged.append(ADVISOR_SLUG)
    return counts


def remove(plan):
    """Entries whose files were deleted, with --prune: quizzes, then comparisons, then terms."""
    for model in (Quiz, Comparison, Term):
        model.objects.filter(pk__in=[s.row.pk for s in plan.of(model, REMOVE)]).delete()
