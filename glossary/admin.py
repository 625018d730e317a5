from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from reversion_compare.admin import CompareVersionAdmin

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
from glossary.search import index_terms


class RenderedBodyMixin:
    """The form rendered the body while checking it; store that HTML (never edited by hand).

    Also marks the entry as edited in the admin, by whom and when, so that the next load of its
    file will not overwrite the edit silently.
    """

    def save_model(self, request, obj, form, change):
        obj.body_html = form.rendered.html
        obj.edited, obj.edited_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


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
        # Links to this term show its abbreviation or title: bring them up to date.
        Term.objects.filter(links=term).exclude(pk=term.pk).rerender()
        index_terms([term.pk])

    def delete_model(self, request, obj):
        linking = list(Term.objects.filter(links=obj).exclude(pk=obj.pk).values_list("pk", flat=True))
        super().delete_model(request, obj)
        Term.objects.filter(pk__in=linking).rerender()

    def delete_queryset(self, request, queryset):
        linking = list(Term.objects.filter(links__in=queryset).values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        Term.objects.filter(pk__in=linking).rerender()


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
