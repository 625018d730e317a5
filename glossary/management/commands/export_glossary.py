from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from glossary.content import display_path
from glossary.content.export import export_content


class Command(BaseCommand):
    help = (
        "Write what was changed in the admin since the last load or export back to the content files "
        "(content/README.md), keeping each file's layout, and remove the files of entries deleted in "
        "the admin. Files nobody edited are left alone; the next load finds nothing to do."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(settings.CONTENT_DIR), help="where to write (default: content/)"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="write the admin's version even over a file that changed on disk since it was loaded",
        )

    def handle(self, path, force, verbosity, **options):
        result = export_content(path, force=force)
        if verbosity >= 2:
            for name in result.written:
                self.stdout.write(f"  wrote {name}")
            for name in result.removed:
                self.stdout.write(f"  removed {name}")
        for reason in result.refused:
            self.stderr.write(reason)
        self.stdout.write(
            f"Exported to {display_path(path)}: {len(result.written)} written, {len(result.removed)} removed."
        )
        if result.refused:
            raise CommandError(f"{len(result.refused)} file(s) left as they were; see above.")
