import contextvars
from contextlib import contextmanager

from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_save

# Saving these is not a change of content: they are the index, statistics and the version itself.
NOT_CONTENT = {"searchname", "searchdocument", "searchword", "contentversion", "attempt", "answer"}


_changes = contextvars.ContextVar("content_changes", default=None)


@contextmanager
def one_version_bump():
    """Changes to content inside this block bump the content version once, as the block ends.

    A load and an admin save each run inside one: a term saved with thirty other names would
    otherwise bump it thirty-one times. Put it inside the transaction, so the bump commits with it.
    """
    changes = []
    token = _changes.set(changes)
    try:
        yield changes
    finally:
        _changes.reset(token)
    if changes:
        from glossary.models import ContentVersion

        ContentVersion.bump()


def content_changed(sender=None, **kwargs):
    changes = _changes.get()
    if changes is None:
        from glossary.models import ContentVersion

        ContentVersion.bump()
    else:
        changes.append(sender)


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
