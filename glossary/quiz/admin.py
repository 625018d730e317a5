import reversion
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from markdownx.widgets import AdminMarkdownxWidget

from glossary.admin import EntryAdmin, FileOwnedAdmin
from glossary.forms import BodyForm, EditGuard, render_checked
from glossary.models import Aspect, Comparison
from glossary.quiz.models import Advisor, Citation, Option, Question, Quiz

# A quiz's versions hold its questions, theirs their options, and theirs the rows they cite.
reversion.register(Citation)
reversion.register(Option, follow=["citations"], exclude=["feedback_html"])
reversion.register(Question, follow=["options"])
reversion.register(Quiz, follow=["questions"], exclude=["body_html"])


class QuizForm(BodyForm):
    class Meta:
        model = Quiz
        fields = ["title", "slug", "summary", "body"]
        widgets = {"body": AdminMarkdownxWidget, "summary": forms.Textarea(attrs={"rows": 2})}

    def clean_body(self):
        body = super().clean_body()
        self.rendered = render_checked(body)
        return body


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["position", "key", "prompt", "choose"]
    extra = 0
    show_change_link = True


@admin.register(Quiz)
class QuizAdmin(EntryAdmin):
    form = QuizForm
    list_display = ["title", "slug", "sent_attempts", "updated"]
    inlines = [QuestionInline]

    def get_queryset(self, request):
        sent = Count("attempts", filter=Q(attempts__submitted__isnull=False))
        return super().get_queryset(request).annotate(sent_count=sent)

    @admin.display(description="Attempts sent", ordering="sent_count")
    def sent_attempts(self, quiz):
        return quiz.sent_count


class OptionForm(forms.ModelForm):
    cites = forms.CharField(
        required=False,
        help_text="Comparison rows the feedback rests on: “cro-vs-cmo#choose-when”, separated by commas.",
    )

    class Meta:
        model = Option
        fields = ["position", "key", "text", "correct", "feedback", "cites"]
        widgets = {"feedback": forms.Textarea(attrs={"rows": 3, "cols": 50})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["cites"] = ", ".join(
                str(c) for c in self.instance.citations.select_related("comparison", "aspect")
            )

    def clean_feedback(self):
        self.rendered = render_checked(self.cleaned_data["feedback"])
        return self.cleaned_data["feedback"]

    def clean_cites(self):
        rows = []
        for cite in [c.strip() for c in self.cleaned_data["cites"].split(",") if c.strip()]:
            slug, _, aspect = cite.partition("#")
            comparison = Comparison.objects.filter(slug=slug, aspects__slug=aspect).first()
            if comparison is None:
                raise ValidationError(f"“{cite}” names no comparison row.")
            rows.append((comparison, Aspect.objects.get(slug=aspect)))
        self.rows = rows
        return self.cleaned_data["cites"]

    def save(self, commit=True):
        option = super().save(commit)
        if commit:
            self.save_citations()
        return option

    def save_citations(self):
        self.instance.citations.all().delete()
        for position, (comparison, aspect) in enumerate(self.rows):
            self.instance.citations.create(comparison=comparison, aspect=aspect, position=position)


class OptionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        correct = sum(bool(f.cleaned_data.get("correct")) for f in kept)
        if problem := Question.answer_problem(self.instance.choose, correct, len(kept)):
            raise ValidationError(problem)


class OptionInline(admin.StackedInline):
    model = Option
    form = OptionForm
    formset = OptionFormSet
    extra = 0


class QuestionForm(EditGuard):
    class Meta:
        model = Question
        fields = ["quiz", "key", "position", "scenario", "prompt", "choose"]


@admin.register(Question)
class QuestionAdmin(EntryAdmin):
    """Questions, with anonymous statistics: how often answered right, and the most chosen wrong option.

    The statistics rest on sent attempts only, each counted once (an attempt answers a question
    once): answers checked in attempts never sent don't count, and the sending of attempts is
    rate-limited per client (settings.RATE_LIMITS).

    A question is part of its quiz's file: editing it is editing the quiz.
    """

    form = QuestionForm
    list_display = ["__str__", "quiz", "answered", "share_right", "most_chosen_wrong"]
    list_filter = ["quiz"]
    search_fields = ["key", "scenario"]
    fields = ["quiz", "key", "position", "scenario", "prompt", "choose", "seen"]
    inlines = [OptionInline]

    def owner(self, question):
        return question.quiz

    def get_queryset(self, request):
        sent = Q(answers__attempt__submitted__isnull=False)
        wrong = (
            Option.objects.filter(question=OuterRef("pk"), correct=False)
            .annotate(times=Count("choices", filter=Q(choices__attempt__submitted__isnull=False)))
            .filter(times__gt=0)
            .order_by("-times", "position")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("quiz")
            .annotate(
                answered_count=Count("answers", filter=sent),
                right_count=Count("answers", filter=sent & Q(answers__correct=True)),
                wrong_text=Subquery(wrong.values("text")[:1]),
                wrong_times=Subquery(wrong.values("times")[:1]),
            )
        )

    @admin.display(description="Sent attempts that answered it", ordering="answered_count")
    def answered(self, question):
        return question.answered_count

    @admin.display(description="Answered right")
    def share_right(self, question):
        if not question.answered_count:
            return "–"
        return f"{round(100 * question.right_count / question.answered_count)}%"

    @admin.display(description="Most chosen wrong option")
    def most_chosen_wrong(self, question):
        return f"{question.wrong_text} ({question.wrong_times})" if question.wrong_text else "–"


@admin.register(Advisor)
class AdvisorAdmin(FileOwnedAdmin):
    """The advisor's rules are checked as a whole when content/advisor.yml loads."""

    file = "content/advisor.yml"
    list_display = ["title", "updated"]
    exclude = ["slug"]
