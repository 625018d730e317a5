from django.core.management.base import BaseCommand

from glossary.health import report


class Command(BaseCommand):
    help = (
        "List what needs an editor: words used but not defined, entries no other entry links to, entries "
        "without a primary source, entries not reviewed for over a year, and malformed source URLs."
    )

    def handle(self, **options):
        for section in report():
            self.stdout.write(self.style.MIGRATE_HEADING(f"{section.title} ({len(section.items)})"))
            for label, _ in section.items:
                self.stdout.write(f"  {label}")
