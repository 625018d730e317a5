"""Reading what a quiz form sent, strictly: the score must come only from real, first answers.

Both the plain form (all questions at once) and the per-question check used by quiz.js read
answers here, so both refuse the same tampering with the same messages.
"""

from django.db import transaction
from django.utils import timezone

from glossary.quiz.models import Answer, Attempt

# Option ids are short slugs; anything longer was not sent by our form.
MAX_VALUE_LENGTH = 100


class Malformed(ValueError):
    """The request could not have come from the form as served: a 400, with this message."""


def read_choice(question, number, values):
    """The options `values` name for `question` (number is its place in the quiz, for messages)."""
    if any(len(v) > MAX_VALUE_LENGTH for v in values):
        raise Malformed(f"Question {number} was sent an answer far longer than any option.")
    if len(set(values)) != len(values):
        raise Malformed(f"Question {number} was sent the same option twice.")
    if not question.choose_all and len(values) > 1:
        raise Malformed(f"Question {number} takes one answer, but {len(values)} were sent.")
    options = {o.key: o for o in question.options.all()}
    for value in values:
        if value not in options:
            raise Malformed(f"Question {number} has no option “{value}”.")
    return [options[v] for v in values]


def read_submission(questions, data, locked):
    """Read every question's answer from `data` (a QueryDict).

    Questions in `locked` (already answered through instant feedback) keep their first answer,
    whatever was sent now. Returns (answers by question pk, [(number, question)] unanswered);
    raises Malformed for anything the form could not have sent.
    """
    names = {q.field_name for q in questions}
    for name in data:
        if name.startswith("q-") and name not in names:
            raise Malformed("The form answered a question that is not in this quiz.")
    answers, missing = {}, []
    for number, question in enumerate(questions, start=1):
        chosen = read_choice(question, number, data.getlist(question.field_name))
        if question.pk in locked:
            answers[question.pk] = locked[question.pk]
        elif chosen:
            answers[question.pk] = chosen
        else:
            missing.append((number, question))
    return answers, missing


def read_draft(questions, data):
    """What a saved draft (form data kept in the visitor's cookie) holds that is still a valid answer:
    anything else, say a draft from before an option was removed, is dropped rather than refused."""
    draft = {}
    for number, question in enumerate(questions, start=1):
        try:
            chosen = read_choice(question, number, data.getlist(question.field_name))
        except Malformed:
            continue
        if chosen:
            draft[question.pk] = chosen
    return draft


def record_answer(attempt, question, options):
    """Keep an attempt's first answer to a question; a later one is ignored. Returns the Answer."""
    answer, created = Answer.objects.get_or_create(
        attempt=attempt, question=question, defaults={"correct": question.is_right(options)}
    )
    if created:
        answer.chosen.set(options)
    return answer


def finish(attempt, questions, answers):
    """Record the remaining answers and score the attempt, once: True if this call scored it."""
    with transaction.atomic():
        for question in questions:
            record_answer(attempt, question, answers[question.pk])
        score = attempt.answers.filter(correct=True).count()
        # Only the first submission of an attempt is scored; a resubmission changes nothing.
        return bool(
            Attempt.objects.filter(pk=attempt.pk, submitted__isnull=True).update(
                submitted=timezone.now(), score=score, total=len(questions)
            )
        )
