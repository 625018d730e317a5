from django import forms
from django.core.exceptions import ValidationError
from markdownx.widgets import AdminMarkdownxWidget

from glossary.models import (
    MAX_COMPARED,
    Aspect,
    Comparison,
    ComparisonAspect,
    ComparisonTerm,
    Facet,
    Source,
    Term,
)
from glossary.rendering import render_markdown, wikilink_slugs


def render_checked(text, extra_targets=None, autolink_for=None):
    """Render Markdown as the loader does, resolving [[links]] from the database.

    With `autolink_for` (a term's slug), the first mentions of other terms are linked as at load.
    Raises ValidationError naming every link to a term that does not exist, as the loader would.
    """
    targets = Term.objects.link_targets(wikilink_slugs(text))
    for target in extra_targets or []:
        targets.setdefault(target.slug, target)
    mentions = Term.objects.mentions_in(text) if autolink_for else None
    rendered = render_markdown(text, targets.get, mentions, autolink_for)
    if rendered.missing:
        links = ", ".join(f"[[{s}]]" for s in rendered.missing)
        raise ValidationError(f"These links name no term: {links}. Check the slug, or add the term first.")
    return rendered


class EditGuard(forms.ModelForm):
    """Refuses a save when the entry changed since the form was opened, keeping the form's text."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen"].initial = self.instance.updated.isoformat()

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # The admin holds the content lock while it validates and saves (admin.EntryAdmin).
            current = type(self.instance).objects.filter(pk=self.instance.pk).first()
            if current and current.updated.isoformat() != cleaned.get("seen"):
                who = current.last_change() if hasattr(current, "last_change") else "someone else"
                raise ValidationError(
                    f"Not saved: this entry was changed by {who} since you opened it. Your text is "
                    "still in the form: copy what you need, reload the page, and apply it again."
                )
        return cleaned


class BodyForm(EditGuard):
    """Browsers send a textarea's lines ending in CRLF; the files and the database use LF."""

    def clean_body(self):
        """As a file holds it: lines ending in LF, and a final newline."""
        body = self.cleaned_data["body"].replace("\r\n", "\n").strip("\n")
        return f"{body}\n" if body else ""


def slug_list(value):
    return [s.strip() for s in value.replace("\n", ",").split(",") if s.strip()]


class TermAdminForm(BodyForm):
    """The admin's term form: the same checks as the loader, and the body rendered once, here."""

    class Meta:
        model = Term
        fields = [
            "title",
            "slug",
            "abbreviation",
            "sense",
            "summary",
            "category",
            "body",
            "autolink",
            "related",
            "reviewed",
        ]
        widgets = {"body": AdminMarkdownxWidget, "summary": forms.Textarea(attrs={"rows": 2})}

    def clean_related(self):
        related = self.cleaned_data["related"]
        if self.instance.pk and related.filter(pk=self.instance.pk).exists():
            raise forms.ValidationError("A term cannot be related to itself.")
        return related

    def clean(self):
        cleaned = super().clean()
        slug = cleaned.get("slug")
        # A new term may link to itself before it exists.
        itself = Term(
            slug=slug, title=cleaned.get("title", slug), abbreviation=cleaned.get("abbreviation", "")
        )
        try:
            self.rendered = render_checked(
                cleaned.get("body", ""),
                [itself.link_target()] if slug else [],
                autolink_for=slug if cleaned.get("autolink") else None,
            )
        except ValidationError as e:
            self.add_error("body", e)
        return cleaned


class FacetForm(forms.ModelForm):
    class Meta:
        model = Facet
        fields = ["aspect", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 60})}

    def clean_text(self):
        text = self.cleaned_data["text"]
        self.rendered = render_checked(text)
        return text


class SourceForm(forms.ModelForm):
    # Django 6 assumes https for a URL typed without a scheme; say so now rather than rely on a default.
    url = forms.URLField(
        assume_scheme="https", max_length=500, help_text=Source._meta.get_field("url").help_text
    )

    class Meta:
        model = Source
        fields = ["title", "url"]


class ComparisonAdminForm(BodyForm):
    """Terms and rows are typed as slug lists, as in the content files, and checked the same way."""

    term_slugs = forms.CharField(
        label="Terms", help_text="Two to four term slugs, in column order, separated by commas: “cro, cmo”."
    )
    aspect_slugs = forms.CharField(
        label="Rows",
        help_text="Aspect slugs, in row order, separated by commas. Every term needs a facet for each.",
    )

    class Meta:
        model = Comparison
        fields = ["title", "slug", "summary", "term_slugs", "aspect_slugs", "body", "reviewed", "seen"]
        widgets = {"body": AdminMarkdownxWidget, "summary": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["term_slugs"] = ", ".join(t.slug for t in self.instance.ordered_terms())
            self.initial["aspect_slugs"] = ", ".join(a.slug for a in self.instance.ordered_aspects())

    def clean_term_slugs(self):
        slugs = slug_list(self.cleaned_data["term_slugs"])
        if not 2 <= len(slugs) <= MAX_COMPARED or len(set(slugs)) != len(slugs):
            raise ValidationError(f"Give 2 to {MAX_COMPARED} different terms.")
        found = Term.objects.in_bulk(slugs, field_name="slug")
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise ValidationError(f"No term has the slug “{unknown[0]}”.")
        other = Comparison.objects.for_terms(slugs)
        if other and other.pk != self.instance.pk:
            raise ValidationError(f"These terms are already compared in “{other}”.")
        self.terms = [found[s] for s in slugs]
        return slugs

    def clean_aspect_slugs(self):
        slugs = slug_list(self.cleaned_data["aspect_slugs"])
        found = Aspect.objects.in_bulk(slugs, field_name="slug")
        unknown = [s for s in slugs if s not in found]
        if unknown or not slugs:
            raise ValidationError(
                f"No aspect has the slug “{unknown[0]}”." if unknown else "Give at least one row."
            )
        self.aspects = [found[s] for s in slugs]
        return slugs

    def clean(self):
        cleaned = super().clean()
        terms, aspects = cleaned.get("term_slugs"), cleaned.get("aspect_slugs")
        if terms and aspects:
            answered = set(
                Facet.objects.filter(term__in=self.terms, aspect__in=self.aspects).values_list(
                    "term__slug", "aspect__slug"
                )
            )
            for aspect in aspects:
                missing = [t for t in terms if (t, aspect) not in answered]
                if missing:
                    self.add_error(
                        "aspect_slugs",
                        f"The row “{aspect}” misses {', '.join(missing)}: add that facet to the term first.",
                    )
        try:
            self.rendered = render_checked(cleaned.get("body", ""))
        except ValidationError as e:
            self.add_error("body", e)
        return cleaned

    def save_rows(self):
        """The comparison's columns and rows, in the order typed."""
        comparison = self.instance
        comparison.comparison_terms.all().delete()
        ComparisonTerm.objects.bulk_create(
            ComparisonTerm(comparison=comparison, term=t, position=i) for i, t in enumerate(self.terms)
        )
        comparison.comparison_aspects.all().delete()
        ComparisonAspect.objects.bulk_create(
            ComparisonAspect(comparison=comparison, aspect=a, position=i) for i, a in enumerate(self.aspects)
        )
