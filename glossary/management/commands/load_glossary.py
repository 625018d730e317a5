from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from glossary.content import ContentError, display_path, load_content
from glossary.content.parallel import ProcessLost

# Files read between two progress lines, on a load large enough to show them.
PROGRESS_EVERY = 1000


class Command(BaseCommand):
    help = (
        "Check every content file, then bring the database in line with them in one transaction. "
        "Any problem is reported as path:line: message and nothing is written. Entries edited in the "
        "admin since they were loaded are never overwritten unless --overwrite-edits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(settings.CONTENT_DIR), help="content directory (default: content/)"
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
        parser.add_argument(
            "--overwrite-edits",
            action="store_true",
            help="replace entries edited in the admin whose files changed too (a revision of each is kept)",
        )
        parser.add_argument("--prune", action="store_true", help="remove entries whose files were deleted")
        parser.add_argument(
            "--full",
            action="store_true",
            help="read and compare every file even when neither the files nor the database changed since "
            "the last load (say, after the database was changed by hand)",
        )

    def handle(self, path, dry_run, overwrite_edits, prune, full, verbosity, **options):
        def progress(done, total):
            if verbosity >= 1 and total >= PROGRESS_EVERY and (done % PROGRESS_EVERY == 0 or done == total):
                self.stdout.write(f"Read {done:,} of {total:,} files")

        try:
            report = load_content(
                path,
                dry_run=dry_run,
                overwrite_edits=overwrite_edits,
                prune=prune,
                full=full,
                progress=progress,
            )
        except ContentError as e:
            for problem in e.problems:
                self.stderr.write(str(problem))
            count = len(e.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} found in {display_path(path)}; nothing was loaded."
            ) from None
        except ProcessLost as e:
            raise CommandError(f"{e}. Nothing was loaded.") from None

        if dry_run:
            self.stdout.write("Dry run: nothing was written. The load would have changed:")
        for name, counts in report.counts.items():
            self.stdout.write(f"{name.capitalize()}: {counts}.")
            if verbosity >= 2:
                for action in ("created", "updated", "removed"):
                    for slug in getattr(counts, action):
                        self.stdout.write(f"  {action}: {slug}")
            for slug in counts.kept:
                self.stdout.write(
                    f"  kept the admin edit of {slug}: its file has not changed since it was loaded. "
                    "Run export_glossary to write the edit back to the file."
                )
            for slug in counts.missing:
                self.stdout.write(f"  {slug} has no file any more; it stays until you load with --prune.")
        if not report.changed:
            self.stdout.write(self.style.SUCCESS("Everything was already up to date."))
        elif not dry_run:
            self.stdout.write(self.style.SUCCESS("Content loaded."))
