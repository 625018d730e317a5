"""The admin. Every record has one owner (README, "Who owns what"):

- Terms (with their other names, sources and facets), comparisons, quizzes and their questions are
  edited here as well as in their files (EntryAdmin): each save takes the content lock, refuses to
  overwrite a change made since the form was opened, and marks the entry edited so that no load
  reverts it and the next export writes it out. They have history, and a revert goes through the
  same save.
- Categories, aspects, the timeline and the advisor belong to their files (FileOwnedAdmin): shown
  here, read-only, with the file to change.
"""

import reversion
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from reversion.models import Version
from reversion_compare.admin import CompareVersionAdmin

from glossary.apps import one_version_bump
from glossary.content import ContentError, load_content
from glossary.forms import ComparisonAdminForm, FacetForm, SourceForm, TermAdminForm
from glossary.health import report
from glossary.models import (
    Alias,
    Aspect,
    Band,
    Category,
    Comparison,
    Deletion,
    Facet,
    FormerSlug,
    Source,
    Stage,
    Term,
    lock_content,
    mark_edited,
    rerender,
    unexported,
)
from glossary.search import index_terms

# A term's versions hold what it owns, not its rendered HTML or links, which every save derives
# again (a revert goes through the same save), nor its related terms: a revert then never depends on
# another term's row, which may have been deleted since, and leaves the related terms as they are.
for owned in (Alias, Source, Facet, FormerSlug):
    reversion.register(owned)
reversion.register(
    Term, follow=["aliases", "sources", "facets", "former_slugs"], exclude=["body_html", "links", "related"]
)


def keep_loaded_version(entry):
    """Before the admin first changes an entry a load created: its version "as loaded", which the
    load itself does not write (a first load of 10,000 terms would take twice as long)."""
    if entry.source_file and not Version.objects.get_for_object(entry).exists():
        entry.save_version(f"Loaded from {entry.source_file} by load_glossary", entry.loaded)


class UnexportedFilter(admin.SimpleListFilter):
    title = "admin edits"
    parameter_name = "unexported"

    def lookups(self, request, model_admin):
        return [("yes", "Not yet exported to files")]

    def queryset(self, request, queryset):
        return unexported(queryset) if self.value() == "yes" else queryset


class EntryAdmin(CompareVersionAdmin):
    """An entry editable here and in its file: see the module's docstring."""

    list_filter = [UnexportedFilter]
    actions = ["take_file"]

    def locked(self, request, view, *args, **kwargs):
        """Run an admin view in a transaction that holds the content lock, when it may write."""
        with transaction.atomic(), one_version_bump():
            if request.method == "POST":
                lock_content()
            return view(request, *args, **kwargs)

    def changeform_view(self, request, *args, **kwargs):
        return self.locked(request, super().changeform_view, *args, **kwargs)

    def change_view(self, request, object_id, *args, **kwargs):
        # Outside the revision that the save makes (VersionAdmin.change_view), or they would merge.
        entry = self.get_object(request, object_id)
        if request.method == "POST" and entry is not None:
            keep_loaded_version(self.owner(entry))
        return super().change_view(request, object_id, *args, **kwargs)

    # django-reversion checks permissions on the model for the history list only, and
    # reversion-compare not at all: every view of an entry's versions asks here, for that entry.

    def allowed(self, request, object_id, change=False):
        entry = self.get_object(request, unquote(object_id))
        may = self.has_change_permission if change else self.has_view_or_change_permission
        if entry is None or not may(request, entry):
            raise PermissionDenied

    def history_view(self, request, object_id, *args, **kwargs):
        self.allowed(request, object_id)
        return super().history_view(request, object_id, *args, **kwargs)

    def compare_view(self, request, object_id, *args, **kwargs):
        self.allowed(request, object_id)
        return super().compare_view(request, object_id, *args, **kwargs)

    def revision_view(self, request, object_id, *args, **kwargs):
        self.allowed(request, object_id, change=True)
        return self.locked(request, super().revision_view, object_id, *args, **kwargs)

    def recover_view(self, request, *args, **kwargs):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        return self.locked(request, super().recover_view, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self.locked(request, super().delete_view, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self.locked(request, super().changelist_view, *args, **kwargs)

    def owner(self, entry):
        """The entry whose file holds `entry`: itself (a question's is its quiz)."""
        return entry

    def save_model(self, request, obj, form, change):
        owner = self.owner(obj)
        owner.edited, owner.edited_by = timezone.now(), request.user
        if owner is not obj:
            mark_edited([owner], request.user)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        self.delete_queryset(request, type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        unlinked = []
        for entry in queryset:
            owner = self.owner(entry)
            keep_loaded_version(owner)
            if owner is not entry:
                mark_edited([owner], request.user)
                continue
            if isinstance(entry, Term):
                unlinked.append(entry.unlink_everywhere(request.user))
            Deletion.record(entry, request.user)
        super().delete_queryset(request, queryset)
        for changed in unlinked:  # now that the term is gone, nothing links to it again
            rerender(changed)

    @admin.action(description="Discard my edits of the selected entries: take their files")
    def take_file(self, request, queryset):
        take = {(type(owner), owner.slug) for owner in map(self.owner, queryset)}
        try:
            load_content(settings.CONTENT_DIR, take=take)
        except ContentError as e:
            self.message_user(request, f"Nothing was changed: {e}", messages.ERROR)
            return
        self.message_user(
            request, f"Replaced {len(take)} entr{'y' if len(take) == 1 else 'ies'} by their files."
        )


class FileOwnedAdmin(admin.ModelAdmin):
    """Owned by a content file: shown, never changed here (a load would put the file's back)."""

    file = ""
    change_list_template = "admin/glossary/file_owned_change_list.html"
    change_form_template = "admin/glossary/file_owned_change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def render_change_form(self, request, context, *args, **kwargs):
        context["owning_file"] = self.file
        return super().render_change_form(request, context, *args, **kwargs)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "owning_file": self.file})


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


class FormerSlugInline(admin.TabularInline):
    model = FormerSlug
    extra = 0
    verbose_name = "former slug (its old address redirects here)"


@admin.register(Category)
class CategoryAdmin(FileOwnedAdmin):
    file = "content/categories.yml"
    list_display = ["name", "slug", "position"]


@admin.register(Aspect)
class AspectAdmin(FileOwnedAdmin):
    file = "content/aspects.yml"
    list_display = ["name", "slug", "position"]


@admin.register(Stage)
class StageAdmin(FileOwnedAdmin):
    file = "content/timeline.yml"
    list_display = ["name", "slug", "term", "position"]
    list_select_related = ["term"]


@admin.register(Band)
class BandAdmin(FileOwnedAdmin):
    file = "content/timeline.yml"
    list_display = ["term", "label", "kind", "start", "end", "position"]
    list_select_related = ["term", "start", "end"]


@admin.register(Term)
class TermAdmin(EntryAdmin):
    change_list_template = "admin/glossary/term/change_list.html"
    delete_confirmation_template = "admin/glossary/term/delete_confirmation.html"
    form = TermAdminForm
    list_display = ["title", "abbreviation", "category", "reviewed", "updated"]
    list_filter = [UnexportedFilter, "category", "reviewed"]
    list_select_related = ["category"]
    search_fields = ["title", "abbreviation", "aliases__name", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["related"]
    inlines = [AliasInline, SourceInline, FacetInline, FormerSlugInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "abbreviation", "sense", "summary", "category", "seen"]}),
        ("Entry", {"fields": ["body", "autolink", "related", "reviewed"]}),
    ]

    def get_urls(self):
        health = self.admin_site.admin_view(self.health_view)
        return [path("health/", health, name="glossary_health"), *super().get_urls()]

    def health_view(self, request):
        """Content health (glossary/health.py) for anyone who may view terms."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": "Content health", "sections": report()}
        return TemplateResponse(request, "admin/glossary/health.html", context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        index_terms([form.instance.pk])  # its other names were saved just now

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        named = [p for term in objs for p in term.protected_by()]
        if named:  # what the files name, and which file to change: clearer than "no permission"
            return deleted, counts, set(), [*protected, *named]
        return deleted, counts, perms_needed, protected

    def render_delete_form(self, request, context):
        context["dependants"] = context["object"].dependants()
        return super().render_delete_form(request, context)


@admin.register(Comparison)
class ComparisonAdmin(EntryAdmin):
    form = ComparisonAdminForm
    list_display = ["title", "slug", "reviewed", "updated"]
    search_fields = ["title", "slug", "terms__title", "terms__abbreviation"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.save_rows()
