from django.contrib import admin

from glossary.explain.models import AskedWord


@admin.register(AskedWord)
class AskedWordAdmin(admin.ModelAdmin):
    """Words people asked about that the glossary lacks: candidates for new entries. Read-only, and
    only those asked about often enough to be no one's secret (AskedWord)."""

    list_display = ["word", "requests", "first_asked"]
    search_fields = ["word"]

    def get_queryset(self, request):
        return super().get_queryset(request).shown()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
