"""The "which fits?" quiz, its anonymous attempts, and the partner advisor.

Questions, options and advisor rules are content (content/quizzes/, content/advisor.yml), loaded by
load_glossary. Attempts keep only which options were chosen, never who chose them.
"""

import itertools
import random
import secrets
from datetime import timedelta

from django.core import signing
from django.db import models
from django.urls import reverse
from django.utils import timezone

from glossary.models import (
    MAX_BODY,
    Aspect,
    Comparison,
    ComparisonTerm,
    Facet,
    FromFile,
    Row,
    summary_at_most,
    validate_slug,
)
from glossary.rendering import render_from_database

DEFAULT_PROMPT = "Which fits best?"

# An attempt lives in the visitor's browser (a cookie) for a week, until it is sent; after that its
# token no longer signs in, and an attempt still unsent is removed (Attempt.objects.prune).
ATTEMPT_MAX_AGE = timedelta(days=7)


class Quiz(FromFile):
    slug = models.SlugField(unique=True, validators=[validate_slug])
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=400)
    body = models.TextField(
        blank=True, max_length=MAX_BODY, help_text="The introduction above the questions. Markdown."
    )
    body_html = models.TextField(blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "quizzes"
        constraints = [summary_at_most(400, "quiz_summary_length")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_from_database(self.body).html
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("quiz:detail", args=[self.slug])

    def replace_questions(self, questions, feedback_html):
        """Make the quiz's questions and options these (as a quiz file holds them; `feedback_html`:
        {(question key, option key): HTML}), updating rows in place by their keys: the statistics
        of a question and an option follow it through every edit."""
        Question.objects.filter(quiz=self).exclude(key__in=[q.key for q in questions]).delete()
        existing = {q.key: q for q in Question.objects.filter(quiz=self)}
        cited = {(c, a): (ids[0], ids[1]) for c, a, *ids in Comparison.objects.values_list(
            "slug", "comparison_aspects__aspect__slug", "pk", "comparison_aspects__aspect")}  # fmt: skip
        for position, entry in enumerate(questions):
            question = existing.get(entry.key) or Question(quiz=self, key=entry.key)
            question.scenario, question.prompt, question.choose = entry.scenario, entry.prompt, entry.choose
            question.position = position
            question.save()
            question.options.exclude(key__in=[o.key for o in entry.options]).delete()
            options = {o.key: o for o in question.options.all()}
            for i, o in enumerate(entry.options):
                option = options.setdefault(o.key, Option(question=question, key=o.key))
                option.text, option.correct, option.feedback, option.position = (
                    o.text,
                    o.correct,
                    o.feedback,
                    i,
                )
                option.feedback_html = feedback_html[entry.key, o.key]
            Option.objects.bulk_create([o for o in options.values() if o.pk is None])
            fields = ["text", "correct", "feedback", "feedback_html", "position"]
            Option.objects.bulk_update(list(options.values()), fields)
            Citation.objects.filter(option__in=options.values()).delete()
            Citation.objects.bulk_create(
                Citation(
                    option=options[o.key], comparison_id=cited[row][0], aspect_id=cited[row][1], position=n
                )
                for o in entry.options
                for n, row in enumerate(tuple(cite.split("#", 1)) for cite in o.cites)
            )

    # Attempt tokens: signed, so a form or a cookie can't name an attempt it wasn't given.

    def new_token(self):
        return signing.dumps(secrets.token_urlsafe(16), salt=f"quiz:{self.slug}")

    def read_token(self, signed):
        """The attempt token inside a signed value; raises signing.BadSignature if forged or old."""
        return signing.loads(signed, salt=f"quiz:{self.slug}", max_age=ATTEMPT_MAX_AGE)


class Question(models.Model):
    class Choose(models.TextChoices):
        ONE = "one", "One answer"
        ALL = "all", "All that apply"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(help_text="Stable id from the content file; statistics follow it.")
    scenario = models.TextField()
    prompt = models.CharField(max_length=200, default=DEFAULT_PROMPT)
    choose = models.CharField(max_length=3, choices=Choose.choices, default=Choose.ONE)
    position = models.PositiveIntegerField(default=0)
    # A question is part of its quiz's file: an admin edit of it is an edit of the quiz (edited_by
    # and the rest are the quiz's); this tells two editors of the same question apart.
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["quiz", "position"]
        constraints = [models.UniqueConstraint("quiz", "key", name="question_key_unique_per_quiz")]

    def __str__(self):
        return f"{self.position + 1}. {self.scenario[:80]}"

    @property
    def field_name(self):
        return f"q-{self.key}"

    @property
    def choose_all(self):
        return self.choose == self.Choose.ALL

    @classmethod
    def answer_problem(cls, choose, correct, options):
        """What is wrong with a question's answers, or None: the one rule, in the admin and in files,
        for a question of `choose` with `options` options of which `correct` are right."""
        if options < 2:
            return "A question needs at least two options."
        if choose == cls.Choose.ONE and correct != 1:
            return f"A one-answer question needs exactly one correct option, not {correct}."
        if correct < 1:
            return "Mark at least one option correct."
        return None

    def shuffled_options(self, token):
        """This question's options in the order one attempt sees them: the same for the same token."""
        options = list(self.options.all())
        random.Random(f"{token}:{self.key}").shuffle(options)
        return options

    def is_right(self, chosen):
        """Right when exactly the correct options are chosen (one of them, for a one-answer question)."""
        return {o.pk for o in chosen} == {o.pk for o in self.options.all() if o.correct}


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    key = models.SlugField()
    text = models.CharField(max_length=300)
    correct = models.BooleanField(default=False)
    feedback = models.TextField(help_text="Why this option fits, or why not. Markdown and [[links]].")
    feedback_html = models.TextField(blank=True, editable=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["question", "position"]
        constraints = [models.UniqueConstraint("question", "key", name="option_key_unique_per_question")]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        self.feedback_html = render_from_database(self.feedback).html
        super().save(*args, **kwargs)


class Citation(models.Model):
    """A comparison row an option's feedback rests on: shown with the feedback, from the same facets."""

    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="citations")
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="+")
    aspect = models.ForeignKey(Aspect, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["option", "position"]

    def __str__(self):
        return f"{self.comparison.slug}#{self.aspect.slug}"

    def get_absolute_url(self):
        return f"{self.comparison.get_absolute_url()}#row-{self.aspect.slug}"


def cited_rows(citations):
    """{citation pk: Row} for the given citations, in two queries whatever their number."""
    citations = list(citations)
    terms = {}
    for ct in ComparisonTerm.objects.filter(
        comparison__in={c.comparison_id for c in citations}
    ).select_related("term"):
        terms.setdefault(ct.comparison_id, []).append(ct.term)
    facets = {
        (f.term_id, f.aspect_id): f
        for f in Facet.objects.filter(
            term__in={t.pk for ts in terms.values() for t in ts}, aspect__in={c.aspect_id for c in citations}
        )
    }
    return {
        c.pk: Row(c.aspect, [(t, facets.get((t.pk, c.aspect_id))) for t in terms.get(c.comparison_id, [])])
        for c in citations
    }


class AttemptQuerySet(models.QuerySet):
    def sent(self):
        return self.filter(submitted__isnull=False)

    def prune(self, now=None):
        """Remove attempts never sent whose token has expired (they can no longer be sent); returns
        how many. Their answers never counted: statistics rest on sent attempts only."""
        stale = self.filter(submitted__isnull=True, created__lt=(now or timezone.now()) - ATTEMPT_MAX_AGE)
        return stale.delete()[1].get(Attempt._meta.label, 0)


class Attempt(models.Model):
    """One run through a quiz. Anonymous: a random token, the answers, the score."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    token = models.CharField(max_length=40, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    submitted = models.DateTimeField(null=True, blank=True)
    score = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index("submitted", "created", name="attempt_sent_created")]

    def __str__(self):
        return f"{self.quiz} attempt {self.pk}"

    def get_absolute_url(self):
        return reverse("quiz:result", args=[self.quiz.slug, self.token])

    def recorded(self):
        """({question pk: Answer}, {question pk: [chosen options]}) of the answers recorded so far."""
        answers = {a.question_id: a for a in self.answers.prefetch_related("chosen")}
        return answers, {pk: list(a.chosen.all()) for pk, a in answers.items()}


class Answer(models.Model):
    """The first answer an attempt gave to a question. It never changes afterwards."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    chosen = models.ManyToManyField(Option, related_name="choices")
    correct = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint("attempt", "question", name="one_answer_per_question")]

    def __str__(self):
        return f"{self.attempt}: {self.question.key}"


class AdvisorQuerySet(models.QuerySet):
    def sync(self, values):
        """Make the one advisor `values` (None: no advisor); returns "created", "updated",
        "unchanged" or "removed". It is written whole: advisor.yml is read and checked as a whole."""
        current = self.first()
        if values is None:
            self.all().delete()
            return "removed" if current else None
        if current and all(getattr(current, k) == v for k, v in values.items()):
            return "unchanged"
        self.update_or_create(slug=ADVISOR_SLUG, defaults=values)
        return "updated" if current else "created"

    def render_links_to(self, slugs):
        """Render the rules again where they link to one of these terms (renamed or retitled in the
        admin). The texts stay as advisor.yml has them: an old slug still finds its renamed term."""
        for advisor in self:
            if any(f"[[{slug}" in rule["because"] for rule in advisor.rules for slug in slugs):
                for rule in advisor.rules:
                    rule["because_html"] = render_from_database(rule["because"]).html
                advisor.save(update_fields=["rules", "updated"])


ADVISOR_SLUG = "partner"


class Advisor(models.Model):
    """The partner advisor: questions, partner types and ordered rules, as loaded from advisor.yml.

    The rules are data, checked at load time so that every combination of answers reaches one of them.
    """

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)
    questions = models.JSONField(help_text="[{id, prompt, options: [{id, text}]}]")
    partners = models.JSONField(help_text="[{id, term, name, ask: [...]}]")
    rules = models.JSONField(
        help_text="[{when: {question: [answers]}, recommend, because, because_html, compare}]"
    )
    updated = models.DateTimeField(auto_now=True)

    objects = AdvisorQuerySet.as_manager()

    def __str__(self):
        return self.title

    @classmethod
    def rule_problems(cls, questions, partners, rules, comparisons):
        """[(rule index or None, key, message)] of what is wrong with the advisor's rules: names that
        exist nowhere, a combination of answers no rule matches, a rule never reached.
        `questions`: {question id: {answer ids}}; `partners`, `comparisons`: ids and slugs."""
        found = []
        for i, rule in enumerate(rules):
            for question, answers in rule["when"].items():
                if question not in questions:
                    found.append(
                        (
                            i,
                            ("when", question),
                            f"question “{question}” is not one of the advisor's questions",
                        )
                    )
                for answer in sorted(set(answers) - questions.get(question, set(answers))):
                    found.append((i, ("when", question), f"“{answer}” is not an answer to “{question}”"))
            for partner in sorted(set(rule["recommend"]) - set(partners)):
                found.append((i, ("recommend",), f"partner “{partner}” is not in “partners”"))
            for comparison in sorted(set(rule["compare"]) - set(comparisons)):
                found.append((i, ("compare",), f"comparison “{comparison}” does not exist"))
        if found:
            return found
        unmatched, unreached = cls.coverage(questions, [rule["when"] for rule in rules])
        if unmatched:
            example = ", ".join(f"{q}={a}" for q, a in unmatched[0].items())
            more = f" (and {len(unmatched) - 1} more)" if len(unmatched) > 1 else ""
            found.append(
                (None, (), f"no rule matches {example}{more}: add a rule, or a last rule with “when: {{}}”")
            )
        message = "this rule is never reached: the rules above it match every case it would"
        return found + [(i, (), message) for i in unreached]

    @staticmethod
    def coverage(questions, conditions):
        """(answers no rule matches, indexes of rules never the first to match) for `questions`
        ({question id: {answer ids}}) and the rules' `conditions` ({question id: [answer ids]}), in
        order. The loader refuses both: every combination of answers must reach a rule."""
        unmatched, reached = [], set()
        for answers in itertools.product(*questions.values()):
            answers = dict(zip(questions, answers, strict=True))
            first = next(
                (
                    i
                    for i, when in enumerate(conditions)
                    if all(answers[q] in a for q, a in when.items() if q in answers)
                ),
                None,
            )
            if first is None:
                unmatched.append(answers)
            reached.add(first)
        return unmatched, [i for i in range(len(conditions)) if i not in reached]

    def first_match(self, answers):
        """The first rule all of whose conditions `answers` ({question id: answer id}) meet."""
        return next(
            (
                rule
                for rule in self.rules
                if all(answers.get(q) in allowed for q, allowed in rule["when"].items())
            ),
            None,
        )
