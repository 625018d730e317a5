from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_save

# Saving these is not a change of content: they are the index, statistics and the version itself.
NOT_CONTENT = {"searchname", "searchdocument", "searchword", "contentversion", "attempt", "answer"}


def content_changed(sender, **kwargs):
    from glossary.models import ContentVersion

    ContentVersion.bump()


class GlossaryConfig(AppConfig):
    name = "glossary"
    verbose_name = "Glossary content"

    def ready(self):
        # Every save of content (the admin's included) makes every cached page stale at once.
        for label in ("glossary", "quiz"):
            for model in apps.get_app_config(label).get_models():
                if model._meta.model_name in NOT_CONTENT:
                    continue
                uid = model._meta.label
                post_save.connect(content_changed, sender=model, dispatch_uid=f"content-saved-{uid}")
                post_delete.connect(content_changed, sender=model, dispatch_uid=f"content-deleted-{uid}")
                for field in model._meta.many_to_many:
                    through = field.remote_field.through
                    m2m_changed.connect(
                        content_changed, sender=through, dispatch_uid=f"content-m2m-{through._meta.label}"
                    )
