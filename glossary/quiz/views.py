from django.contrib import messages
from django.core import signing
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from glossary.models import Comparison, Term
from glossary.quiz.answers import Malformed, finish, read_choice, read_submission, record_answer
from glossary.quiz.models import ADVISOR_SLUG, Advisor, Attempt, Citation, Quiz, cited_rows


def quiz_questions(quiz):
    return list(quiz.questions.prefetch_related("options"))


def quiz_detail(request, slug):
    """The quiz as one plain form; POSTing it scores the attempt once and shows the result."""
    quiz = get_object_or_404(Quiz, slug=slug)
    questions = quiz_questions(quiz)
    if request.method != "POST":
        return show_quiz(request, quiz, questions, quiz.new_token())

    signed = request.POST.get("attempt", "")
    try:
        token = quiz.read_token(signed)
    except signing.BadSignature:
        return show_quiz(
            request,
            quiz,
            questions,
            quiz.new_token(),
            error="This quiz form has expired or was changed, so it could not be scored. Please answer again.",
            status=400,
        )
    attempt = Attempt.objects.filter(quiz=quiz, token=token).first()
    if attempt and attempt.submitted:
        messages.info(
            request, "This attempt was already scored; here is its result. Retake the quiz to try again."
        )
        return redirect(attempt)
    locked = (
        {a.question_id: list(a.chosen.all()) for a in attempt.answers.prefetch_related("chosen")}
        if attempt
        else {}
    )
    try:
        answers, missing = read_submission(questions, request.POST, locked)
    except Malformed as e:
        return show_quiz(request, quiz, questions, signed, error=str(e), status=400, locked=locked)
    if missing:
        numbers = ", ".join(map(str, missing))
        return show_quiz(
            request,
            quiz,
            questions,
            signed,
            error=f"Answer every question to see your score. Not answered yet: {numbers}.",
            missing=missing,
            chosen=answers,
            locked=locked,
        )
    attempt = attempt or Attempt.objects.get_or_create(quiz=quiz, token=token)[0]
    if not finish(attempt, questions, answers):
        messages.info(request, "This attempt was already scored; here is its result.")
    return redirect(attempt)


def show_quiz(request, quiz, questions, signed, error="", missing=(), chosen=None, locked=None, status=200):
    token = quiz.read_token(signed)
    chosen = {**(chosen or {}), **(locked or {})}
    items = [
        {
            "number": number,
            "question": question,
            "options": question.shuffled_options(token),
            "chosen": {o.pk for o in chosen.get(question.pk, [])},
            "locked": question.pk in (locked or {}),
            "missing": number in missing,
        }
        for number, question in enumerate(questions, start=1)
    ]
    return render(
        request,
        "quiz/quiz_detail.html",
        {"nav": "quiz", "quiz": quiz, "items": items, "attempt": signed, "error": error},
        status=status,
    )


@require_POST
def check_answer(request, slug):
    """Instant feedback for one question (quiz.js). The first answer checked is the one scored."""
    quiz = get_object_or_404(Quiz, slug=slug)
    try:
        token = quiz.read_token(request.POST.get("attempt", ""))
    except signing.BadSignature:
        return JsonResponse(
            {"error": "This quiz form has expired. Reload the page to start again."}, status=400
        )
    questions = quiz_questions(quiz)
    key = request.POST.get("question", "")
    found = [(n, q) for n, q in enumerate(questions, start=1) if q.key == key]
    if not found:
        return JsonResponse({"error": "That question is not in this quiz."}, status=400)
    number, question = found[0]
    try:
        options = read_choice(question, number, request.POST.getlist(question.field_name))
    except Malformed as e:
        return JsonResponse({"error": str(e)}, status=400)
    if not options:
        return JsonResponse({"error": "Choose an answer first."}, status=400)
    attempt, _ = Attempt.objects.get_or_create(quiz=quiz, token=token)
    if attempt.submitted:
        return JsonResponse(
            {"error": "This attempt was already scored.", "result": attempt.get_absolute_url()}, status=409
        )
    answer = record_answer(attempt, question, options)
    chosen = list(answer.chosen.all())
    item = feedback_items([question], {question.pk: answer}, {question.pk: chosen})[0]
    return JsonResponse(
        {
            "right": answer.correct,
            "chosen": [o.key for o in chosen],
            "html": render_to_string("quiz/includes/feedback.html", {"item": item}, request=request),
        }
    )


def feedback_items(questions, answers, chosen):
    """What the result page and instant feedback show for each question, with its cited rows."""
    citations = Citation.objects.filter(option__question__in=questions).select_related("comparison", "aspect")
    by_option = {}
    for citation in citations:
        by_option.setdefault(citation.option_id, []).append(citation)
    rows = cited_rows(citations)
    items = []
    for question in questions:
        picked = {o.pk for o in chosen.get(question.pk, [])}
        # Each row once, even when several options rest on it.
        cited = {}
        for option in question.options.all():
            for citation in by_option.get(option.pk, []):
                cited.setdefault((citation.comparison_id, citation.aspect_id), citation)
        answer = answers.get(question.pk)
        items.append(
            {
                "question": question,
                "right": answer.correct if answer else False,
                "options": [{"option": o, "chosen": o.pk in picked} for o in question.options.all()],
                "rows": [(c, rows[c.pk]) for c in cited.values()],
            }
        )
    return items


def quiz_result(request, slug, token):
    attempt = get_object_or_404(
        Attempt.objects.select_related("quiz"), quiz__slug=slug, token=token, submitted__isnull=False
    )
    questions = quiz_questions(attempt.quiz)
    answers = {a.question_id: a for a in attempt.answers.prefetch_related("chosen")}
    chosen = {pk: list(a.chosen.all()) for pk, a in answers.items()}
    return render(
        request,
        "quiz/quiz_result.html",
        {
            "nav": "quiz",
            "quiz": attempt.quiz,
            "attempt": attempt,
            "items": feedback_items(questions, answers, chosen),
        },
    )


def advisor(request):
    """Which partner fits my program? Answers come as GET parameters, so a result can be shared."""
    advisor = get_object_or_404(Advisor, slug=ADVISOR_SLUG)
    answers, error, malformed = {}, "", False
    for question in advisor.questions:
        value = request.GET.get(question["id"], "")
        if not value:
            continue
        if value not in {o["id"] for o in question["options"]}:
            error = (
                f"“{value[:100]}” is not one of the answers to “{question['prompt']}”. Please choose again."
            )
            malformed = True
            continue
        answers[question["id"]] = value
    complete = len(answers) == len(advisor.questions)
    if answers and not complete and not error:
        error = "Answer every question to see which partner fits."
    rule = advisor.first_match(answers) if complete and not error else None
    partners, comparisons, terms = [], [], {}
    if rule:
        by_id = {p["id"]: p for p in advisor.partners}
        chosen = [by_id[p] for p in rule["recommend"]]
        terms = Term.objects.in_bulk([p["term"] for p in chosen], field_name="slug")
        partners = [{**p, "term": terms.get(p["term"])} for p in chosen]
        comparisons = Comparison.objects.filter(slug__in=rule["compare"]).only("slug", "title", "summary")
    return render(
        request,
        "quiz/advisor.html",
        {
            "nav": "advisor",
            "advisor": advisor,
            "questions": [{**q, "selected": answers.get(q["id"], "")} for q in advisor.questions],
            "rule": rule,
            "partners": partners,
            "comparisons": comparisons,
            "error": error,
        },
        status=400 if malformed else 200,
    )
