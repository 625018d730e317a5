"""Editors read readers' reports of problems and close them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def update_editors(apps, schema_editor):
    app_config = apps.get_app_config("reports")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Editors").first()
    if group is None:
        return
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="reports", codename__in=["view_report", "change_report"]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("quiz", "0007_quiz_body_limit"),
    ]

    operations = [migrations.RunPython(update_editors, migrations.RunPython.noop)]
