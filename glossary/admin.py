from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from reversion_compare.admin import CompareVersionAdmin

from glossary.content.revisions import loaded_version
from glossary.forms import ComparisonAdminForm, FacetForm, SourceForm, TermAdminForm
from glossary.health import report
from glossary.models import (
    Alias,
    Aspect,
    Band,
    Category,
    Comparison,
    ComparisonAspect,
    ComparisonTerm,
    Facet,
    Source,
    Stage,
    Term,
)
from glossary.quiz.models import Option
from glossary.rendering import render_markdown, wikilink_slugs
from glossary.search import index_terms


def linking_to(slugs):
    """Everything whose stored HTML links to one of these terms: {model: [pk, ...]}.

    Collected before a delete, since the recorded links of a term go with it.
    """
    text = Q(pk__in=[])
    feedback = Q(pk__in=[])
    for slug in slugs:
        text |= Q(text__contains=f"[[{slug}")
        feedback |= Q(feedback__contains=f"[[{slug}")
    return {
        Term: list(
            Term.objects.filter(links__slug__in=slugs).exclude(slug__in=slugs).values_list("pk", flat=True)
        ),
        Comparison: list(Comparison.objects.filter(links__slug__in=slugs).values_list("pk", flat=True)),
        Facet: list(Facet.objects.filter(text).values_list("pk", flat=True)),
        Option: list(Option.objects.filter(feedback).values_list("pk", flat=True)),
    }


# Content besides term bodies that links to terms: its Markdown field and its stored HTML field.
RENDERED_FIELDS = {
    Comparison: ("body", "body_html"),
    Facet: ("text", "text_html"),
    Option: ("feedback", "feedback_html"),
}


def rerender(linking):
    """Render again what linking_to() found, so its links show the terms' current names (or none)."""
    Term.objects.filter(pk__in=linking[Term]).rerender()
    for model, (source, html) in RENDERED_FIELDS.items():
        rows = list(model.objects.filter(pk__in=linking[model]))
        targets = Term.objects.link_targets(set().union(*(wikilink_slugs(getattr(r, source)) for r in rows)))
        for row in rows:
            setattr(row, html, render_markdown(getattr(row, source), targets.get).html)
        model.objects.bulk_update(rows, [html])


class RenderedBodyMixin:
    """The form rendered the body while checking it; store that HTML (never edited by hand).

    Also marks the entry as edited in the admin, by whom and when, so that the next load of its
    file will not overwrite the edit silently; and keeps a version of a loaded entry as it was
    loaded before its first change (see content/revisions.py).
    """

    def save_model(self, request, obj, form, change):
        if change:
            loaded_version(type(obj).objects.filter(pk=obj.pk))
        obj.body_html = form.rendered.html
        obj.edited, obj.edited_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        loaded_version(type(obj).objects.filter(pk=obj.pk))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        loaded_version(queryset)
        super().delete_queryset(request, queryset)


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


class SourceInline(admin.TabularInline):
    model = Source
    form = SourceForm
    extra = 1


class FacetInline(admin.TabularInline):
    model = Facet
    form = FacetForm
    extra = 0
    verbose_name = "facet (a cell of comparison tables)"


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Aspect)
class AspectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Term)
class TermAdmin(RenderedBodyMixin, CompareVersionAdmin):
    change_list_template = "admin/glossary/term/change_list.html"

    def get_urls(self):
        health = self.admin_site.admin_view(self.health_view)
        return [path("health/", health, name="glossary_health"), *super().get_urls()]

    def health_view(self, request):
        """Content health (glossary/health.py) for anyone who may view terms."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": "Content health", "sections": report()}
        return TemplateResponse(request, "admin/glossary/health.html", context)

    form = TermAdminForm
    list_display = ["title", "abbreviation", "category", "reviewed", "updated"]
    list_filter = ["category", "reviewed"]
    list_select_related = ["category"]
    search_fields = ["title", "abbreviation", "aliases__name", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["related"]
    inlines = [AliasInline, SourceInline, FacetInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "abbreviation", "sense", "summary", "category"]}),
        ("Entry", {"fields": ["body", "autolink", "related", "reviewed"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        term = form.instance
        term.links.set(Term.objects.filter(slug__in=form.rendered.linked))
        # Links to this term show its abbreviation or title: bring them up to date everywhere.
        rerender(linking_to([term.slug]))
        index_terms([term.pk])

    def delete_model(self, request, obj):
        linking = linking_to([obj.slug])
        super().delete_model(request, obj)
        rerender(linking)

    def delete_queryset(self, request, queryset):
        linking = linking_to(list(queryset.values_list("slug", flat=True)))
        super().delete_queryset(request, queryset)
        rerender(linking)


@admin.register(Comparison)
class ComparisonAdmin(RenderedBodyMixin, CompareVersionAdmin):
    form = ComparisonAdminForm
    list_display = ["title", "slug", "reviewed", "updated"]
    search_fields = ["title", "slug", "terms__title", "terms__abbreviation"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        comparison = form.instance
        comparison.comparison_terms.all().delete()
        ComparisonTerm.objects.bulk_create(
            ComparisonTerm(comparison=comparison, term=t, position=i) for i, t in enumerate(form.terms)
        )
        comparison.comparison_aspects.all().delete()
        ComparisonAspect.objects.bulk_create(
            ComparisonAspect(comparison=comparison, aspect=a, position=i) for i, a in enumerate(form.aspects)
        )
        comparison.links.set(Term.objects.filter(slug__in=form.rendered.linked))


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "term", "position"]
    list_editable = ["position"]
    list_select_related = ["term"]
    autocomplete_fields = ["term"]


@admin.register(Band)
class BandAdmin(admin.ModelAdmin):
    list_display = ["term", "label", "kind", "start", "end", "position"]
    list_editable = ["position"]
    list_select_related = ["term", "start", "end"]
    autocomplete_fields = ["term"]
