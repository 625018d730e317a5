from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "glossary.reports"
    label = "reports"
    verbose_name = "Reports of problems"
