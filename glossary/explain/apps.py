from django.apps import AppConfig


class ExplainConfig(AppConfig):
    name = "glossary.explain"
    label = "explain"
    verbose_name = "Explain this text"
