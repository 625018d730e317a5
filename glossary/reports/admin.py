from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator

from glossary.reports.models import Report


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("closed", "Closed")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.open()
        if self.value() == "closed":
            return queryset.filter(closed=True)
        return queryset


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Readers' reports of problems, open ones first. An editor reads one, fixes the entry (linked),
    and closes the report, which deletes the reader's email address. Reports are never shown on the
    public site, and nothing here is content: closing one leaves every cached page as it is."""

    list_display = ["created", "about", "excerpt", "has_email", "status"]
    list_display_links = ["created"]
    list_filter = [StatusFilter, "kind"]
    show_facets = admin.ShowFacets.ALWAYS  # "Open (3)": the count an editor looks for
    search_fields = ["title", "slug", "message"]
    date_hierarchy = "created"
    actions = ["close_reports"]
    fields = ["entry", "message", "email", "created", "closed", "closed_at", "closed_by"]
    readonly_fields = ["entry", "message", "email", "created", "closed_at", "closed_by"]

    def has_add_permission(self, request):
        return False  # reports come from readers

    def changelist_view(self, request, extra_context=None):
        count = Report.objects.open().count()
        title = f"Reports of problems: {count} open" if count else "Reports of problems: none open"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    @admin.display(description="about", ordering="title")
    def about(self, report):
        return format_html('{} <a href="{}">{}</a>', report.get_kind_display(), report.path, report.title)

    @admin.display(description="about")
    def entry(self, report):
        """The entry's public page, and its admin page while it exists (one query: the form only)."""
        admin_url = report.admin_url()
        if admin_url is None:
            return format_html("{} (no longer in the glossary)", self.about(report))
        return format_html('{} · <a href="{}">edit it</a>', self.about(report), admin_url)

    @admin.display(description="message")
    def excerpt(self, report):
        return Truncator(report.message).chars(120)

    @admin.display(description="email", boolean=True)
    def has_email(self, report):
        return bool(report.email)

    @admin.display(description="status", ordering="closed")
    def status(self, report):
        if not report.closed:
            return "open"
        return f"closed {report.closed_at:%Y-%m-%d}" if report.closed_at else "closed"

    def save_model(self, request, obj, form, change):
        if obj.closed and "closed" in form.changed_data:
            obj.closed_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(
        description="Close the selected reports (deletes their email addresses)", permissions=["change"]
    )
    def close_reports(self, request, queryset):
        closed = queryset.close(request.user)
        self.message_user(
            request,
            f"Closed {closed} report{'s' if closed != 1 else ''}; their email addresses were deleted.",
            messages.SUCCESS,
        )
