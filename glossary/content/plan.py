"""Stage 2 of a load: compare what was read with the database and decide, entry by entry, what to do.

A file meets its entry by the file's name (so an entry renamed in the admin meets its old file), its
slug, or a `former_slugs` entry (a file renamed by its author). Its SHA-256 against the stored one says
whether it changed; `edited` against `loaded`, whether the admin changed the entry since. Nothing here
writes."""

import hashlib
import json
from dataclasses import dataclass, field

from django.urls import reverse

from glossary.content.read import ContentError, Problem
from glossary.models import Alias, Comparison, ContentVersion, Deletion, FormerSlug, Term
from glossary.quiz.models import Quiz

# Raise it when a change to rendering.py or words.py changes the HTML or the search words of text that
# did not change: the next load then renders and indexes every entry again. (Only content and this
# number decide what is rendered again.)
RENDERER_VERSION = 5

DOCUMENTS = {Term: "terms", Comparison: "comparisons", Quiz: "quizzes"}

# What a load does with an entry. The first three write it.
CREATE, UPDATE, RERENDER = "created", "updated", "rerendered"
UNCHANGED, KEPT, CONFLICT = "unchanged", "kept", "conflict"
DELETED, MISSING, REMOVE = "deleted", "missing", "removed"
WRITES = (CREATE, UPDATE, RERENDER)


class EditConflict(ContentError):
    """Entries changed in the admin whose files changed too: the load would lose someone's work."""


@dataclass
class Step:
    action: str
    slug: str  # the entry's slug after the load
    file: object = None  # read.File
    row: object = None  # the entry as it is in the database
    problem: Problem | None = None  # why it is a conflict
    rendered: dict | None = None  # render.py's HTML, for the steps that write


@dataclass
class Plan:
    steps: dict  # {model: [Step]}
    names: dict  # {slug: (title, abbreviation, [aliases], is a second sense)} of every term after the load
    former: dict  # {old slug: slug}
    version: int | None = None  # the content version it was made at (models.ContentVersion)
    digest: str = ""  # of what every rendering depends on besides its own text (names_digest)
    stored_digest: str = ""  # the digest that the last load rendered with
    problems: list = field(default_factory=list)  # files that cannot load beside what stays
    advisor_html: list = field(default_factory=list)  # each rule's `because`, rendered

    def of(self, model, *actions):
        return [s for s in self.steps[model] if s.action in actions]

    def outdated(self):
        """Whether content changed since the plan was made: every admin save and every load that
        changes something increase the content version, in the transaction that makes the change."""
        return ContentVersion.objects.filter(pk=1).values_list("number", flat=True).first() != self.version

    def refuse(self):
        """Raise what stops the load: files that cannot load beside what stays, then conflicts."""
        conflicts = [s.problem for steps in self.steps.values() for s in steps if s.action == CONFLICT]
        if self.problems or conflicts:
            raise ContentError(self.problems) if self.problems else EditConflict(conflicts)

    def check_titles(self, staying):
        """A new title must not be one that a term which stays (`staying`) still has."""
        held = {t.title.casefold(): t for t in staying}
        for step in self.of(Term, CREATE, UPDATE):
            holder = held.get(step.file.data.title.casefold())
            if holder is None or (step.row and holder.pk == step.row.pk):
                continue
            prune = f"load with --prune, or add “former_slugs: [{holder.slug}]” to this file"
            made = "which was created in the admin: rename or delete one of them"
            why = f"whose file is gone: {prune}" if holder.source_file else made
            message = f"title “{step.file.data.title}” is still used by “{holder.slug}”, {why}"
            self.problems.append(Problem(step.file.path, step.file.line("title"), message))


def make_plan(content, overwrite_edits=False, prune=False, take=()):
    """The Plan for loading `content`. `take`: (model, slug) pairs whose admin edits give way to their
    files, as with `overwrite_edits`, for those entries alone."""
    current = ContentVersion.objects.values_list("number", "loaded_names").filter(pk=1).first()
    version, stored = current or (None, "")
    options = (overwrite_edits, prune, take)
    steps = {model: plan_documents(model, getattr(content, f), *options) for model, f in DOCUMENTS.items()}
    names, former, staying = names_after(steps[Term], content)
    plan = Plan(steps, names, former, version, names_digest(names, former), stored)
    plan.check_titles(staying)
    if plan.stored_digest != plan.digest:  # a name changed somewhere: any body may mention it
        for model in DOCUMENTS:
            for step in plan.of(model, UNCHANGED):
                step.action = RERENDER
    return plan


def plan_documents(model, files, overwrite_edits, prune, take):
    names = ("title", "abbreviation", "sense") if model is Term else ("title",)  # for names_after()
    fields = ("slug", "source_file", "source_hash", "loaded", "edited", "updated", "edited_by__username")
    rows = list(model.objects.select_related("edited_by").only(*fields, *names))
    by_file, by_slug = {r.source_file: r for r in rows if r.source_file}, {r.slug: r for r in rows}
    deletions = {d.slug: d for d in Deletion.objects.filter(kind=model._meta.model_name, exported=False)}
    on_disk, matched, steps = {f.name for f in files}, set(), []
    for f in files:
        row = by_file.get(f.name) or by_slug.get(f.slug)
        if row is None:  # renamed by its author: the entry of a former slug whose file is gone
            gone = [by_slug[s] for s in getattr(f.data, "former_slugs", []) if s in by_slug]
            row = next((r for r in gone if r.source_file not in on_disk), None)
        row = None if row is not None and row.pk in matched else row
        step = decide(f, row, deletions.get(f.slug), on_disk)
        overwrite = overwrite_edits or {(model, f.slug), (model, step.slug)} & set(take)
        if step.action in (CONFLICT, KEPT) and overwrite:
            step = Step(UPDATE if row else CREATE, f.slug, f, row)
        matched.add(row and row.pk)
        steps.append(step)
    for row in rows:  # entries whose files are gone (those made in the admin have none yet)
        if row.pk not in matched and row.source_file:
            message = f"“{row.slug}” was edited by {row.last_change()}; {row.source_file} is gone."
            if not prune:
                steps.append(Step(MISSING, row.slug, None, row))
            elif row.edited_since_load and not overwrite_edits:
                steps.append(Step(CONFLICT, row.slug, None, row, Problem(row.source_file, 1, message)))
            else:
                steps.append(Step(REMOVE, row.slug, None, row))
    return steps


def decide(f, row, deletion, on_disk):
    """The Step for file `f`, whose entry is `row` (None: none yet)."""
    if row is None and deletion and deletion.source_hash == f.digest:
        return Step(DELETED, f.slug, f)
    if row is None and deletion:
        when = f"{deletion.deleted_by or 'someone'} at {deletion.deleted:%Y-%m-%d %H:%M}"
        return conflict(f, row, f"was deleted in the admin by {when}, and this file has changed since")
    if row is None:
        return Step(CREATE, f.slug, f)
    if row.source_file not in ("", f.name) and row.source_file in on_disk:
        why = f"is the entry of {row.source_file}, renamed in the admin by {row.last_change()}"
        return conflict(f, row, f"{why}: run export_glossary first")
    if not row.source_file:
        why = f"was created in the admin by {row.last_change()}"
        return conflict(f, row, f"{why}; this file would replace it")
    if row.edited_since_load and row.source_hash == f.digest:
        return Step(KEPT, row.slug, f, row)
    if row.edited_since_load:
        why = f"was edited in the admin by {row.last_change()} since it was loaded"
        return conflict(f, row, f"{why}, and this file has changed too")
    if row.source_hash == f.digest and row.source_file == f.name:
        return Step(UNCHANGED, row.slug, f, row)
    return Step(UPDATE, f.slug, f, row)


def conflict(file, row, what):
    message = (
        f"“{row.slug if row else file.slug}” {what}. Keep the admin's version with export_glossary --force "
        "(then merge the file's change by hand), or take the file with load_glossary --overwrite-edits "
        "(the edit stays in History)."
    )
    return Step(CONFLICT, file.slug, file, row, Problem(file.path, 1, message))


def names_after(steps, content):
    """Every term's names once the load is done: from its file, or from the database where it stays."""
    names, stays = {}, []
    for step in steps:
        if step.action in (CREATE, UPDATE, UNCHANGED):
            d = step.file.data
            names[step.slug] = (d.title, d.abbreviation, list(d.aliases), bool(d.sense))
        elif step.action in (KEPT, CONFLICT, MISSING):
            stays.append(step.row)
    written = {s.row.pk for s in steps if s.row is not None}
    made_in_admin = Term.objects.filter(source_file="").defer("body", "body_html")
    stays += [t for t in made_in_admin if t.pk not in written]
    aliases = {}
    for term_id, name in Alias.objects.filter(term__in=[t.pk for t in stays]).values_list("term", "name"):
        aliases.setdefault(term_id, []).append(name)
    for term in stays:
        names[term.slug] = (term.title, term.abbreviation, aliases.get(term.pk, []), bool(term.sense))
    former = dict(FormerSlug.objects.values_list("slug", "term__slug")) | content.former_slugs()
    return names, {old: new for old, new in former.items() if new in names and old not in names}, stays


def names_digest(names, former):
    """What every rendering depends on besides its own text: each term's names, and the renderer."""
    url = reverse("glossary:term_detail", args=["SLUG"])
    text = json.dumps([RENDERER_VERSION, url, sorted(names.items()), sorted(former.items())])
    return hashlib.sha256(text.encode()).hexdigest()
