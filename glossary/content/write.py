"""Stage 4 of a load: carry out the plan in one transaction, holding the content lock. Edits are
checked again once the lock is held: an admin save made while the load read and rendered is kept (or
is a conflict), never overwritten. Only what the plan says changed is written, with model defaults.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from glossary.apps import one_version_bump
from glossary.content.plan import CREATE, REMOVE, RERENDER, UNCHANGED, UPDATE, make_plan
from glossary.content.render import render_plan
from glossary.models import (
    Alias,
    Aspect,
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
    refresh_statistics,
)
from glossary.quiz.models import ADVISOR_SLUG, Advisor, Option, Quiz
from glossary.search import write_index

BATCH = 500


@dataclass
class Counts:
    """The slugs of one kind of entry, by what the load did with them."""

    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    kept: list = field(default_factory=list)  # edited in the admin, file unchanged: the edit stands
    deleted: list = field(default_factory=list)  # deleted in the admin, file still there until export
    missing: list = field(default_factory=list)  # file deleted: kept until --prune

    @property
    def written(self):
        return len(self.created) + len(self.updated) + len(self.removed)

    @property
    def changed(self):
        return self.written > 0

    @classmethod
    def of(cls, steps):
        counts = cls()
        for step in steps:  # a re-rendered entry's file did not change: it counts as unchanged
            getattr(counts, UNCHANGED if step.action == RERENDER else step.action).append(step.slug)
        return counts


@dataclass
class Report:
    counts: dict  # {"terms": Counts, ...}

    @property
    def changed(self):
        return self.written > 0

    @property
    def written(self):
        return sum(c.written for c in self.counts.values())


LARGE_LOAD = 200  # entries written: enough to change how the tables are best read (refresh_statistics)


def write_plan(content, plan, dry_run=False, **options):
    """Write `plan` (for `content`, made with `options`); returns the Report."""
    with transaction.atomic(), one_version_bump() as changes:
        lock_content()
        # Edits are checked again now that no admin save can come in between: one made while this
        # load read and rendered is kept, or is a conflict.
        if plan.outdated():
            plan = make_plan(content, **options)
            render_plan(content, plan)
        plan.refuse()
        record(plan, (UPDATE, REMOVE), "Admin edit, kept before load_glossary replaced it", edits_only=True)
        remove(plan)  # first, so that a new file may take a removed entry's title
        report = Report(
            {
                "categories": write_entries(Category, content.categories),
                "aspects": write_entries(Aspect, content.aspects),
                "terms": write_terms(plan),
                "comparisons": write_comparisons(plan),
                "timeline": write_timeline(content.timeline, plan.former),
                "quizzes": write_quizzes(plan),
                "advisor": write_advisor(content.advisor, plan),
            }
        )
        record(plan, (UPDATE,), "Loaded from {} by load_glossary")
        if plan.digest != plan.stored_digest:
            ContentVersion.current()
            ContentVersion.objects.filter(pk=1).update(loaded_names=plan.digest)
        if report.changed:
            changes.append("load")  # rows written in bulk send no signals
        if dry_run:  # the same path as a real load, so the report is exact; then nothing is kept
            changes.clear()
            transaction.set_rollback(True)
        elif report.written > LARGE_LOAD:
            refresh_statistics()
    return report


def record(plan, actions, comment, edits_only=False):
    """A revision of each entry the plan's `actions` change ("{}" in `comment`: its file's name), or,
    with `edits_only`, of each admin edit they replace. An entry a load creates gets none: the admin
    records its first ("as loaded") before it changes it."""
    for steps in plan.steps.values():
        for step in steps:
            if step.action in actions and step.row and (step.row.edited_since_load or not edits_only):
                step.row.save_version(comment.format(step.file and step.file.name))


def write_entries(model, file):
    """Categories and aspects, owned by their files: made to match them exactly."""
    return Counts(**model.objects.sync(file.data if file else []))


def save_documents(model, plan, values):
    """Create and update the rows of `model`'s steps that write their files; returns ({slug: id} of
    every row written, [ids of those updated]): only updated rows have owned rows to replace."""
    now = timezone.now()
    created, updated, fields = [], [], []
    for step in plan.of(model, CREATE, UPDATE):
        data = {**values(step), "source_file": step.file.name, "source_hash": step.file.digest, "loaded": now}
        fields = [*data, "slug", "updated"]
        if step.action == CREATE:
            created.append(model(slug=step.slug, **data))
        else:
            for name, value in {**data, "slug": step.slug, "updated": now}.items():
                setattr(step.row, name, value)
            updated.append(step.row)
    Deletion.objects.filter(kind=model._meta.model_name, slug__in=[r.slug for r in created]).delete()
    model.objects.bulk_create(created, batch_size=BATCH)
    if updated:
        model.objects.bulk_update(updated, fields, batch_size=BATCH)
    return {row.slug: row.pk for row in [*created, *updated]}, [row.pk for row in updated]


def replace(model, owner, ids, rows):
    """Delete the rows of `model` owned (through `owner`) by `ids` (a new owner owns none yet), and
    insert `rows`, dicts of their fields (models.insert_rows: a load writes hundreds of thousands)."""
    for start in range(0, len(ids), BATCH):
        model.objects.filter(**{f"{owner}__in": ids[start : start + BATCH]}).delete()
    insert_rows(model, rows)


def rerender(model, plan):
    """The steps of `model` whose files are as they were but whose HTML is rendered anew (a name of
    some term changed), with their stored HTML replaced."""
    steps = plan.of(model, RERENDER)
    for step in steps:
        step.row.body_html = step.rendered["body_html"]
    model.objects.bulk_update([s.row for s in steps], ["body_html"], batch_size=BATCH)
    return steps


def links_of(model, plan, written, ids, slugs):
    """Replace the links that the rendered bodies of `model` make to terms."""
    steps = [*plan.of(model, CREATE, UPDATE, RERENDER)]
    through, owner = model.links.through, "from_term" if model is Term else "comparison"
    rows = [
        {f"{owner}_id": written.get(s.slug) or s.row.pk, f"{'to_' if model is Term else ''}term_id": slugs[t]}
        for s in steps
        for t in s.rendered["links"]
    ]
    replace(through, owner, [*ids, *(s.row.pk for s in plan.of(model, RERENDER))], rows)


def term_ids(plan):
    """{slug: id} of every term, former slugs included."""
    slugs = dict(Term.objects.values_list("slug", "id"))
    return slugs | {old: slugs[new] for old, new in plan.former.items() if new in slugs}


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

    steps = plan.of(Term, CREATE, UPDATE)
    FormerSlug.objects.filter(slug__in=[s.slug for s in steps]).delete()  # a slug in use again
    written, ids = save_documents(Term, plan, values)
    owned = [(written[s.slug], s.file.data, s.rendered) for s in steps]
    replace(Alias, "term", ids, [{"term_id": pk, "name": n} for pk, d, _ in owned for n in d.aliases])
    sources = [{"term_id": pk, "title": x.title, "url": x.url} for pk, d, _ in owned for x in d.sources]
    replace(Source, "term", ids, sources)
    former = [{"term_id": pk, "slug": old} for pk, d, _ in owned for old in d.former_slugs]
    replace(FormerSlug, "term", ids, former)
    facets = [(pk, a, text, r["facets"][a]) for pk, d, r in owned for a, text in d.facets.items()]
    rerendered = rerender(Term, plan)
    for facet in Facet.objects.filter(term__in=[s.row.pk for s in rerendered]).select_related("aspect"):
        facets.append((facet.term_id, facet.aspect.slug, facet.text, next(
            s.rendered["facets"][facet.aspect.slug] for s in rerendered if s.row.pk == facet.term_id
        )))  # fmt: skip
    replace(Facet, "term", [*ids, *(s.row.pk for s in rerendered)], [
        {"term_id": pk, "aspect_id": aspects[a], "text": text, "text_html": html} for pk, a, text, html in facets
    ])  # fmt: skip
    slugs = term_ids(plan)  # relations last: they need every term to exist
    replace(Term.related.through, "from_term", ids, [
        {"from_term_id": pk, "to_term_id": slugs[r]} for pk, d, _ in owned for r in d.related
    ])  # fmt: skip
    links_of(Term, plan, written, ids, slugs)
    # Re-rendered terms are indexed again too: what renders them anew (a new name, a new
    # RENDERER_VERSION) can change how their words are found.
    indexed = [(pk, s) for s, (pk, _, _) in zip(steps, owned, strict=True)] + [
        (s.row.pk, s) for s in rerendered
    ]
    write_index(
        [(pk, d.title, d.abbreviation, d.aliases, d.summary, s.file.body, s.rendered["search"])
         for pk, s in indexed for d in [s.file.data]],
        new=set(written.values()) - set(ids),
    )  # fmt: skip
    return Counts.of(plan.steps[Term])


def write_comparisons(plan):
    written, ids = save_documents(Comparison, plan, lambda s: {
        "title": s.file.data.title, "summary": s.file.data.summary, "body": s.file.body,
        "body_html": s.rendered["body_html"], "reviewed": s.file.data.reviewed,
    })  # fmt: skip
    steps = plan.of(Comparison, CREATE, UPDATE)
    slugs, aspects = term_ids(plan), dict(Aspect.objects.values_list("slug", "id"))
    replace(ComparisonTerm, "comparison", ids, [
        {"comparison_id": written[s.slug], "term_id": slugs[t], "position": i}
        for s in steps for i, t in enumerate(s.file.data.terms)
    ])  # fmt: skip
    replace(ComparisonAspect, "comparison", ids, [
        {"comparison_id": written[s.slug], "aspect_id": aspects[a], "position": i}
        for s in steps for i, a in enumerate(s.file.data.aspects)
    ])  # fmt: skip
    rerender(Comparison, plan)
    links_of(Comparison, plan, written, ids, slugs)
    return Counts.of(plan.steps[Comparison])


def write_timeline(file, former):
    """The timeline is content/timeline.yml's alone (models.StageQuerySet.sync_timeline)."""
    stages, bands = (file.data.stages, file.data.bands) if file else ([], [])
    terms = dict(Term.objects.values_list("slug", "id"))
    named = {*(s.term for s in stages), *(b.term for b in bands)}
    term = {slug: terms[former.get(slug, slug)] for slug in named}
    done = Stage.objects.sync_timeline(
        [(s.slug, s.name, term[s.term], s.description) for s in stages],
        [(term[b.term], b.label, b.kind, b.start, b.end, b.note) for b in bands],
    )
    return Counts(**{done: ["timeline"]}) if stages or done == "removed" else Counts()


def write_quizzes(plan):
    written, _ = save_documents(Quiz, plan, lambda s: {
        "title": s.file.data.title, "summary": s.file.data.summary, "body": s.file.body,
        "body_html": s.rendered["body_html"],
    })  # fmt: skip
    for step in plan.of(Quiz, CREATE, UPDATE):
        Quiz(pk=written[step.slug]).replace_questions(step.file.data.questions, step.rendered["feedback"])
    for step in rerender(Quiz, plan):
        options = list(Option.objects.filter(question__quiz=step.row).select_related("question"))
        for option in options:
            option.feedback_html = step.rendered["feedback"][option.question.key, option.key]
        Option.objects.bulk_update(options, ["feedback_html"])
    return Counts.of(plan.steps[Quiz])


def write_advisor(file, plan):
    """The advisor is advisor.yml's alone (quiz.models.AdvisorQuerySet.sync)."""
    d = file and file.data
    done = Advisor.objects.sync(d and {
        "title": d.title, "intro": d.intro, "questions": [q.model_dump() for q in d.questions],
        "partners": [{**p.model_dump(), "term": plan.former.get(p.term, p.term)} for p in d.partners],
        "rules": [{**r.model_dump(), "because_html": html} for r, html in zip(d.rules, plan.advisor_html, strict=True)],
    })  # fmt: skip
    return Counts(**{done: [ADVISOR_SLUG]}) if done else Counts()


def remove(plan):
    """Entries whose files were deleted, with --prune: quizzes, then comparisons, then terms."""
    for model in (Quiz, Comparison, Term):
        model.objects.filter(pk__in=[s.row.pk for s in plan.of(model, REMOVE)]).delete()
