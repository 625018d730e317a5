import datetime

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone


class AskedWordQuerySet(models.QuerySet):
    def record(self, words):
        """Count one more request for each of `words` (those of one explained text); forget words
        first asked longer ago than AskedWord.KEPT. Safe under concurrent requests on both databases:
        a word's row is created at most once, and counts are added in the database."""
        words = sorted(set(words))[: AskedWord.MAX_PER_TEXT]
        with transaction.atomic():
            self.expired().delete()
            if words:
                self.bulk_create([AskedWord(word=w, requests=0) for w in words], ignore_conflicts=True)
                self.filter(word__in=words).update(requests=F("requests") + 1)

    def expired(self):
        return self.filter(first_asked__lt=timezone.now() - AskedWord.KEPT)

    def shown(self):
        """What staff see: words asked about in enough separate requests, while they are kept."""
        return self.filter(
            requests__gte=AskedWord.SHOWN_FROM, first_asked__gte=timezone.now() - AskedWord.KEPT
        )


class AskedWord(models.Model):
    """A word that looked like jargon in an explained text and that the glossary does not have.

    Only the word and a count are kept, never the text it came from. A lone word can be a
    confidential project name, so staff see a word only once SHOWN_FROM separate requests asked
    about it, and every word is forgotten KEPT after it was first asked.
    """

    SHOWN_FROM = 3
    KEPT = datetime.timedelta(days=30)
    MAX_PER_TEXT = 20
    MAX_LENGTH = 12

    word = models.CharField(max_length=MAX_LENGTH, unique=True)
    requests = models.PositiveIntegerField(default=0, help_text="Separate requests that asked about it.")
    first_asked = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AskedWordQuerySet.as_manager()

    class Meta:
        ordering = ["-requests", "word"]
        verbose_name = "word not in the glossary"
        verbose_name_plural = "words not in the glossary"

    def __str__(self):
        return self.word
