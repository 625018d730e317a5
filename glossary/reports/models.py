from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from glossary.models import Comparison, Term
from glossary.quiz.models import Question


class ReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed=False)

    def close(self, user):
        """Close the open reports among these, by `user`; their email addresses are deleted, as the
        form promises. Returns how many were closed."""
        return self.open().update(closed=True, closed_at=timezone.now(), closed_by=user, email="")


class Report(models.Model):
    """A reader's report of a problem with an entry, a comparison or a quiz question.

    What it is about is kept as plain values (the kind, the slug, for a question its quiz's slug and
    its key, and the title it had), never as a foreign key: a report outlives the entry it is about.
    Reports are read in the admin only; they are not content, so saving one never changes the
    content version (apps.py listens to the glossary and quiz apps only) and no cached page goes stale.
    """

    class Kind(models.TextChoices):
        TERM = "term", "Term"
        COMPARISON = "comparison", "Comparison"
        QUESTION = "question", "Quiz question"

    MESSAGE_MAX = 2000

    kind = models.CharField(max_length=10, choices=Kind.choices)
    slug = models.SlugField(
        max_length=100, help_text="The term's or comparison's slug; for a question, its quiz's."
    )
    question_key = models.SlugField(
        max_length=100, blank=True, help_text="For a question: its key in the quiz."
    )
    title = models.CharField(max_length=300, help_text="What the entry was called when the report was sent.")
    path = models.CharField(max_length=300, help_text="The public page the report was sent from.")
    message = models.TextField(max_length=MESSAGE_MAX)
    email = models.EmailField(
        blank=True, help_text="Only for replying about this report; deleted when the report is closed."
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    closed = models.BooleanField(
        default=False, help_text="Tick once the report is dealt with: its email address is then deleted."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["closed", "-created"]  # open ones first, newest first
        verbose_name = "report of a problem"
        verbose_name_plural = "reports of problems"

    def __str__(self):
        return f"{self.get_kind_display()} “{self.title}”, {self.created:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        # Whichever way a report is closed, the reader's address goes with it, as the form promises.
        if self.closed:
            self.email = ""
            self.closed_at = self.closed_at or timezone.now()
        else:
            self.closed_at, self.closed_by = None, None
        super().save(*args, **kwargs)

    def entry(self):
        """The term, comparison or question the report is about, or None if it no longer exists."""
        if self.kind == self.Kind.TERM:
            return Term.objects.filter(slug=self.slug).first()
        if self.kind == self.Kind.COMPARISON:
            return Comparison.objects.filter(slug=self.slug).first()
        if self.kind == self.Kind.QUESTION and self.question_key:
            return (
                Question.objects.select_related("quiz")
                .filter(quiz__slug=self.slug, key=self.question_key)
                .first()
            )
        return None

    @classmethod
    def about(cls, kind, slug, question_key=""):
        """A new, unsaved report about an existing entry, or None when there is no such entry."""
        report = cls(kind=kind, slug=slug, question_key=question_key)
        entry = report.entry()
        if entry is None:
            return None
        if kind == cls.Kind.QUESTION:
            report.title = f"{entry.quiz.title}: question {entry.position + 1}"
            report.path = f"{entry.quiz.get_absolute_url()}#question-{entry.key}"
        else:
            report.title, report.path = entry.title, entry.get_absolute_url()
        return report

    def url_args(self):
        return [self.slug, self.question_key] if self.kind == self.Kind.QUESTION else [self.slug]

    def form_url(self):
        """The address of the form for reports about the same entry (a report is never shown publicly)."""
        return reverse(f"reports:{self.kind}", args=self.url_args())

    def thanks_url(self):
        return reverse(f"reports:{self.kind}_thanks", args=self.url_args())

    def admin_url(self):
        """The admin page where the entry is edited, or None if it no longer exists."""
        entry = self.entry()
        if entry is None:
            return None
        try:
            return reverse(f"admin:{entry._meta.app_label}_{entry._meta.model_name}_change", args=[entry.pk])
        except NoReverseMatch:
            return None
