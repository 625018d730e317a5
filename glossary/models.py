import datetime
import re
import secrets
import string
from dataclasses import dataclass
from itertools import groupby

import reversion
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, connections, models, router, transaction
from django.db.models import Q
from django.db.models.functions import Length, Lower, Substr, Upper
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from glossary.rendering import (
    MAX_NAME_WORDS,
    LinkTarget,
    Mentions,
    Renderer,
    render_from_database,
    render_markdown,
    wikilink_slugs,
)
from glossary.words import key, words

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
validate_slug = RegexValidator(
    SLUG_PATTERN, "Use lowercase letters, digits and single hyphens, for example “phase-1”."
)

# How many terms one comparison can hold: beyond four, a table stops being readable side by side.
MAX_COMPARED = 4

# Terms are worth setting side by side when they all answer at least this many aspects, and those
# are more than half of the aspects any of them answers. "What it is", "When in development" and
# "Rules that govern it" are answered by nearly every term, so sharing only those says nothing: a
# CDMO and a phase 1 trial share just those three of the nine questions either answers, and their
# table would hold nothing that tells them apart.
MIN_SHARED_ASPECTS = 2

# How many comparable terms a comparison that has nothing to compare suggests instead.
MAX_SUGGESTED = 8

# The entries every learner starts from (see PRODUCT.md): the home page leads to them.
CORE_SLUGS = ["cmo", "cdmo", "cro", "cmc", "cgmp", "phase-1", "phase-2", "phase-3", "phase-4"]


def lock_content():
    """Take the content lock for the rest of the current transaction.

    Every writer of content takes it first: the loader's write transaction and every admin save. So
    the two never interleave, and each checks for the other's changes only once it holds the lock.
    On SQLite every transaction begins IMMEDIATE (settings.py), which takes the database's one write
    lock at BEGIN; PostgreSQL needs an explicit lock, and an advisory one blocks no reader.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_content() holds the lock until the transaction ends: call it inside one")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CONTENT_LOCK_KEY])


CONTENT_LOCK_KEY = 7_311_402  # any number that no other advisory lock on the database uses


def refresh_statistics():
    """Have PostgreSQL's query planner look at the glossary's tables again (ANALYZE), after a write
    large enough to change their shape. Until then it plans for the tables it last saw: after 10,000
    new terms, a term page took three times as long to build until autovacuum came round, and a
    search that matched nothing scanned every document. SQLite is left as it is: it plans these
    queries as well without statistics, and Explain this text ran 10% slower with them."""
    if connection.vendor != "postgresql":
        return
    tables = apps.get_app_config("glossary").get_models(include_auto_created=True)
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def summary_at_most(max_length, name):
    """A TextField's max_length is checked by forms only: the database holds it too."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length("summary"), max_length),
        name=name,
        violation_error_message=f"Ensure the summary has at most {max_length} characters.",
    )


# The longest body an entry may have (characters): ten times the longest written so far. Rendering
# and linking grow with the text; the admin's live preview refuses more, with this number.
MAX_BODY = 100_000


class FromFile(models.Model):
    """Where an entry came from, so that a load never silently overwrites an edit made in the admin.

    `source_file` and `source_hash` name the file and the SHA-256 of its bytes when the entry and
    the file last agreed (`loaded`: the last load or export of the entry). An entry created in the
    admin has no file yet. Every admin save sets `edited`; an entry edited since it was `loaded` is
    one the next load keeps (or reports as a conflict) and the next export writes out.
    """

    source_file = models.CharField(max_length=300, blank=True, editable=False)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    loaded = models.DateTimeField(null=True, blank=True, editable=False)
    edited = models.DateTimeField(null=True, blank=True, editable=False)
    edited_by = models.ForeignKey(
        "auth.User", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def edited_since_load(self):
        return self.edited is not None and (self.loaded is None or self.edited > self.loaded)

    def save_version(self, comment, date=None):
        """A revision of this entry (and what it follows) alone, in History: reverting it reverts
        nothing else."""
        with reversion.create_revision(atomic=False):
            reversion.set_comment(comment)
            if date:
                reversion.set_date_created(date)
            reversion.add_to_revision(type(self).objects.get(pk=self.pk))

    def last_change(self):
        """Who changed the entry last, and when, in words: for conflict messages."""
        if self.edited and (self.loaded is None or self.edited >= self.loaded):
            who = self.edited_by.get_username() if self.edited_by else "someone"
            return f"{who} at {timezone.localtime(self.edited):%Y-%m-%d %H:%M %Z}"
        when = self.loaded or self.updated
        return f"load_glossary at {timezone.localtime(when):%Y-%m-%d %H:%M %Z}"


def unexported(queryset):
    """The entries of `queryset` edited in the admin since their file last agreed with them."""
    return queryset.filter(
        Q(edited__isnull=False) & (Q(loaded__isnull=True) | Q(edited__gt=models.F("loaded")))
    )


class FileOwnedQuerySet(models.QuerySet):
    def sync(self, entries):
        """Make the rows exactly `entries` (slug, name, description: a categories.yml or aspects.yml),
        in their order; returns {"created": [slugs], "updated": [...], "unchanged": [...], "removed": [...]}."""
        existing = {row.slug: row for row in self}
        done = {
            "created": [],
            "updated": [],
            "unchanged": [],
            "removed": sorted(existing.keys() - {e.slug for e in entries}),
        }
        self.filter(slug__in=done["removed"]).delete()
        for position, entry in enumerate(entries):
            values = {"name": entry.name, "description": entry.description, "position": position}
            row = existing.get(entry.slug)
            if row is None:
                self.create(slug=entry.slug, **values)
                done["created"].append(entry.slug)
            elif any(getattr(row, k) != v for k, v in values.items()):
                self.filter(pk=row.pk).update(**values)
                done["updated"].append(entry.slug)
            else:
                done["unchanged"].append(entry.slug)
        return done


class Category(models.Model):
    slug = models.SlugField(unique=True, validators=[validate_slug])
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="One sentence shown under the category’s name.")
    position = models.PositiveIntegerField(default=0, help_text="Categories are listed in this order.")

    objects = FileOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("glossary:term_index") + f"?category={self.slug}"


@dataclass(frozen=True)
class IndexEntry:
    """A line of the A–Z index: a term under its title, or a cross-reference under its abbreviation."""

    label: str
    term: "Term"
    is_abbreviation: bool = False

    @property
    def letter(self):
        first = self.label[:1].upper()
        return first if first in string.ascii_uppercase else "#"


def alphabetical(terms, abbreviations=True, letter=None):
    """[(letter, [IndexEntry, ...]), ...]: every term by title, and again by abbreviation.

    Without `abbreviations`, by title only; with `letter`, only the entries under that letter.
    """
    entries = []
    for term in terms:
        entries.append(IndexEntry(term.title, term))
        if term.abbreviation and abbreviations:
            entries.append(IndexEntry(term.abbreviation, term, is_abbreviation=True))
    entries = [e for e in entries if letter is None or e.letter == letter]
    entries.sort(key=lambda e: (e.letter == "#", e.label.casefold(), e.is_abbreviation))
    return [(letter, list(group)) for letter, group in groupby(entries, key=lambda e: e.letter)]


class TermQuerySet(models.QuerySet):
    def alphabetical(self, abbreviations=True, letter=None):
        return alphabetical(self, abbreviations, letter)

    def initials(self, abbreviations=True):
        """The letters of the A–Z index ("A" to "Z", and "#") these terms' entries are under."""
        fields = ["title", "abbreviation"] if abbreviations else ["title"]
        firsts = set()
        for name in fields:
            found = self.exclude(**{name: ""}).annotate(initial=Upper(Substr(name, 1, 1)))
            firsts.update(found.order_by().values_list("initial", flat=True).distinct())
        return {f if f in string.ascii_uppercase else "#" for f in firsts}

    def under_letter(self, letter, abbreviations=True):
        """The terms with an entry under `letter` ("#": entries that do not start with A to Z)."""
        fields = ["title", "abbreviation"] if abbreviations else ["title"]
        found = Q(pk__in=[])
        for name in fields:
            found |= Q(
                **{f"{name}__regex": "^[^A-Za-z]"} if letter == "#" else {f"{name}__istartswith": letter}
            )
        return self.filter(found)

    def mentions_in(self, text):
        """Mentions of the terms whose names occur in `text`, found through the search index: first
        which words of the text are words of some name (the vocabulary), then which runs of those
        words are names. Most words of a text are in no name, so few runs are looked up."""
        tokens = words(text)
        vocabulary = set(in_batches(SearchWord.objects.values_list("word", flat=True), "word", set(tokens)))
        in_a_name = [t in vocabulary or t.isdigit() for t in tokens]  # the vocabulary leaves numbers out
        grams = set()
        for i in range(len(tokens)):
            for n in range(1, min(MAX_NAME_WORDS, len(tokens) - i) + 1):
                if not in_a_name[i + n - 1]:
                    break
                grams.add(" ".join(tokens[i : i + n]))
        fields = ("name", "kind", *(f"term__{f}" for f in ("slug", "title", "abbreviation", "sense")))
        names = in_batches(SearchName.objects.select_related("term").only(*fields), "key", grams)
        return Mentions(
            (
                n.name,
                n.kind == SearchName.Kind.NAME and n.name == n.term.abbreviation,
                n.term.link_target(),
                bool(n.term.sense),
            )
            for n in names
        )

    def link_targets(self, slugs):
        """{slug: LinkTarget} for the given slugs, in one query; a second for any not found, which
        may be former slugs (a text a file owns keeps a renamed term's old slug until exported)."""
        terms = self.filter(slug__in=slugs).only("slug", "title", "abbreviation")
        found = {t.slug: t.link_target() for t in terms}
        if missing := set(slugs) - set(found):
            former = FormerSlug.objects.filter(slug__in=missing).select_related("term")
            found |= {f.slug: f.term.link_target() for f in former}
        return found

    def related_to(self, term):
        """Terms related to `term` in either direction: those it lists and those that list it.

        Two indexed lookups of the link table: a join with OR across it reads every term (3 ms a
        page at 10,000 terms, docs/performance.md).
        """
        return self.filter(
            Q(pk__in=term.related.values("pk")) | Q(pk__in=term.related_from.values("pk"))
        ).exclude(pk=term.pk)

    def same_abbreviation(self, term):
        """Other terms abbreviated as `term` is, whatever the case ("CMO" is also a chief medical officer).

        abbreviation__iexact alone reads every term (no index serves it: 16 ms a page at 10,000
        terms); the search index's names, looked up by their indexed key, narrow it first.
        """
        if not term.abbreviation:
            return self.none()
        names = SearchName.objects.filter(kind=SearchName.Kind.NAME, key=key(term.abbreviation))
        return self.filter(abbreviation__iexact=term.abbreviation, pk__in=names.values("term_id")).exclude(
            pk=term.pk
        )

    def comparable_with(self, term):
        """The terms worth comparing with `term` (see MIN_SHARED_ASPECTS), and those an authored
        comparison already sets beside it, in one query. Each has `shared`, the number of aspects
        both answer, `compared`, whether an authored comparison has both, and `kin`, whether it is
        in the same category. Unordered: a grouped query drops Meta.ordering, so the caller says
        which order it needs."""
        aspects = Facet.objects.filter(term=term).values("aspect")
        its_answered = (
            Facet.objects.filter(term=term).order_by().values("term").annotate(n=models.Count("pk"))
        )
        beside = ComparisonTerm.objects.filter(
            comparison__in=ComparisonTerm.objects.filter(term=term).values("comparison")
        ).values("term")
        return (
            # Only terms that answer one of its aspects, or are compared with it, are counted at all.
            self.filter(Q(pk__in=Facet.objects.filter(aspect__in=aspects).values("term")) | Q(pk__in=beside))
            .exclude(pk=term.pk)
            .annotate(
                shared=models.Count("facets", filter=Q(facets__aspect__in=aspects), distinct=True),
                compared=models.Exists(beside.filter(term=models.OuterRef("pk"))),
                # Never NULL (a term without a category): PostgreSQL would sort NULL first.
                kin=models.Case(
                    models.When(category_id=term.category_id, then=True),
                    default=False,
                    output_field=models.BooleanField(),
                ),
            )
            .annotate(
                twice_shared=models.F("shared") * 2,
                # The aspects either of the two answers: its own, plus the term's, less those shared.
                either=models.Count("facets", distinct=True)
                + models.Subquery(its_answered.values("n"))
                - models.F("shared"),
            )
            .filter(Q(compared=True) | Q(shared__gte=MIN_SHARED_ASPECTS, twice_shared__gt=models.F("either")))
        )


class Term(FromFile):
    slug = models.SlugField(
        max_length=100,
        unique=True,
        validators=[validate_slug],
        help_text="The term’s address: /terms/SLUG/. Changing it breaks links from other sites.",
    )
    title = models.CharField(
        max_length=200,
        help_text="The full name in sentence case, e.g. “Contract manufacturing organization”.",
    )
    abbreviation = models.CharField(max_length=30, blank=True, help_text="The usual short form, e.g. “CMO”.")
    summary = models.TextField(
        max_length=400,
        help_text="One or two plain sentences (about 30 words at most) a newcomer understands in one reading.",
    )
    body = models.TextField(
        blank=True,
        max_length=MAX_BODY,
        help_text="Markdown. Start headings at ##. Link terms with [[slug]] or [[slug|your words]].",
    )
    body_html = models.TextField(blank=True, editable=False)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="terms"
    )
    related = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="related_from",
        help_text="Terms to read next. Each also shows this term, so list a pair on one side only.",
    )
    # Filled from the [[links]] in the body when it is rendered: lets a save re-render the
    # bodies that link here, so their link labels follow a changed title or abbreviation.
    links = models.ManyToManyField(
        "self", symmetrical=False, blank=True, editable=False, related_name="linked_from"
    )
    reviewed = models.DateField(
        null=True, blank=True, help_text="When someone last checked this entry against its sources."
    )
    sense = models.CharField(
        max_length=100,
        blank=True,
        help_text="For a second meaning of an abbreviation (“In company management”): shown beside it "
        "in search, after the glossary’s main sense. Leave empty for the main sense.",
    )
    autolink = models.BooleanField(
        default=True, help_text="Link the first mention of other terms in the body automatically."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = [Lower("title")]
        constraints = [
            models.UniqueConstraint(
                Lower("title"),
                name="term_title_unique_ignoring_case",
                violation_error_message="Another term already has this title.",
            ),
            summary_at_most(400, "term_summary_length"),
        ]

    def __str__(self):
        return f"{self.title} ({self.abbreviation})" if self.abbreviation else self.title

    def save(self, *args, **kwargs):
        """Every save stores the rendered body, records its links, and re-renders what links here."""
        saved = getattr(self, "_saved_names", {})
        renamed_from = saved.get("slug") if saved.get("slug") not in (None, self.slug) else None
        rendered = self.render()
        super().save(*args, **kwargs)
        self.links.set(Term.objects.filter(slug__in=rendered.linked))
        if renamed_from:
            self.follow_rename(renamed_from)
        if any(saved.get(name) not in (None, getattr(self, name)) for name in saved):
            rerender(linking_to([self.slug]))
            from glossary.quiz.models import Advisor

            Advisor.objects.render_links_to({self.slug, renamed_from} - {None})
        self._saved_names = {name: getattr(self, name) for name in ("slug", "title", "abbreviation")}
        from glossary.search import index_terms

        index_terms([self.pk])

    def get_absolute_url(self):
        return reverse("glossary:term_detail", args=[self.slug])

    @property
    def letter(self):
        """The A–Z section the term is listed under."""
        first = self.title[:1].upper()
        return first if first in string.ascii_uppercase else "#"

    def link_target(self):
        return LinkTarget.of(self.slug, self.get_absolute_url(), self.title, self.abbreviation)

    @classmethod
    def from_db(cls, db, field_names, values):
        term = super().from_db(db, field_names, values)
        # What other entries' links show of this term: a save that changes it re-renders them.
        term._saved_names = {name: term.__dict__.get(name) for name in ("slug", "title", "abbreviation")}
        return term

    def render(self, renderer=None):
        """Render the body into body_html; returns the Rendered result (linked and missing slugs).

        The loader passes a Renderer that knows every term it loads (rendering.LinkIndex); otherwise
        [[links]] and the names of other terms are looked up in the database.
        """
        if renderer is None:
            targets = Term.objects.link_targets(wikilink_slugs(self.body))
            targets.setdefault(self.slug, self.link_target())
            renderer = Renderer(targets.get, Term.objects.mentions_in(self.body) if self.autolink else None)
        rendered = renderer.render(self.body, self.slug, autolink=self.autolink)
        self.body_html = rendered.html
        return rendered

    def follow_rename(self, old):
        """The slug changed from `old`: its address redirects here, and every [[link]] to it follows."""
        FormerSlug.objects.filter(slug=self.slug).delete()
        FormerSlug.objects.update_or_create(slug=old, defaults={"term": self})
        pattern = re.compile(r"\[\[\s*" + re.escape(old) + r"\s*(?=[|\]])")
        rerender(rewrite_links(old, lambda text: pattern.sub(f"[[{self.slug}", text), self.edited_by))
        # Files name related terms and a comparison's terms by slug: those files are written again.
        mark_edited(Term.objects.filter(related=self), self.edited_by)
        mark_edited(Comparison.objects.filter(terms=self), self.edited_by)

    def unlink_everywhere(self, by=None):
        """Before a delete: every [[link]] to this term becomes its plain words, in every text.

        Returns what changed ({model: [pk]}), to render again once the term is gone.
        """
        pattern = re.compile(r"\[\[\s*" + re.escape(self.slug) + r"\s*(?:\|([^\[\]\n]+?))?\]\]")
        label = self.link_target().label
        mark_edited(Term.objects.filter(related=self), by)
        return rewrite_links(self.slug, lambda text: pattern.sub(lambda m: m.group(1) or label, text), by)

    def protected_by(self):
        """What must change before this term can be deleted in the admin: its files name it."""
        from glossary.quiz.models import Advisor

        link = f"[[{self.slug}"
        advisors = [
            a for a in Advisor.objects.all()
            if any(p.get("term") == self.slug for p in a.partners) or any(link in r["because"] for r in a.rules)
        ]  # fmt: skip
        return [
            *(f"Comparison: {c} (change its terms first)" for c in Comparison.objects.filter(terms=self)),
            *(f"Timeline stage: {s} (content/timeline.yml)" for s in self.stages.all()),
            *(f"Timeline band: {b} (content/timeline.yml)" for b in self.bands.all()),
            *(f"Advisor: {a} (content/advisor.yml)" for a in advisors),
        ]

    def dependants(self):
        """What a delete of this term changes, in plain words: [(what happens, [entries])]."""
        rows = [row for model, pks in linking_to([self.slug]).items() for row in linking_rows(model, pks)]
        owners = {owning_entry(row) for row in rows} - {self}
        return [
            ("Their links to it become plain text", sorted(owners, key=str)),
            ("They no longer list it as related", list(Term.objects.filter(related=self))),
        ]


class FormerSlug(models.Model):
    """A slug the term had before: its old address redirects to the term's page."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="former_slugs")
    slug = models.SlugField(max_length=100, unique=True, validators=[validate_slug])

    class Meta:
        ordering = ["term", "slug"]

    def __str__(self):
        return self.slug


class Deletion(models.Model):
    """An entry deleted in the admin: until export removes its file, a load must not bring it back.

    Kept afterwards too, so that the entry's old address answers 410 Gone rather than 404.
    """

    kind = models.CharField(max_length=20)  # the model's name: "term", "comparison", "quiz"
    slug = models.SlugField(max_length=200)
    source_file = models.CharField(max_length=300, blank=True)
    source_hash = models.CharField(max_length=64, blank=True)
    deleted = models.DateTimeField(default=timezone.now)
    deleted_by = models.CharField(max_length=150, blank=True)
    exported = models.BooleanField(default=False, help_text="Its file has been removed by export.")

    class Meta:
        ordering = ["-deleted"]
        constraints = [models.UniqueConstraint("kind", "slug", name="deletion_once_per_entry")]

    def __str__(self):
        return f"{self.kind} {self.slug}"

    @classmethod
    def record(cls, entry, by):
        cls.objects.update_or_create(
            kind=entry._meta.model_name,
            slug=entry.slug,
            defaults={
                "source_file": entry.source_file,
                "source_hash": entry.source_hash,
                "deleted": timezone.now(),
                "deleted_by": by.get_username() if by else "",
                "exported": not entry.source_file,
            },
        )


PLAIN = {int, str, float, type(None)}


def in_batches(queryset, field, values, size=10_000):
    """The rows of `queryset` whose `field` is one of `values`, a batch of values per query: a long
    text has more words and word sequences than a query may have parameters (PostgreSQL takes
    65,535; a 100,000-character body has 90,000 sequences)."""
    values = sorted(values)
    return [
        row
        for start in range(0, len(values), size)
        for row in queryset.filter(**{f"{field}__in": values[start : start + size]})
    ]


def insert_rows(model, rows, batch=1000):
    """Insert `rows`, dicts of attribute names and values, into `model`'s table; every field not
    given gets its model default, as with bulk_create.

    bulk_create builds a model instance for each row and prepares each value through it: for the
    hundred thousand links, search names and words of a large first load, that took longer than
    writing them (docs/performance.md). Like bulk_create, this sends no signals.
    """
    fields = [f for f in model._meta.concrete_fields if not f.db_returning]  # not the id
    db = connections[router.db_for_write(model)]
    quote = db.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    defaults = [(f, f.attname, f.get_default()) for f in fields]

    def prepared(value, field):
        # Numbers and text go to the driver as they are; anything else (a date) through its field.
        return value if type(value) in PLAIN else field.get_db_prep_save(value, db)

    with db.cursor() as cursor:
        for start in range(0, len(rows), batch):
            values = [
                [prepared(row.get(n, default), f) for f, n, default in defaults]
                for row in rows[start : start + batch]
            ]
            cursor.executemany(sql, values)


def linking_fields():
    """Every text that can hold [[links]]: {model: (its field, the field of its rendered HTML, the
    relation to the entry whose file holds it, if not itself)}."""
    from glossary.quiz.models import Option

    return {
        Term: ("body", "body_html", None),
        Comparison: ("body", "body_html", None),
        Facet: ("text", "text_html", "term"),
        Option: ("feedback", "feedback_html", "question__quiz"),
    }


def linking_rows(model, pks):
    """The rows of `model` with these pks, with the entries that own them (owning_entry) at hand."""
    owner = linking_fields()[model][2]
    rows = model.objects.filter(pk__in=pks)
    return list(rows.select_related(owner) if owner else rows)


def linking_to(slugs):
    """Everything whose text links to one of these terms: {model: [pk, ...]}."""
    found = {}
    for model, (source, _, _) in linking_fields().items():
        condition = Q(pk__in=[])
        for slug in slugs:
            condition |= Q(**{f"{source}__contains": f"[[{slug}"})
        found[model] = list(model.objects.filter(condition).values_list("pk", flat=True))
    return found


def rerender(linking):
    """Render again what linking_to() found, so its links show the terms' current names (or none)."""
    for model, (source, html, _) in linking_fields().items():
        rows = list(model.objects.filter(pk__in=linking[model]))
        if model is Term:
            for term in rows:
                term.render()
        else:
            targets = Term.objects.link_targets(
                set().union(*(wikilink_slugs(getattr(r, source)) for r in rows))
            )
            for row in rows:
                setattr(row, html, render_markdown(getattr(row, source), targets.get).html)
        model.objects.bulk_update(rows, [html])


def rewrite_links(slug, change, by):
    """Apply `change` to every text that links to `slug`, and mark the entries that own them edited.

    Returns what changed ({model: [pk]}), for rerender().
    """
    changed = linking_to([slug])
    for model, pks in changed.items():
        source = linking_fields()[model][0]
        rows = linking_rows(model, pks)
        for row in rows:
            setattr(row, source, change(getattr(row, source)))
        model.objects.bulk_update(rows, [source])
        mark_edited([owning_entry(row) for row in rows], by)
    return changed


def owning_entry(row):
    """The entry whose file holds `row`: a facet's term, an option's quiz, or the row itself."""
    if isinstance(row, Facet):
        return row.term
    if hasattr(row, "question"):
        return row.question.quiz
    return row


def mark_edited(entries, by):
    """Record an admin change of these entries (not through their own forms): export writes them."""
    from glossary.apps import content_changed

    now, pks = timezone.now(), {}
    for entry in entries:
        pks.setdefault(type(entry), set()).add(entry.pk)
    for model, ids in pks.items():
        model.objects.filter(pk__in=ids).update(edited=now, edited_by=by, updated=now)
    if pks:
        content_changed()


class Alias(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, help_text="Another name a reader may know the term by.")

    class Meta:
        ordering = ["term", "id"]
        verbose_name = "other name"
        constraints = [
            models.UniqueConstraint("term", Lower("name"), name="alias_unique_per_term_ignoring_case"),
        ]

    def __str__(self):
        return self.name


class Source(models.Model):
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(
        max_length=300, help_text="Name the instrument precisely, e.g. “21 CFR 312.3, Definitions”."
    )
    url = models.URLField(max_length=500, help_text="A link to the primary source (regulation, guideline).")

    class Meta:
        ordering = ["term", "id"]

    def __str__(self):
        return self.title


class AspectQuerySet(FileOwnedQuerySet):
    def answered_by(self, terms):
        """The aspects at least one of `terms` has a facet for, in row order, each with `answered`:
        how many of them do. Those all of them answer are the rows they can be compared on."""
        ids = [t.pk for t in terms]
        # The order is said again: Meta.ordering is dropped from grouped queries, and SQLite then
        # returns the groups in whatever order its index gives (by slug).
        return (
            self.annotate(answered=models.Count("facets", filter=Q(facets__term__in=ids), distinct=True))
            .filter(answered__gt=0)
            .order_by("position", "name")
        )


class Aspect(models.Model):
    """A question every compared term answers: one row of a comparison table."""

    slug = models.SlugField(unique=True, validators=[validate_slug])
    name = models.CharField(max_length=100, unique=True, help_text="The row’s heading, e.g. “What it does”.")
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Rows are shown in this order.")

    objects = AspectQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Facet(models.Model):
    """One term's answer to one aspect: a cell of every comparison table the term is in."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="facets")
    aspect = models.ForeignKey(Aspect, on_delete=models.CASCADE, related_name="facets")
    text = models.TextField(help_text="One or two sentences. Markdown and [[links]] allowed.")
    text_html = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["aspect__position", "term"]
        constraints = [models.UniqueConstraint("term", "aspect", name="facet_unique_per_term_and_aspect")]

    def __str__(self):
        return f"{self.term}: {self.aspect}"

    def save(self, *args, **kwargs):
        self.text_html = render_from_database(self.text).html
        super().save(*args, **kwargs)


@dataclass
class Row:
    """A row of a comparison table: an aspect, and (term, facet) for each term (facet None if missing)."""

    aspect: Aspect
    cells: list

    @property
    def anchor(self):
        return f"row-{self.aspect.slug}"


def worth_comparing(shared, answered):
    """Whether terms that all answer the `shared` aspects, and between them the `answered` ones
    (Aspect.objects.answered_by), have enough in common to be set side by side (MIN_SHARED_ASPECTS)."""
    return len(shared) >= MIN_SHARED_ASPECTS and 2 * len(shared) > len(answered)


def comparison_rows(terms, aspects):
    """The table for `terms` side by side on `aspects`, in one query."""
    facets = {(f.term_id, f.aspect_id): f for f in Facet.objects.filter(term__in=terms, aspect__in=aspects)}
    return [Row(aspect, [(t, facets.get((t.pk, aspect.pk))) for t in terms]) for aspect in aspects]


class ComparisonQuerySet(models.QuerySet):
    def for_terms(self, slugs):
        """The authored comparison of exactly these terms, in any order, or None.

        By its terms, not its slug: a comparison keeps its address when one of its terms is renamed.
        """
        if not 2 <= len(set(slugs)) == len(slugs) <= MAX_COMPARED:
            return None
        found = self.annotate(compared=models.Count("terms", distinct=True)).filter(compared=len(slugs))
        for slug in slugs:
            found = found.filter(pk__in=ComparisonTerm.objects.filter(term__slug=slug).values("comparison"))
        return found.first()

    def sharing_a_term_with(self, terms):
        """The comparisons that have at least one of `terms`: the ways on from a comparison of them."""
        return self.filter(pk__in=ComparisonTerm.objects.filter(term__in=terms).values("comparison"))


class Comparison(FromFile):
    slug = models.SlugField(
        max_length=200,
        unique=True,
        validators=[validate_slug],
        help_text="The page’s address, /compare/SLUG/: the term slugs joined by -vs-, e.g. “cro-vs-cmo”.",
    )
    title = models.CharField(max_length=200, help_text="e.g. “CRO vs CMO”.")
    summary = models.TextField(
        max_length=400, help_text="One or two plain sentences: the difference in short."
    )
    body = models.TextField(
        blank=True, max_length=MAX_BODY, help_text="The narrative. Markdown; link terms with [[slug]]."
    )
    body_html = models.TextField(blank=True, editable=False)
    terms = models.ManyToManyField(Term, through="ComparisonTerm", related_name="comparisons")
    aspects = models.ManyToManyField(Aspect, through="ComparisonAspect", related_name="comparisons")
    links = models.ManyToManyField(Term, blank=True, editable=False, related_name="linked_from_comparisons")
    reviewed = models.DateField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = ComparisonQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [summary_at_most(400, "comparison_summary_length")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        rendered = render_from_database(self.body)
        self.body_html = rendered.html
        super().save(*args, **kwargs)
        self.links.set(Term.objects.filter(slug__in=rendered.linked))

    def get_absolute_url(self):
        return reverse("glossary:comparison_detail", args=[self.slug])

    def ordered_terms(self):
        return [ct.term for ct in self.comparison_terms.select_related("term")]

    def ordered_aspects(self):
        return [ca.aspect for ca in self.comparison_aspects.select_related("aspect")]


class ComparisonTerm(models.Model):
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="comparison_terms")
    term = models.ForeignKey(Term, on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["comparison", "position"]
        constraints = [models.UniqueConstraint("comparison", "term", name="comparison_term_once")]

    def __str__(self):
        return f"{self.comparison}: {self.term}"


class ComparisonAspect(models.Model):
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="comparison_aspects")
    aspect = models.ForeignKey(Aspect, on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["comparison", "position"]
        constraints = [models.UniqueConstraint("comparison", "aspect", name="comparison_aspect_once")]

    def __str__(self):
        return f"{self.comparison}: {self.aspect}"


class StageQuerySet(models.QuerySet):
    def sync_timeline(self, stages, bands):
        """Make the timeline these stages (slug, name, term id, description) and bands (term id, label,
        kind, start slug, end slug, note), replaced whole: it is small and read as a whole. Returns
        what was done to it: "created", "updated", "unchanged" or "removed"."""
        have = (
            list(Stage.objects.values_list("slug", "name", "term", "description")),
            list(Band.objects.values_list("term", "label", "kind", "start__slug", "end__slug", "note")),
        )
        if have == (stages, bands):
            return "unchanged"
        Band.objects.all().delete()
        Stage.objects.all().delete()
        Stage.objects.bulk_create(
            Stage(slug=slug, name=name, term_id=term, description=description, position=i)
            for i, (slug, name, term, description) in enumerate(stages)
        )
        ids = dict(Stage.objects.values_list("slug", "id"))
        Band.objects.bulk_create(
            Band(
                term_id=term,
                label=label,
                kind=kind,
                start_id=ids[start],
                end_id=ids[end],
                note=note,
                position=i,
            )
            for i, (term, label, kind, start, end, note) in enumerate(bands)
        )
        return "removed" if not stages else "updated" if have[0] else "created"


class Stage(models.Model):
    """A step of the drug-development timeline, linked to the term that explains it."""

    slug = models.SlugField(unique=True, validators=[validate_slug])
    name = models.CharField(max_length=60)
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="stages")
    description = models.TextField(help_text="One sentence: what happens in this step.")
    position = models.PositiveIntegerField(default=0)

    objects = StageQuerySet.as_manager()

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.name


class Band(models.Model):
    """A stretch of the timeline where a kind of partner takes part or a body of rules applies, or a
    milestone: a meeting, an inspection or a release that happens at one stage."""

    class Kind(models.TextChoices):
        PARTNER = "partner", "Partner"
        RULE = "rule", "Rules"
        MILESTONE = "milestone", "Milestone"

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="bands")
    label = models.CharField(max_length=80, help_text="Short words shown on the band.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    start = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    end = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return f"{self.term}: {self.start} to {self.end}"

    def clean(self):
        if self.start_id and self.end_id and self.start.position > self.end.position:
            raise ValidationError({"end": "The band ends before it starts: pick a later stage."})


class SearchName(models.Model):
    """A term's title, abbreviation or other name, normalised for exact and prefix search."""

    class Kind(models.IntegerChoices):
        NAME = 0, "Title or abbreviation"
        ALIAS = 1, "Other name"

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="search_names")
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, db_index=True)  # "contract research organization"
    compact = models.CharField(max_length=200, db_index=True)  # "contractresearchorganization", "cgmp"

    class Meta:
        indexes = [
            # On PostgreSQL, LIKE 'prefix%' can use only an index built with the pattern operator class.
            models.Index(fields=["key"], name="searchname_key_pattern", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.name


class SearchDocument(models.Model):
    """All of a term's words, normalised, under the database's full-text index (see search.py)."""

    term = models.OneToOneField(
        Term, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    text = models.TextField()

    def __str__(self):
        return str(self.term_id)


class SearchWord(models.Model):
    """The vocabulary of names, with each word's one-letter deletions, for correcting typos."""

    word = models.CharField(max_length=200, db_index=True)
    variant = models.CharField(max_length=200, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint("word", "variant", name="search_word_variant_once")]

    def __str__(self):
        return f"{self.variant} → {self.word}"


class ContentVersion(models.Model):
    """A number that grows with every change to the content: the key to every cached page.

    One row. A load that changes something increases it once, as it commits; so does every other
    transaction that saves content (apps.py). The page cache (middleware.py) checks it on every
    request (latest()), here or, with Redis, as a token in the shared cache, so a change reaches every
    worker on every machine at once.
    """

    number = models.PositiveBigIntegerField(default=1)
    changed = models.DateTimeField(auto_now=True)
    # What the last load rendered every body with (content/plan.py, names_digest): while it stands,
    # a load renders only the entries whose files changed.
    loaded_names = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"content version {self.number}"

    @classmethod
    def current(cls):
        version = cls.objects.filter(pk=1).first()
        return version or cls.objects.get_or_create(pk=1)[0]

    @classmethod
    def read(cls):
        """(number, changed), with one small query: the page cache asks on every request.

        Plain SQL, because building this query through the ORM took longer than serving a cached
        page (bench/pages.py, docs/performance.md). The row is created on first use.
        """
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT number, changed FROM {table} WHERE id = 1")
            row = cursor.fetchone()
        if row is None:
            version = cls.current()
            return version.number, version.changed
        number, changed = row
        # SQLite gives back the stored UTC time without its zone; PostgreSQL gives it with it.
        return number, changed if changed.tzinfo else changed.replace(tzinfo=datetime.UTC)

    @classmethod
    def bump(cls):
        if not cls.objects.filter(pk=1).update(number=models.F("number") + 1, changed=timezone.now()):
            cls.objects.get_or_create(pk=1)
        if cls.shared():
            transaction.on_commit(cls.new_token)

    # With a cache shared by every instance (Redis), the version the page cache checks lives there,
    # because one small read from Redis costs less than a query: a random token, replaced when a
    # change commits. Should a change fail to publish one (a crash between commit and publish), the
    # token still expires: no page is stale for longer than CACHE_TIMEOUT.
    CACHE_KEY = "content-version"
    CACHE_TIMEOUT = 60 * 60

    @staticmethod
    def shared():
        return "shared" in settings.CACHES

    @classmethod
    def latest(cls):
        """What the page cache checks a kept page against, on every request: the token in the shared
        cache when there is one (made on first use), else the number in the database."""
        if cls.shared():
            return caches["shared"].get(cls.CACHE_KEY) or cls.new_token(only_if_missing=True)
        return cls.read()[0]

    @classmethod
    def new_token(cls, only_if_missing=False):
        """Put a new version token in the shared cache (every page cached so far is then stale);
        `only_if_missing`: unless one is there. Returns the token in the cache."""
        cache = caches["shared"]
        token = secrets.token_hex(8)
        if only_if_missing:
            return token if cache.add(cls.CACHE_KEY, token, cls.CACHE_TIMEOUT) else cache.get(cls.CACHE_KEY)
        cache.set(cls.CACHE_KEY, token, cls.CACHE_TIMEOUT)
        return token
