"""Editors: categories, aspects and the timeline belong to their files now, so editors only view them;
they may edit a term's former slugs (its redirects) and view the deletions that export carries out."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FILE_OWNED = ["category", "aspect", "stage", "band"]


def update_editors(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group is None:
        return
    glossary = Permission.objects.filter(content_type__app_label="glossary")
    group.permissions.remove(
        *glossary.filter(content_type__model__in=FILE_OWNED).exclude(codename__startswith="view_")
    )
    group.permissions.add(
        *glossary.filter(content_type__model="formerslug"),
        *glossary.filter(content_type__model="deletion", codename__startswith="view_"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0007_editorial_integrity"),
        ("quiz", "0004_question_updated_and_summary_length"),
    ]

    operations = [migrations.RunPython(update_editors, migrations.RunPython.noop)]
