from django.core.management.base import BaseCommand

from glossary.quiz.models import ATTEMPT_MAX_AGE, Attempt


class Command(BaseCommand):
    help = (
        f"Remove quiz attempts never sent and older than {ATTEMPT_MAX_AGE.days} days (their token has "
        "expired, so they can no longer be sent). Statistics never counted them. Run daily from cron; "
        "load_glossary runs it too."
    )

    def handle(self, **options):
        removed = Attempt.objects.prune()
        self.stdout.write(f"Removed {removed} unsent quiz attempt{'s' if removed != 1 else ''}.")
