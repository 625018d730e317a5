"""The "Editors" group: exactly the permissions to edit the glossary's content, nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = {
    "glossary": [
        "category", "aspect", "term", "alias", "source", "facet",
        "comparison", "comparisonterm", "comparisonaspect", "stage", "band",
    ],
    "quiz": ["quiz", "question", "option", "citation"],
}  # fmt: skip
# Read-only for editors: the advisor is loaded whole from content/advisor.yml; attempts are statistics.
VIEW_ONLY = {"quiz": ["advisor", "attempt", "answer"]}


def create_editors(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = [
        (app, f"{action}_{model}")
        for app, models in CONTENT.items()
        for model in models
        for action in ("add", "change", "delete", "view")
    ] + [(app, f"view_{model}") for app, models in VIEW_ONLY.items() for model in models]
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.set(
        [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in wanted]
    )


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("glossary", "0004_provenance"),
        ("quiz", "0002_provenance"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
