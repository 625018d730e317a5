from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from glossary.content import ContentError, display_path, load_content


class Command(BaseCommand):
    help = (
        "Check every content file, then bring the database in line with them in one transaction. "
        "Any problem is reported as path:line: message and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(settings.CONTENT_DIR), help="content directory (default: content/)"
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")

    def handle(self, path, dry_run, verbosity, **options):
        try:
            report = load_content(path, dry_run=dry_run)
        except ContentError as e:
            for problem in e.problems:
                self.stderr.write(str(problem))
            count = len(e.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} found in {display_path(path)}; nothing was loaded."
            ) from None

        if dry_run:
            self.stdout.write("Dry run: nothing was written. The load would have changed:")
        for name, counts in report.counts.items():
            self.stdout.write(f"{name.capitalize()}: {counts}.")
            if verbosity >= 2:
                for action in ("created", "updated", "removed"):
                    for slug in getattr(counts, action):
                        self.stdout.write(f"  {action}: {slug}")
        if not report.changed:
            self.stdout.write(self.style.SUCCESS("Everything was already up to date."))
        elif not dry_run:
            self.stdout.write(self.style.SUCCESS("Content loaded."))
