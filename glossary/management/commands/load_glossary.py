from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from glossary.content import ContentError, EditConflict, display_path, load_content
from glossary.quiz.models import Attempt


class Command(BaseCommand):
    help = (
        "Check every content file, then bring the database in line with them in one transaction. "
        "Any problem is reported as path:line: message and nothing is written. Entries edited in the "
        "admin are never overwritten unless --overwrite-edits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(settings.CONTENT_DIR), help="content directory (default: content/)"
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
        parser.add_argument(
            "--overwrite-edits",
            action="store_true",
            help="let the files win over entries edited in the admin (a revision of each edit is kept)",
        )
        parser.add_argument("--prune", action="store_true", help="remove entries whose files were deleted")

    def handle(self, path, dry_run, overwrite_edits, prune, verbosity, **options):
        try:
            report = load_content(path, dry_run=dry_run, overwrite_edits=overwrite_edits, prune=prune)
        except ContentError as e:
            for problem in e.problems:
                self.stderr.write(str(problem))
            count = len(e.problems)
            what = "conflict" if isinstance(e, EditConflict) else "problem"
            raise CommandError(
                f"{count} {what}{'s' if count != 1 else ''} found in {display_path(path)}; nothing was loaded."
            ) from None

        if dry_run:
            self.stdout.write("Dry run: nothing was written. The load would have changed:")
        for name, counts in report.counts.items():
            self.stdout.write(f"{name.capitalize()}: {describe(counts)}.")
            if verbosity >= 2:
                for action in ("created", "updated", "removed"):
                    for slug in getattr(counts, action):
                        self.stdout.write(f"  {action}: {slug}")
            for slug in counts.kept:
                self.stdout.write(
                    f"  kept the admin edit of {slug}: its file has not changed since. "
                    "Run export_glossary to write the edit to its file."
                )
            for slug in counts.deleted:
                self.stdout.write(f"  {slug} was deleted in the admin: export_glossary removes its file.")
            for slug in counts.missing:
                self.stdout.write(f"  {slug} has no file any more; it stays until you load with --prune.")
        if not report.changed:
            self.stdout.write(self.style.SUCCESS("Everything was already up to date."))
        elif not dry_run:
            self.stdout.write(self.style.SUCCESS("Content loaded."))
        # Every release loads content: a good moment to tidy (prune_attempts, also run from cron).
        if not dry_run and (removed := Attempt.objects.prune()):
            self.stdout.write(f"Removed {removed} quiz attempts never sent, older than their token.")


def describe(counts):
    """ "3 created, 1 updated, 30 unchanged, 0 removed", and what else happened, if anything."""
    text = ", ".join(f"{len(getattr(counts, k))} {k}" for k in ("created", "updated", "unchanged", "removed"))
    notes = {
        "kept": "kept as edited in the admin",
        "deleted": "deleted in the admin",
        "missing": "without a file",
    }
    return text + "".join(
        f", {len(getattr(counts, k))} {note}" for k, note in notes.items() if getattr(counts, k)
    )
