from urllib.parse import quote, unquote, urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from glossary.models import Comparison, Term
from glossary.quiz.answers import Malformed, finish, read_choice, read_draft, read_submission, record_answer
from glossary.quiz.models import (
    ADVISOR_SLUG,
    ATTEMPT_MAX_AGE,
    Advisor,
    Attempt,
    Citation,
    Quiz,
    cited_rows,
)
from glossary.throttle import too_many, wait_message, wait_needed


def quiz_questions(quiz):
    return list(quiz.questions.prefetch_related("options"))


# An attempt lives in the visitor's browser until it is sent: one cookie names it (a signed token,
# which also seeds the order of its options) and another holds the answers ticked but not yet
# checked, as form data (quiz.js writes it as they change; the form, when a question is checked
# without JavaScript). Reload, Back, Forward, or coming back days later: the same order, the same ticks.


def attempt_cookie(quiz):
    return f"quiz-{quiz.slug}"


def draft_cookie(quiz):
    return f"quiz-{quiz.slug}-draft"


def keep(response, quiz, signed, draft=None):
    """Set the attempt's cookies on `response`; `draft`: {question: [options]} ticked, not checked."""
    cookie = {"max_age": ATTEMPT_MAX_AGE, "path": quiz.get_absolute_url(), "samesite": "Lax"}
    cookie["secure"] = settings.HTTPS
    response.set_cookie(attempt_cookie(quiz), signed, httponly=True, **cookie)
    if draft is not None:
        pairs = [(q.field_name, o.key) for q, options in draft.items() for o in options]
        response.set_cookie(draft_cookie(quiz), quote(urlencode(pairs), safe=""), **cookie)
    return response


def forget(response, quiz):
    for name in (attempt_cookie(quiz), draft_cookie(quiz)):
        response.delete_cookie(name, path=quiz.get_absolute_url(), samesite="Lax")
    return response


@never_cache
def quiz_detail(request, slug):
    """The quiz as one plain form. Sending it scores the attempt once and shows the result; a
    question's "Check this answer" records that answer (the first one checked counts) and shows why."""
    quiz = get_object_or_404(Quiz, slug=slug)
    if request.method == "POST":
        return answer_quiz(request, quiz)
    questions = quiz_questions(quiz)
    signed = request.COOKIES.get(attempt_cookie(quiz), "")
    try:
        token = quiz.read_token(signed)
    except signing.BadSignature:
        signed = quiz.new_token()
        token = quiz.read_token(signed)
    attempt = Attempt.objects.filter(quiz=quiz, token=token).first()
    draft = read_draft(questions, QueryDict(unquote(request.COOKIES.get(draft_cookie(quiz), ""))))
    # ?unanswered=all after sending with questions unanswered; =<key> after checking one unanswered.
    response = show_quiz(request, quiz, questions, signed, attempt, draft, request.GET.get("unanswered"))
    return keep(response, quiz, signed)


def answer_quiz(request, quiz):
    """A POST of the quiz form: check one question (its button was pressed) or send them all."""
    checking = request.POST.get("check")
    scope = "quiz-check" if checking else "quiz-send"
    if wait := wait_needed(request, scope):
        return too_many(request, wait, scope)
    questions = quiz_questions(quiz)
    signed = request.POST.get("attempt", "")
    try:
        token = quiz.read_token(signed)
    except signing.BadSignature:
        signed = quiz.new_token()
        error = "This quiz form has expired or was changed, so it could not be scored. Please answer again."
        response = show_quiz(request, quiz, questions, signed, None, {}, error=error, status=400)
        return keep(response, quiz, signed, draft={})
    attempt = Attempt.objects.filter(quiz=quiz, token=token).first()
    if attempt and attempt.submitted:
        messages.info(request, "This attempt was already scored; here is its result.")
        return redirect(attempt)
    locked = attempt.recorded()[1] if attempt else {}
    try:
        answers, missing = read_submission(questions, request.POST, locked)
        question = checked_question(questions, checking) if checking else None
    except Malformed as e:
        return show_quiz(request, quiz, questions, signed, attempt, {}, error=str(e), status=400)
    draft = {q: answers[q.pk] for q in questions if q.pk in answers and q.pk not in locked}
    if question:
        if question.pk in answers:
            attempt = attempt or Attempt.objects.get_or_create(quiz=quiz, token=token)[0]
            record_answer(attempt, question, answers[question.pk])
            draft.pop(question, None)
            anchor = f"verdict-{question.key}"
        else:
            messages.error(
                request, f"Choose an answer to question {questions.index(question) + 1}, then check it."
            )
            anchor = f"question-{question.key}"
            return keep(
                redirect(f"{quiz.get_absolute_url()}?unanswered={question.key}#{anchor}"), quiz, signed, draft
            )
        return keep(redirect(f"{quiz.get_absolute_url()}#{anchor}"), quiz, signed, draft)
    if missing:
        numbers = ", ".join(str(n) for n, _ in missing)
        messages.error(request, f"Answer every question to see your score. Not answered yet: {numbers}.")
        url = f"{quiz.get_absolute_url()}?unanswered=all#question-{missing[0][1].key}"
        return keep(redirect(url), quiz, signed, draft)
    attempt = attempt or Attempt.objects.get_or_create(quiz=quiz, token=token)[0]
    if not finish(attempt, questions, answers):
        messages.info(request, "This attempt was already scored; here is its result.")
    # The cookie still names the sent attempt: Back shows its answers, locked, until "Start again".
    response = redirect(attempt)
    response.delete_cookie(draft_cookie(quiz), path=quiz.get_absolute_url(), samesite="Lax")
    return response


def checked_question(questions, key):
    for question in questions:
        if question.key == key:
            return question
    raise Malformed("The form checked a question that is not in this quiz.")


def show_quiz(request, quiz, questions, signed, attempt, draft, unanswered=None, error="", status=200):
    token = quiz.read_token(signed)
    answers, chosen = attempt.recorded() if attempt else ({}, {})
    checked = [q for q in questions if q.pk in answers]
    feedback = {i["question"].pk: i for i in feedback_items(checked, answers, chosen)} if checked else {}
    items = [
        {
            "number": number,
            "question": question,
            "options": question.shuffled_options(token),
            "chosen": {o.pk for o in chosen.get(question.pk) or draft.get(question.pk, [])},
            "feedback": feedback.get(question.pk),
            "missing": unanswered in ("all", question.key)
            and question.pk not in chosen
            and question.pk not in draft,
        }
        for number, question in enumerate(questions, start=1)
    ]
    context = {
        "nav": "quiz",
        "quiz": quiz,
        "items": items,
        "attempt": signed,
        "sent": attempt if attempt and attempt.submitted else None,
        "checked": len(answers),
        "error": error,
        "draft_cookie": draft_cookie(quiz),
        "cookie_age": int(ATTEMPT_MAX_AGE.total_seconds()),
    }
    return render(request, "quiz/quiz_detail.html", context, status=status)


@require_POST
def start_again(request, slug):
    """A new attempt, with a new order: forget the one the cookies name."""
    quiz = get_object_or_404(Quiz, slug=slug)
    return forget(redirect(quiz), quiz)


@require_POST
@never_cache
def check_answer(request, slug):
    """Instant feedback for one question (quiz.js). The first answer checked is the one scored."""
    quiz = get_object_or_404(Quiz, slug=slug)
    if wait := wait_needed(request, "quiz-check"):
        response = JsonResponse({"error": wait_message(wait, "quiz-check")}, status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        token = quiz.read_token(request.POST.get("attempt", ""))
    except signing.BadSignature:
        return JsonResponse(
            {"error": "This quiz form has expired. Reload the page to start again."}, status=400
        )
    questions = quiz_questions(quiz)
    try:
        question = checked_question(questions, request.POST.get("question", ""))
        number = questions.index(question) + 1
        options = read_choice(question, number, request.POST.getlist(question.field_name))
    except Malformed as e:
        return JsonResponse({"error": str(e)}, status=400)
    if not options:
        return JsonResponse({"error": "Choose an answer first, then check it."}, status=400)
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
    """What the result page and the feedback show for each question: the verdict, the chosen
    options first, then the others and the comparison rows they rest on."""
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
        options = [{"option": o, "chosen": o.pk in picked} for o in question.options.all()]
        items.append(
            {
                "question": question,
                "right": answer.correct if answer else False,
                "best": [o for o in question.options.all() if o.correct],
                "mine": [entry for entry in options if entry["chosen"]],
                "others": [entry for entry in options if not entry["chosen"]],
                "rows": [(c, rows[c.pk]) for c in cited.values()],
            }
        )
    return items


@never_cache  # one person's answers
def quiz_result(request, slug, token):
    attempt = get_object_or_404(
        Attempt.objects.select_related("quiz"), quiz__slug=slug, token=token, submitted__isnull=False
    )
    questions = quiz_questions(attempt.quiz)
    answers, chosen = attempt.recorded()
    items = feedback_items(questions, answers, chosen)
    for number, item in enumerate(items, start=1):
        item["number"] = number
    return render(
        request,
        "quiz/quiz_result.html",
        {
            "nav": "quiz",
            "quiz": attempt.quiz,
            "attempt": attempt,
            "items": items,
            "missed": [item for item in items if not item["right"]],
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
        terms = Term.objects.in_bulk([p["term"] for p in chosen if p.get("term")], field_name="slug")
        partners = [{**p, "term": terms.get(p.get("term"))} for p in chosen]
        comparisons = Comparison.objects.filter(slug__in=rule["compare"]).only("slug", "title", "summary")
    response = render(
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
    if request.GET:  # answers in the address: not kept by the page cache
        add_never_cache_headers(response)
    return response
