"""Writing checked content to the database: load_content(), the one atomic load.

Only what differs is written: a load over unchanged files issues no INSERT, UPDATE or DELETE.
"""

from dataclasses import dataclass, field
from pathlib import Path

import reversion
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from glossary.batches import batches, insert, replace_rows
from glossary.content.files import ContentError, Problem, display_path, tree_fingerprint
from glossary.content.parallel import Workers, frozen_objects
from glossary.content.read import file_count, read_content
from glossary.content.revisions import record_revision
from glossary.models import (
    Alias,
    Aspect,
    Band,
    Category,
    Comparison,
    ComparisonAspect,
    ComparisonTerm,
    ContentVersion,
    Facet,
    Source,
    Stage,
    Term,
)
from glossary.quiz.models import Advisor, Citation, Option, Question, Quiz
from glossary.search import add_vocabulary, index_terms, write_index


@dataclass
class Counts:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    kept: list = field(default_factory=list)  # edited in the admin since the load, file unchanged
    missing: list = field(default_factory=list)  # file deleted, entry kept until --prune

    def __str__(self):
        text = (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )
        if self.kept:
            text += f", {len(self.kept)} admin edit{'s' if len(self.kept) != 1 else ''} kept"
        if self.missing:
            text += f", {len(self.missing)} without a file (kept; --prune removes them)"
        return text

    @property
    def changed(self):
        return bool(self.created or self.updated or self.removed)


@dataclass
class Report:
    counts: dict  # {"terms": Counts, ...}

    @property
    def changed(self):
        return any(c.changed for c in self.counts.values())


BATCH = 500
DOCUMENTS = ((Term, "terms"), (Comparison, "comparisons"), (Quiz, "quizzes"))


class EditConflict(ContentError):
    """Entries edited in the admin whose files changed too: the load would lose someone's work."""


def load_content(root, dry_run=False, overwrite_edits=False, prune=False, full=False, progress=None):
    """Check everything under `root`, then bring the database in line with it in one transaction.

    Entries edited in the admin since their last load are never overwritten silently: if their file
    is unchanged the edit is kept; if it changed too, EditConflict is raised and nothing is written,
    unless `overwrite_edits`, which first keeps a revision of what it replaces. Entries whose files
    are gone are removed only with `prune`; entries created in the admin never are. When neither the
    files nor the database changed since the last load, nothing is read again, unless `full`.
    """
    fingerprint = tree_fingerprint(root)
    version = ContentVersion.objects.filter(pk=1).values_list("loaded_fingerprint", "loaded_names")
    loaded, names = version.first() or ("", "")
    if loaded == fingerprint and not full:
        # The files and the code are as they were at the last load, and nothing changed the database
        # since (every admin save clears the fingerprint): that load's result stands.
        report = unchanged_report(root, prune)
        if report is not None:
            return report

    def settled(content):
        """Terms whose files are as they were loaded, while no name of any term changed: their rows,
        rendered HTML included, stand (unless `full`). Nothing in the database changed since the
        last load either: every admin save clears `names`."""
        if full or names != content.names_digest:
            return set()
        digests = {f.slug: f.digest for f in content.terms}
        stored = Term.objects.exclude(source_file="").values_list("slug", "source_hash")
        return {slug for slug, digest in stored.iterator() if digests.get(slug) == digest}

    # Forked now, while the loader is small (see parallel.py); they end once the bodies are rendered.
    with Workers(file_count(root)) as workers:
        content = read_content(root, progress, settled, stream=True, workers=workers)
        documents = {Term: content.terms, Comparison: content.comparisons, Quiz: content.quizzes}
        # What a load has read lives until the load ends, and the collector would walk its million
        # objects again each time it looks for cycles: 20 times, 5 s, in a load of 100,000 terms.
        with frozen_objects(), transaction.atomic():
            keep, conflicts = {}, []
            for model, files in documents.items():
                keep[model], clashes = check_edits(model, files)
                conflicts += clashes
            title_clashes = check_titles(content.terms, prune)
            if title_clashes:
                raise ContentError(title_clashes)
            if conflicts and not overwrite_edits:
                raise EditConflict([problem for problem, _ in conflicts])
            if conflicts:
                with reversion.create_revision():
                    reversion.set_comment("Kept before load_glossary --overwrite-edits replaced it")
                    for _, row in conflicts:
                        reversion.add_to_revision(row)
            report = Report(
                {
                    "categories": sync_entries(Category, content.categories),
                    "aspects": sync_entries(Aspect, content.aspects),
                    "terms": sync_terms(content, keep[Term], prune),
                    "comparisons": sync_comparisons(content.comparisons, keep[Comparison], prune),
                    "timeline": sync_timeline(content.stages, content.bands),
                    "quizzes": sync_quizzes(content.quizzes, keep[Quiz], prune),
                    "advisor": sync_advisor(content.advisor),
                }
            )
            if content.problems:  # [[links]] to nowhere, found as term bodies were rendered: undo it all
                raise ContentError(content.problems)
            # Updates only: a created entry's version is written when the admin first changes it.
            record_revision(
                f"Loaded from {display_path(root)} by load_glossary",
                [model.objects.filter(slug__in=report.counts[name].updated) for model, name in DOCUMENTS],
            )
            if report.changed:
                ContentVersion.bump()
            if not dry_run and (loaded, names) != (fingerprint, content.names_digest):
                ContentVersion.current()
                ContentVersion.objects.filter(pk=1).update(
                    loaded_fingerprint=fingerprint, loaded_names=content.names_digest
                )
            if dry_run:
                # The same code path as a real load, so the report is exact; then nothing is kept.
                transaction.set_rollback(True)
    return report


def unchanged_report(root, prune):
    """The report of a load that finds nothing to change, from the database alone.

    None when there is work after all: entries whose files are gone, and `prune` asks to remove them.
    """
    files = {p.relative_to(root).as_posix() for p in Path(root).glob("*/*")}
    counts = {
        "categories": Counts(unchanged=list(Category.objects.values_list("slug", flat=True))),
        "aspects": Counts(unchanged=list(Aspect.objects.values_list("slug", flat=True))),
    }
    for model, name in DOCUMENTS:
        counts[name] = found = Counts()
        for row in model.objects.exclude(source_file="").only("slug", "source_file", "edited", "loaded"):
            if row.source_file not in files:
                found.missing.append(row.slug)
            elif row.edited_since_load:
                found.kept.append(row.slug)
            else:
                found.unchanged.append(row.slug)
        if prune and found.missing:
            return None
        for slugs in (found.unchanged, found.kept, found.missing):
            slugs.sort()
    counts["timeline"] = Counts(unchanged=["timeline"] if Stage.objects.exists() else [])
    counts["advisor"] = Counts(unchanged=list(Advisor.objects.values_list("slug", flat=True)))
    order = ("categories", "aspects", "terms", "comparisons", "timeline", "quizzes", "advisor")
    return Report({name: counts[name] for name in order})


def check_titles(files, prune):
    """Problems for files whose title is still held by a term that no file (or no longer its file) has."""
    slugs = {f.slug for f in files}
    held = {}
    # All rows, left out here rather than in SQL: a query with 100,000 slugs costs more to build.
    for slug, title, source_file in Term.objects.values_list("slug", "title", "source_file").iterator():
        if slug in slugs or (prune and source_file):
            continue  # a file has it, or it goes before the new file arrives
        held[title.casefold()] = (slug, source_file)
    problems = []
    for f in files:
        if f.title.casefold() in held:
            slug, source_file = held[f.title.casefold()]
            why = (
                "whose file is gone: load with --prune to remove it"
                if source_file
                else "which was created in the admin: rename or delete one of them"
            )
            problems.append(
                Problem(f.path, f.lines["title"], f"title “{f.title}” is still used by “{slug}”, {why}")
            )
    return problems


def check_edits(model, files):
    """(slugs whose admin edits are kept, [(Problem, row)] conflicts) for one kind of entry."""
    by_slug = {f.slug: f for f in files}
    kept, conflicts = set(), []
    # Only entries edited in the admin or created there can clash with a file.
    candidates = model.objects.filter(Q(edited__isnull=False) | Q(source_file=""))
    for row in candidates.select_related("edited_by"):
        f = by_slug.get(row.slug)
        if f is None:
            continue
        who = f" by {row.edited_by.get_username()}" if row.edited_by else ""
        when = f" on {timezone.localtime(row.edited):%Y-%m-%d %H:%M %Z}" if row.edited else ""
        advice = "Write it out with export_glossary and merge, or load with --overwrite-edits."
        if not row.source_file:
            message = (
                f"“{row.slug}” was created in the admin{who}{when}; this file would replace it. {advice}"
            )
        elif row.edited_since_load and row.source_hash != f.digest:
            message = (
                f"“{row.slug}” was edited in the admin{who}{when} since it was loaded, "
                f"and this file has changed too. {advice}"
            )
        else:
            if row.edited_since_load:
                kept.add(row.slug)  # the file has nothing newer to say: the edit stands
            continue
        conflicts.append((Problem(f.path, 1, message), row))
    return kept, conflicts


def sync_entries(model, entries):
    """Categories and aspects: small lists of slug, name, description and position."""
    counts = Counts()
    existing = {e.slug: e for e in model.objects.all()}
    counts.removed = remove_missing(model, existing, entries)
    for entry in entries:
        values = {"name": entry.name, "description": entry.description, "position": entry.position}
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


def changed_fields(obj, values):
    """Set `values` on `obj`; True if any differed."""
    changed = any(getattr(obj, k) != v for k, v in values.items())
    for k, v in values.items():
        setattr(obj, k, v)
    return changed


def remove_missing(model, existing, files):
    """Delete the rows whose entries are gone; returns their slugs. For categories and aspects."""
    wanted = {f.slug for f in files}
    gone = [slug for slug in existing if slug not in wanted]
    model.objects.filter(slug__in=gone).delete()
    return gone


def remove_documents(model, files, prune):
    """(removed, missing): entries that came from files now gone. Admin-created ones are never touched."""
    wanted = {f.slug for f in files}
    from_files = model.objects.exclude(source_file="").values_list("slug", flat=True)
    gone = [slug for slug in from_files if slug not in wanted]
    if not prune:
        return [], gone
    model.objects.filter(slug__in=gone).delete()
    return gone, []


def upsert(model, files, existing, values_of):
    """Create the rows that are new and update those whose own fields changed, in bulk.

    Every row written records the file and version it came from. Returns (created slugs, updated
    model instances). What a row owns (aliases, links...) is the caller's.
    """
    now = timezone.now()
    created, new_rows, updated, fields = [], [], [], []
    for f in files:
        values = {**values_of(f), "source_file": f.source_file, "source_hash": f.digest}
        fields = fields or list(values)
        row = existing.get(f.slug)
        if row is None:
            new_rows.append((f.slug, now, now, now, *values.values()))
            created.append(f.slug)
        elif changed_fields(row, values):
            row.updated = row.loaded = now
            updated.append(row)
    insert(model, ("slug", "loaded", "created", "updated", *fields), new_rows)
    model.objects.bulk_update(updated, [*fields, "updated", "loaded"], batch_size=BATCH)
    return created, updated


def tally(files, existing, removed, created, changed, kept=(), missing=()):
    counts = Counts(removed=removed, created=created, updated=sorted(changed))
    counts.unchanged = [f.slug for f in files if f.slug in existing and f.slug not in changed]
    counts.kept, counts.missing = sorted(kept), sorted(missing)
    return counts


def sync_terms(content, keep=frozenset(), prune=False):
    """Bring the terms in line with content.terms; the settled ones (see load_content) are known to be.

    The others are rendered (content.render_terms, see read.render_all), compared and written a batch
    at a time, and each batch's bodies are let go once written: memory stays flat however many terms.
    """
    files = content.terms
    # Taken from `content`, so that the renderer and every term's names go once the bodies are done.
    render_terms, content.render_terms = content.render_terms, None
    # Removed first, so that a file renamed to a new slug can keep its title.
    removed, missing = remove_documents(Term, files, prune)
    files = [f for f in files if f.slug not in keep]
    todo = [f for f in files if f.slug not in content.settled]
    category_ids = dict(Category.objects.values_list("slug", "id"))
    aspect_ids = dict(Aspect.objects.values_list("slug", "id"))
    rendered = render_terms(todo)
    slugs = {f.slug: f.slug for f in files}
    existed, created, changed, relations = set(), [], set(), []
    for batch in batches(todo, BATCH):
        search_texts = {}
        for f, (_, body, result, search_text) in zip(batch, rendered, strict=False):
            # The linked slugs, as the one copy of each slug: they stay until the relations are written.
            f.body, f.body_html, f.links = body, result.html, [slugs.get(s, s) for s in result.linked]
            search_texts[f.slug] = search_text
        rows = Term.objects.filter(slug__in=[f.slug for f in batch])
        # Of the terms they are related or link to, only the slugs are compared: not their bodies.
        slugs_only = Term.objects.only("slug")
        existing = {
            t.slug: t
            for t in rows.prefetch_related(
                "aliases",
                "sources",
                Prefetch("related", queryset=slugs_only),
                Prefetch("links", queryset=slugs_only),
                "facets__aspect",
            )
        }
        existed |= existing.keys()
        changed_children, changed_relations = compare_terms(batch, existing)
        new, updated = upsert(
            Term,
            batch,
            existing,
            lambda f: {
                "title": f.title,
                "abbreviation": f.abbreviation,
                "summary": f.summary,
                "body": f.body,
                "body_html": f.body_html,
                "category_id": category_ids.get(f.category),
                "reviewed": f.reviewed,
                "sense": f.sense,
                "autolink": f.autolink,
            },
        )
        ids = dict(rows.values_list("slug", "id"))
        write_owned(batch, [ids[s] for s in changed_children], [ids[s] for s in new], ids, aspect_ids)
        relations += [f for f in batch if f.slug in changed_relations or f.slug in new]
        created += new
        written = {t.slug for t in updated} | set(changed_children) | set(changed_relations) | set(new)
        changed |= written - set(new)
        # Indexed now, while the next batch renders: the search index follows every change.
        names = write_index(
            [
                (ids[f.slug], f.title, f.abbreviation, f.aliases, search_texts[f.slug])
                for f in batch
                if f.slug in written
            ],
            new={ids[s] for s in new},
        )
        add_vocabulary(names)
        for f in batch:
            f.release_body()
            f.body_html = None
    rendered.close()
    del rendered, render_terms

    # Relations need every term to exist, so they come last.
    ids = dict(Term.objects.values_list("slug", "id"))
    stale = [ids[f.slug] for f in relations if f.slug in existed]
    for relation, attribute in ((Term.related.through, "related"), (Term.links.through, "links")):
        replace_rows(
            relation,
            "from_term_id",
            stale,
            ("from_term_id", "to_term_id"),
            ((ids[f.slug], ids[o]) for f in relations for o in getattr(f, attribute)),
        )
    # Terms never indexed (say, loaded before search existed) too.
    index_terms(Term.objects.filter(search_document__isnull=True).values_list("id", flat=True))
    return tally(files, existed | content.settled, removed, created, changed, keep, missing)


def compare_terms(files, existing):
    """(slugs whose aliases, sources or facets changed, slugs whose related terms or links changed).

    Compared before anything is written, while the prefetched rows are as they were.
    """
    changed_children, changed_relations = [], []
    for f in files:
        term = existing.get(f.slug)
        if term is None:
            continue
        if (
            [a.name for a in term.aliases.all()] != f.aliases
            or [(s.title, s.url) for s in term.sources.all()] != f.sources
            or sorted((x.aspect.slug, x.text, x.text_html) for x in term.facets.all()) != facets_of(f)
        ):
            changed_children.append(f.slug)
        if {t.slug for t in term.related.all()} != set(f.related) or {
            t.slug for t in term.links.all()
        } != set(f.links):
            changed_relations.append(f.slug)
    return changed_children, changed_relations


def write_owned(files, changed, new, ids, aspect_ids):
    """Aliases, sources and facets belong to one term each: replace all of the `changed` terms' (ids)
    and write those of the `new` ones."""
    owner_ids = {*changed, *new}
    owned = [f for f in files if ids[f.slug] in owner_ids]
    replace_rows(
        Alias, "term_id", changed, ("term_id", "name"), ((ids[f.slug], n) for f in owned for n in f.aliases)
    )
    replace_rows(
        Source,
        "term_id",
        changed,
        ("term_id", "title", "url"),
        ((ids[f.slug], t, u) for f in owned for t, u in f.sources),
    )
    replace_rows(
        Facet,
        "term_id",
        changed,
        ("term_id", "aspect_id", "text", "text_html"),
        (
            (ids[f.slug], aspect_ids[a], text, f.facet_html[a])
            for f in owned
            for a, (text, _) in f.facets.items()
        ),
    )


def facets_of(term_file):
    return sorted((a, text, term_file.facet_html[a]) for a, (text, _) in term_file.facets.items())


def sync_comparisons(files, keep=frozenset(), prune=False):
    existing = {
        c.slug: c
        for c in Comparison.objects.prefetch_related(
            "comparison_terms__term", "comparison_aspects__aspect", "links"
        )
    }
    removed, missing = remove_documents(Comparison, files, prune)
    files = [f for f in files if f.slug not in keep]
    term_ids = dict(Term.objects.values_list("slug", "id"))
    aspect_ids = dict(Aspect.objects.values_list("slug", "id"))
    changed_rows = [
        f.slug
        for f in files
        if f.slug in existing
        and (
            [ct.term.slug for ct in existing[f.slug].comparison_terms.all()] != f.terms
            or [ca.aspect.slug for ca in existing[f.slug].comparison_aspects.all()] != f.aspects
            or {t.slug for t in existing[f.slug].links.all()} != set(f.links)
        )
    ]
    created, updated = upsert(
        Comparison,
        files,
        existing,
        lambda f: {k: getattr(f, k) for k in ("title", "summary", "body", "body_html", "reviewed")},
    )
    ids = dict(Comparison.objects.values_list("slug", "id"))
    by_slug = {f.slug: f for f in files}
    slugs = changed_rows + created
    stale = [ids[s] for s in changed_rows]
    replace_rows(
        ComparisonTerm,
        "comparison_id",
        stale,
        ("comparison_id", "term_id", "position"),
        ((ids[s], term_ids[t], i) for s in slugs for i, t in enumerate(by_slug[s].terms)),
    )
    replace_rows(
        ComparisonAspect,
        "comparison_id",
        stale,
        ("comparison_id", "aspect_id", "position"),
        ((ids[s], aspect_ids[a], i) for s in slugs for i, a in enumerate(by_slug[s].aspects)),
    )
    links = Comparison.links.through
    replace_rows(
        links,
        "comparison_id",
        stale,
        ("comparison_id", "term_id"),
        ((ids[s], term_ids[t]) for s in slugs for t in by_slug[s].links),
    )
    return tally(
        files, existing, removed, created, {c.slug for c in updated} | set(changed_rows), keep, missing
    )


def sync_timeline(stages, bands):
    """The timeline is small and read as a whole: it is replaced whole when anything in it changed."""
    counts = Counts()
    have = (
        [(s.slug, s.name, s.term.slug, s.description) for s in Stage.objects.select_related("term")],
        [
            (b.term.slug, b.label, b.kind, b.start.slug, b.end.slug, b.note)
            for b in Band.objects.select_related("term", "start", "end")
        ],
    )
    want = (
        [(s.slug, s.name, s.term, s.description) for s in stages],
        [(b.term, b.label, b.kind, b.start, b.end, b.note) for b in bands],
    )
    if have == want:
        if stages:
            counts.unchanged.append("timeline")
        return counts
    if not stages:
        counts.removed.append("timeline")
    elif have[0]:
        counts.updated.append("timeline")
    else:
        counts.created.append("timeline")
    Band.objects.all().delete()
    Stage.objects.all().delete()
    term_ids = dict(Term.objects.values_list("slug", "id"))
    Stage.objects.bulk_create(
        Stage(
            slug=s.slug, name=s.name, term_id=term_ids[s.term], description=s.description, position=s.position
        )
        for s in stages
    )
    stage_ids = dict(Stage.objects.values_list("slug", "id"))
    Band.objects.bulk_create(
        Band(
            term_id=term_ids[b.term],
            label=b.label,
            kind=b.kind,
            start_id=stage_ids[b.start],
            end_id=stage_ids[b.end],
            note=b.note,
            position=b.position,
        )
        for b in bands
    )
    return counts


def quiz_structure(quiz):
    return [
        (
            q.key,
            q.scenario,
            q.prompt,
            q.choose,
            [
                (
                    o.key,
                    o.text,
                    o.correct,
                    o.feedback,
                    o.feedback_html,
                    [(c.comparison.slug, c.aspect.slug) for c in o.citations.all()],
                )
                for o in q.options.all()
            ],
        )
        for q in quiz.questions.all()
    ]


def quiz_file_structure(f):
    return [
        (
            q.key,
            q.scenario,
            q.prompt,
            q.choose,
            [
                (o.key, o.text, o.correct, o.feedback, o.feedback_html, [(c, a) for c, a, _ in o.cites])
                for o in q.options
            ],
        )
        for q in f.entries
    ]


def sync_quizzes(files, keep=frozenset(), prune=False):
    existing = {
        q.slug: q
        for q in Quiz.objects.prefetch_related(
            "questions__options__citations__comparison", "questions__options__citations__aspect"
        )
    }
    removed, missing = remove_documents(Quiz, files, prune)
    files = [f for f in files if f.slug not in keep]
    changed_questions = [
        f.slug
        for f in files
        if f.slug in existing and quiz_structure(existing[f.slug]) != quiz_file_structure(f)
    ]
    created, updated = upsert(
        Quiz, files, existing, lambda f: {k: getattr(f, k) for k in ("title", "summary", "body", "body_html")}
    )
    by_slug = {f.slug: f for f in files}
    for quiz in Quiz.objects.filter(slug__in=changed_questions + created):
        write_questions(quiz, by_slug[quiz.slug])
    return tally(
        files, existing, removed, created, {q.slug for q in updated} | set(changed_questions), keep, missing
    )


def write_questions(quiz, f):
    """Update a quiz's questions and options in place, by their ids, so that statistics follow them."""
    comparisons = dict(Comparison.objects.values_list("slug", "id"))
    aspects = dict(Aspect.objects.values_list("slug", "id"))
    quiz.questions.exclude(key__in=[q.key for q in f.entries]).delete()
    for position, entry in enumerate(f.entries):
        question, _ = Question.objects.update_or_create(
            quiz=quiz,
            key=entry.key,
            defaults={
                "scenario": entry.scenario,
                "prompt": entry.prompt,
                "choose": entry.choose,
                "position": position,
            },
        )
        question.options.exclude(key__in=[o.key for o in entry.options]).delete()
        for option_position, o in enumerate(entry.options):
            option, _ = Option.objects.update_or_create(
                question=question,
                key=o.key,
                defaults={
                    "text": o.text,
                    "correct": o.correct,
                    "feedback": o.feedback,
                    "feedback_html": o.feedback_html,
                    "position": option_position,
                },
            )
            replace_rows(
                Citation,
                "option_id",
                [option.pk],
                ("option_id", "comparison_id", "aspect_id", "position"),
                ((option.pk, comparisons[c], aspects[a], i) for i, (c, a, _) in enumerate(o.cites)),
            )


ADVISOR_SLUG = "partner"


def sync_advisor(entry):
    """The advisor is one document: written whole when anything in it changed."""
    counts = Counts()
    current = Advisor.objects.filter(slug=ADVISOR_SLUG).first()
    if entry is None:
        if current:
            current.delete()
            counts.removed.append(ADVISOR_SLUG)
        return counts
    values = {
        "title": entry.title,
        "intro": entry.intro,
        "questions": entry.questions,
        "partners": entry.partners,
        "rules": entry.rules,
    }
    if current is None:
        Advisor.objects.create(slug=ADVISOR_SLUG, **values)
        counts.created.append(ADVISOR_SLUG)
    elif changed_fields(current, values):
        current.save()
        counts.updated.append(ADVISOR_SLUG)
    else:
        counts.unchanged.append(ADVISOR_SLUG)
    return counts
