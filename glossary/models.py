import string
from dataclasses import dataclass
from itertools import groupby

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from glossary.rendering import LinkTarget, render_markdown, running_text, wikilink_slugs

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
validate_slug = RegexValidator(
    SLUG_PATTERN, "Use lowercase letters, digits and single hyphens, for example “phase-1”."
)

# The entries every learner starts from (see PRODUCT.md): the home page leads to them.
CORE_SLUGS = ["cmo", "cdmo", "cro", "cmc", "cgmp", "phase-1", "phase-2", "phase-3", "phase-4"]


class Category(models.Model):
    slug = models.SlugField(unique=True, validators=[validate_slug])
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="One sentence shown under the category’s name.")
    position = models.PositiveIntegerField(default=0, help_text="Categories are listed in this order.")

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


class TermQuerySet(models.QuerySet):
    def alphabetical(self):
        """[(letter, [IndexEntry, ...]), ...]: every term by title, and again by abbreviation."""
        entries = []
        for term in self:
            entries.append(IndexEntry(term.title, term))
            if term.abbreviation:
                entries.append(IndexEntry(term.abbreviation, term, is_abbreviation=True))
        entries.sort(key=lambda e: (e.letter == "#", e.label.casefold(), e.is_abbreviation))
        return [(letter, list(group)) for letter, group in groupby(entries, key=lambda e: e.letter)]

    def rerender(self):
        """Render the bodies of these terms again, e.g. after a term they link to changed or went."""
        terms = list(self.only("id", "slug", "body"))
        slugs = set().union(*(wikilink_slugs(t.body) for t in terms))
        targets = self.model.objects.link_targets(slugs)
        for term in terms:
            term.render_body(targets.get)
        self.model.objects.bulk_update(terms, ["body_html"])
        return terms

    def link_targets(self, slugs):
        """{slug: LinkTarget} for the given slugs, in one query."""
        terms = self.filter(slug__in=slugs).only("slug", "title", "abbreviation", "summary")
        return {t.slug: t.link_target() for t in terms}

    def related_to(self, term):
        """Terms related to `term` in either direction: those it lists and those that list it."""
        return self.filter(Q(related_from=term) | Q(related=term)).exclude(pk=term.pk).distinct()


class Term(models.Model):
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
        ]

    def __str__(self):
        return f"{self.title} ({self.abbreviation})" if self.abbreviation else self.title

    def get_absolute_url(self):
        return reverse("glossary:term_detail", args=[self.slug])

    @property
    def letter(self):
        """The A–Z section the term is listed under."""
        first = self.title[:1].upper()
        return first if first in string.ascii_uppercase else "#"

    def link_target(self):
        return LinkTarget(
            slug=self.slug,
            url=self.get_absolute_url(),
            label=self.abbreviation or running_text(self.title),
            summary=self.summary,
        )

    def render_body(self, resolve):
        """Render the body into body_html; returns the Rendered result (linked and missing slugs)."""
        rendered = render_markdown(self.body, resolve)
        self.body_html = rendered.html
        return rendered


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
