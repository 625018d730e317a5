from django import forms
from markdownx.widgets import AdminMarkdownxWidget

from glossary.models import Source, Term
from glossary.rendering import render_markdown, wikilink_slugs


class TermAdminForm(forms.ModelForm):
    """The admin's term form: the same checks as the loader, and the body rendered once, here."""

    class Meta:
        model = Term
        fields = ["title", "slug", "abbreviation", "summary", "category", "body", "related", "reviewed"]
        widgets = {
            "body": AdminMarkdownxWidget,
            "summary": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_related(self):
        related = self.cleaned_data["related"]
        if self.instance.pk and related.filter(pk=self.instance.pk).exists():
            raise forms.ValidationError("A term cannot be related to itself.")
        return related

    def clean(self):
        cleaned = super().clean()
        body = cleaned.get("body", "")
        targets = Term.objects.link_targets(wikilink_slugs(body))
        slug = cleaned.get("slug")
        if slug and slug not in targets:
            # A new term may link to itself before it exists.
            preview = Term(
                slug=slug, title=cleaned.get("title", slug), abbreviation=cleaned.get("abbreviation", "")
            )
            targets[slug] = preview.link_target()
        self.rendered = render_markdown(body, targets.get)
        if self.rendered.missing:
            links = ", ".join(f"[[{s}]]" for s in self.rendered.missing)
            self.add_error(
                "body", f"These links name no term: {links}. Check the slug, or add the term first."
            )
        return cleaned


class SourceForm(forms.ModelForm):
    # Django 6 assumes https for a URL typed without a scheme; say so now rather than rely on a default.
    url = forms.URLField(
        assume_scheme="https", max_length=500, help_text=Source._meta.get_field("url").help_text
    )

    class Meta:
        model = Source
        fields = ["title", "url"]
