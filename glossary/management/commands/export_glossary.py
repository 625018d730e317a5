from django.conf import settings
from django.core.management.base import BaseCommand

from glossary.content import display_path
from glossary.content.export import export_content


class Command(BaseCommand):
    help = (
        "Write the database out as content files in the documented format (content/README.md), "
        "so edits made in the admin can be reviewed and committed. Loading the result changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(settings.CONTENT_DIR), help="where to write (default: content/)"
        )

    def handle(self, path, verbosity, **options):
        result = export_content(path)
        if verbosity >= 2:
            for name in result["written"]:
                self.stdout.write(f"  wrote {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported to {display_path(path)}: {len(result['written'])} files written, "
                f"{len(result['unchanged'])} already up to date."
            )
        )
