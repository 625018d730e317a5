"""The "which fits?" quiz: loading, scoring on the server, every way of tampering with a form, and an
attempt as a person lives it: kept in the browser until sent, checkable without JavaScript, limited
per client, counted once in the statistics, and tidied away when abandoned."""

import re
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from glossary.content import load_content
from glossary.quiz.models import Answer, Attempt, Option, Question, Quiz
from tests.conftest import problems_of
from tests.test_comparisons import ASPECTS, COMPARISON, with_facets

QUIZ = """\
---
title: Which fits?
summary: Pick the partner that fits.
questions:
  - id: trial-monitoring
    scenario: A sponsor needs its study sites monitored.
    options:
      - id: cro
        text: A CRO
        correct: true
        feedback: Yes, a [[cro]] takes on trial duties.
        cites: [cro-vs-cmo#role]
      - id: cmo
        text: A CMO
        feedback: No, a [[cmo]] makes the drug.
        cites: [cro-vs-cmo#role]
  - id: capsules
    scenario: The capsules for phase 1 must be made.
    prompt: Who makes them?
    options:
      - id: cro
        text: A CRO
        feedback: No.
      - id: cmo
        text: A CMO
        correct: true
        feedback: Yes.
        cites: [cro-vs-cmo#rules]
      - id: in-house
        text: In-house
        feedback: Only with a plant of one's own.
  - id: contracts
    scenario: Which of these are contract organizations?
    choose: all
    options:
      - id: cro
        text: A CRO
        correct: true
        feedback: Yes.
      - id: cmo
        text: A CMO
        correct: true
        feedback: Yes.
      - id: fda
        text: FDA
        feedback: No, a regulator.
---
Three situations.
"""


@pytest.fixture
def quiz_content(content, db):
    content.file("aspects.yml", ASPECTS)
    content.write(
        "cro",
        with_facets(
            "cro", "Contract research organization", "CRO", role="Runs trial work.", rules="21 CFR 312."
        ),
    )
    content.write(
        "cmo",
        with_facets(
            "cmo", "Contract manufacturing organization", "CMO", role="Makes the drug.", rules="CGMP."
        ),
    )
    content.write("sponsor", with_facets("sponsor", "Sponsor", "", role="Takes responsibility."))
    content.write("cro-vs-cmo", COMPARISON, folder="comparisons")
    content.write("which-fits", QUIZ, folder="quizzes")
    return content


@pytest.fixture
def quiz(quiz_content):
    load_content(quiz_content.path)
    return Quiz.objects.get(slug="which-fits")


def start(client):
    """GET the quiz; returns (signed attempt value, page html)."""
    html = client.get("/quiz/which-fits/").content.decode()
    return re.search(r'name="attempt" value="([^"]+)"', html).group(1), html


RIGHT = {"q-trial-monitoring": "cro", "q-capsules": "cmo", "q-contracts": ["cro", "cmo"]}
WRONG = {"q-trial-monitoring": "cmo", "q-capsules": "cro", "q-contracts": ["cro"]}


# Loading


def test_the_quiz_loads_with_questions_options_and_citations(quiz):
    questions = list(quiz.questions.all())

    assert [q.key for q in questions] == ["trial-monitoring", "capsules", "contracts"]
    assert questions[0].prompt == "Which fits best?"
    assert questions[2].choose == "all"
    cro = Option.objects.get(question=questions[0], key="cro")
    assert cro.correct
    assert 'href="/terms/cro/"' in cro.feedback_html
    assert [str(c) for c in cro.citations.all()] == ["cro-vs-cmo#role"]


def test_reloading_keeps_questions_so_statistics_follow_them(quiz_content, quiz, client):
    signed, _ = start(client)
    client.post("/quiz/which-fits/", {"attempt": signed, **RIGHT})
    ids = list(Question.objects.values_list("id", flat=True))
    quiz_content.write(
        "which-fits",
        QUIZ.replace("A sponsor needs its study sites monitored.", "Sites need monitoring."),
        folder="quizzes",
    )

    report = load_content(quiz_content.path)

    assert report.counts["quizzes"].updated == ["which-fits"]
    assert list(Question.objects.values_list("id", flat=True)) == ids
    assert Answer.objects.count() == 3


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ("        correct: true\n        feedback: Yes, a [[cro]]", "        feedback: Yes, a [[cro]]"),
            "question “trial-monitoring”: A one-answer question needs exactly one correct option, not 0.",
        ),
        (("  - id: capsules", "  - id: trial-monitoring"), "“questions”: “trial-monitoring” is listed twice"),
        (
            ("cites: [cro-vs-cmo#rules]", "cites: [cro-vs-cmo#price]"),
            "cite “cro-vs-cmo#price”: that comparison has no row “price”",
        ),
        (
            ("cites: [cro-vs-cmo#rules]", "cites: [cmo-vs-cro#rules]"),
            "cite “cmo-vs-cro#rules”: there is no comparison “cmo-vs-cro”",
        ),
        (
            ("feedback: Only with a plant of one's own.", "feedback: ''"),
            "feedback”: This field cannot be blank.",
        ),
        (
            ("    choose: all", "    choose: some"),
            "choose”: Value 'some' is not a valid choice. Use one of: one, all.",
        ),
        (
            (
                "correct: true\n        feedback: Yes.\n        cites",
                "correct: yes please\n        feedback: Yes.\n        cites",
            ),
            "correct”: Input should be a valid boolean",
        ),
    ],
)
def test_a_broken_quiz_is_refused_with_a_reason(quiz_content, db, change, message):
    quiz_content.write("which-fits", QUIZ.replace(*change, 1), folder="quizzes")

    problems = problems_of(quiz_content.path)

    assert any(message in p and "quizzes/which-fits.md:" in p for p in problems), problems
    assert not Quiz.objects.exists()


# Taking the quiz without JavaScript


def test_the_quiz_page_is_a_plain_csrf_protected_form(client, quiz, django_assert_num_queries):
    # The session-less page: the quiz, its questions, their options, and the attempt the cookie names.
    with django_assert_num_queries(5):
        response = client.get("/quiz/which-fits/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert 'name="csrfmiddlewaretoken"' in html
    assert html.count('type="radio" name="q-trial-monitoring"') == 2
    assert html.count('type="checkbox" name="q-contracts"') == 3
    assert "Choose all that apply." in html
    assert 'src="/static/js/quiz.' in html


def test_a_full_right_submission_scores_every_question(client, quiz):
    signed, _ = start(client)

    response = client.post("/quiz/which-fits/", {"attempt": signed, **RIGHT})

    attempt = Attempt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/quiz/which-fits/result/{attempt.token}/"
    assert (attempt.score, attempt.total) == (3, 3)
    assert attempt.submitted is not None


def test_choose_all_is_right_only_with_exactly_the_right_options(client, quiz):
    signed, _ = start(client)

    client.post("/quiz/which-fits/", {"attempt": signed, **RIGHT, "q-contracts": ["cro", "cmo", "fda"]})

    assert Attempt.objects.get().score == 2


def test_the_result_page_shows_score_answers_feedback_and_rows(client, quiz, django_assert_max_num_queries):
    signed, _ = start(client)
    client.post("/quiz/which-fits/", {"attempt": signed, **WRONG})
    attempt = Attempt.objects.get()

    with django_assert_max_num_queries(10):
        response = client.get(attempt.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "0 out of 3" in html
    assert html.count("Your answer") == 3
    assert html.count("Best answer") == 2
    assert html.count("A right answer") == 2
    assert "No, a <a" in html and 'href="/terms/cmo/"' in html
    assert 'href="/compare/cro-vs-cmo/#row-role"' in html
    assert "<dd><p>Runs trial work.</p></dd>" in html  # the comparison row itself, from the facets
    assert 'action="/quiz/which-fits/new/"' in html
    # It starts with the score and the questions missed, each linking to its explanation.
    assert html.index("0 out of 3") < html.index("The 3 questions you missed")
    assert html.count('href="#result-') == 3 and 'id="result-capsules"' in html
    assert "You chose “A CRO”; the best answer is “A CMO”." in html


def test_options_are_shuffled_per_attempt_and_stable_within_one(quiz):
    question = quiz.questions.get(key="capsules")

    orders = {tuple(o.key for o in question.shuffled_options(f"token-{i}")) for i in range(30)}

    assert len(orders) > 1
    assert question.shuffled_options("same") == question.shuffled_options("same")


# Tampering: never a 500, never a higher score


def test_resubmitting_an_attempt_cannot_change_its_score(client, quiz):
    signed, _ = start(client)
    client.post("/quiz/which-fits/", {"attempt": signed, **WRONG})

    response = client.post("/quiz/which-fits/", {"attempt": signed, **RIGHT}, follow=True)

    assert Attempt.objects.get().score == 0
    assert "This attempt was already scored" in response.content.decode()


def test_going_back_after_checking_an_answer_cannot_change_it(client, quiz):
    signed, _ = start(client)
    client.post(
        "/quiz/which-fits/check/",
        {"attempt": signed, "question": "trial-monitoring", "q-trial-monitoring": "cmo"},
    )

    again = client.post(
        "/quiz/which-fits/check/",
        {"attempt": signed, "question": "trial-monitoring", "q-trial-monitoring": "cro"},
    )
    client.post("/quiz/which-fits/", {"attempt": signed, **RIGHT})

    assert again.json()["chosen"] == ["cmo"]
    assert again.json()["right"] is False
    assert Attempt.objects.get().score == 2


@pytest.mark.parametrize(
    "data, message",
    [
        ({**RIGHT, "q-trial-monitoring": "fda"}, "Question 1 has no option “fda”."),
        ({**RIGHT, "q-trial-monitoring": ["cro", "cmo"]}, "Question 1 takes one answer, but 2 were sent."),
        ({**RIGHT, "q-contracts": ["cro", "cro"]}, "Question 3 was sent the same option twice."),
        ({**RIGHT, "q-capsules": "x" * 5000}, "Question 2 was sent an answer far longer than any option."),
        ({**RIGHT, "q-invented": "cro"}, "The form answered a question that is not in this quiz."),
        (
            {**RIGHT, "q-capsules": "<script>alert(1)</script>"},
            "Question 2 has no option “&lt;script&gt;alert(1)&lt;/script&gt;”.",
        ),
    ],
)
def test_an_edited_form_gets_a_400_with_a_reason_and_no_score(client, quiz, data, message):
    signed, _ = start(client)

    response = client.post("/quiz/which-fits/", {"attempt": signed, **data})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<script>alert" not in response.content.decode()
    assert not Attempt.objects.filter(submitted__isnull=False).exists()


@pytest.mark.parametrize("attempt", ["", "forged", "x" * 10000, signing.dumps("t", salt="quiz:other")])
def test_a_forged_or_missing_attempt_token_is_refused(client, quiz, attempt):
    response = client.post("/quiz/which-fits/", {"attempt": attempt, **RIGHT})

    assert response.status_code == 400
    assert "expired or was changed" in response.content.decode()
    assert not Attempt.objects.exists()


def test_missing_answers_are_named_and_choices_kept(client, quiz):
    signed, _ = start(client)

    response = client.post("/quiz/which-fits/", {"attempt": signed, "q-capsules": "cmo"})
    assert response.status_code == 302
    assert response["Location"] == "/quiz/which-fits/?unanswered=all#question-trial-monitoring"
    html = client.get(response["Location"]).content.decode()

    assert "Not answered yet: 1, 3." in html
    assert 'value="cmo" checked' in html
    assert html.count('class="question question-missing"') == 2
    assert not Attempt.objects.filter(submitted__isnull=False).exists()


def test_a_result_needs_a_scored_attempt(client, quiz):
    assert client.get("/quiz/which-fits/result/not-a-token/").status_code == 404
    assert client.get("/quiz/nope/").status_code == 404


def test_the_quiz_needs_post_for_checking(client, quiz):
    assert client.get("/quiz/which-fits/check/").status_code == 405


# Instant feedback (the endpoint quiz.js calls)


def test_checking_an_answer_returns_feedback_with_the_rows_behind_it(client, quiz):
    signed, _ = start(client)

    response = client.post(
        "/quiz/which-fits/check/",
        {"attempt": signed, "question": "trial-monitoring", "q-trial-monitoring": "cro"},
    )

    data = response.json()
    assert response.status_code == 200
    assert data["right"] is True
    assert data["chosen"] == ["cro"]
    assert "Right." in data["html"]
    assert 'href="/compare/cro-vs-cmo/#row-role"' in data["html"]


@pytest.mark.parametrize(
    "data, status, error",
    [
        ({"question": "nope", "q-nope": "cro"}, 400, "The form checked a question that is not in this quiz."),
        ({"question": "trial-monitoring"}, 400, "Choose an answer first, then check it."),
        (
            {"question": "trial-monitoring", "q-trial-monitoring": "zzz"},
            400,
            "Question 1 has no option “zzz”.",
        ),
    ],
)
def test_checking_a_bad_answer_is_refused(client, quiz, data, status, error):
    signed, _ = start(client)

    response = client.post("/quiz/which-fits/check/", {"attempt": signed, **data})

    assert response.status_code == status
    assert response.json()["error"] == error


def test_checking_after_scoring_is_refused(client, quiz):
    signed, _ = start(client)
    client.post("/quiz/which-fits/", {"attempt": signed, **RIGHT})

    response = client.post(
        "/quiz/which-fits/check/", {"attempt": signed, "question": "capsules", "q-capsules": "cro"}
    )

    assert response.status_code == 409
    assert Attempt.objects.get().score == 3


def test_the_check_endpoint_is_csrf_protected(quiz):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    signed, _ = start(strict)

    response = strict.post(
        "/quiz/which-fits/check/", {"attempt": signed, "question": "capsules", "q-capsules": "cmo"}
    )

    assert response.status_code == 403


# Statistics for staff


def test_staff_see_the_share_right_and_the_most_chosen_wrong_option(admin_client, quiz):
    from django.test import Client

    for answers in (RIGHT, WRONG, WRONG):
        learner = Client()
        signed, _ = start(learner)
        learner.post("/quiz/which-fits/", {"attempt": signed, **answers})

    html = admin_client.get("/admin/quiz/question/").content.decode()

    assert "33%" in html
    assert "A CMO (2)" in html  # trial-monitoring: the wrong option chosen twice
    assert Attempt.objects.filter(submitted__isnull=False).count() == 3


def test_renaming_or_deleting_a_term_in_the_admin_updates_every_link_to_it(admin_client, quiz):
    from glossary.models import Comparison, Facet, Term
    from tests.conftest import term_form

    Facet.objects.filter(term__slug="cmo", aspect__slug="role").update(text="Works beside a [[cro]].")
    cro = Term.objects.get(slug="cro")
    assert (
        admin_client.post(
            f"/admin/glossary/term/{cro.pk}/change/", term_form(cro, abbreviation="C.R.O.")
        ).status_code
        == 302
    )
    sponsor = Term.objects.get(slug="sponsor")
    assert admin_client.post(f"/admin/glossary/term/{sponsor.pk}/delete/", {"post": "yes"}).status_code == 302

    comparison = Comparison.objects.get(slug="cro-vs-cmo").body_html
    assert '">C.R.O.</a>' in comparison
    # The link to the deleted term is its plain words now, in the comparison's text too.
    assert "work for the same sponsor." in comparison and 'href="/terms/sponsor/"' not in comparison
    assert "[[sponsor" not in Comparison.objects.get(slug="cro-vs-cmo").body
    assert '">C.R.O.</a>' in Option.objects.get(question__key="trial-monitoring", key="cro").feedback_html
    assert '">C.R.O.</a>' in Facet.objects.get(term__slug="cmo", aspect__slug="role").text_html


URL = "/quiz/which-fits/"


def order(html, question):
    return re.findall(rf'name="q-{question}" id="q-{question}-([\w-]+)"', html)


def check(client, signed, question, *options):
    return client.post(f"{URL}check/", {"attempt": signed, "question": question, f"q-{question}": options})


# The attempt lives in the browser until it is sent


def test_reloading_the_quiz_keeps_the_attempt_and_its_order(client, quiz):
    signed, first = start(client)
    again, second = start(client)

    assert again == signed
    assert order(second, "capsules") == order(first, "capsules")


def test_each_visitor_gets_an_attempt_of_their_own(quiz, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    pages = [Client().get(URL) for _ in range(2)]

    assert pages[0].cookies["quiz-which-fits"].value != pages[1].cookies["quiz-which-fits"].value
    assert all("private" in page["Cache-Control"] and "no-store" in page["Cache-Control"] for page in pages)


def test_the_attempt_cookie_is_signed_scoped_to_the_quiz_and_kept_for_a_week(client, quiz):
    response = client.get(URL)
    cookie = response.cookies["quiz-which-fits"]

    assert cookie["path"] == URL
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 7 * 24 * 60 * 60
    client.cookies["quiz-which-fits"] = "forged"
    assert start(client)[0] != "forged"


def test_answers_ticked_but_not_checked_come_back_from_the_draft_cookie(client, quiz):
    start(client)
    client.cookies["quiz-which-fits-draft"] = quote("q-capsules=cmo&q-contracts=cro&q-contracts=fda", safe="")

    html = client.get(URL).content.decode()

    assert re.search(r'id="q-capsules-cmo" value="cmo" checked>', html)
    assert re.search(r'id="q-contracts-cro" value="cro" checked>', html)
    assert re.search(r'id="q-contracts-fda" value="fda" checked>', html)
    assert html.count(" checked>") == 3


@pytest.mark.parametrize(
    "draft",
    [
        "q-capsules=nope",
        "q-trial-monitoring=cro&q-trial-monitoring=cmo",
        "%%%",
        "q-x=1",
        "=" * 3000,
        "a&" * 500,
    ],
)
def test_a_draft_cookie_that_no_longer_fits_is_ignored(client, quiz, draft):
    start(client)
    client.cookies["quiz-which-fits-draft"] = quote(draft, safe="")

    response = client.get(URL)

    assert response.status_code == 200
    assert " checked>" not in response.content.decode()


def test_a_checked_answer_stays_checked_and_explained_on_reload(client, quiz):
    signed, _ = start(client)
    check(client, signed, "capsules", "cro")

    html = client.get(URL).content.decode()

    assert re.search(r'id="q-capsules-cro" value="cro" checked disabled>', html)
    assert 'id="verdict-capsules"' in html and "Not quite. The best answer: A CMO." in html
    assert '<span class="checked-count">1</span> of 3 questions checked.' in html


def test_start_again_begins_a_new_attempt(client, quiz):
    signed, _ = start(client)
    check(client, signed, "capsules", "cro")

    response = client.post(f"{URL}new/")
    fresh, html = start(client)

    assert response.status_code == 302 and response["Location"] == URL
    assert fresh != signed
    assert "disabled" not in html


def test_after_sending_the_quiz_page_shows_the_sent_answers_locked(client, quiz):
    signed, _ = start(client)
    client.post(URL, {"attempt": signed, **WRONG})

    again, html = start(client)

    assert again == signed
    assert "You sent these answers" in html and "scored 0 out of 3" in html
    assert 'action="/quiz/which-fits/new/"' in html
    assert re.search(r'id="q-capsules-cro" value="cro" checked disabled>', html)
    assert "See my score</button></p>" not in html
    assert "quiz-which-fits-draft" not in client.cookies or not client.cookies["quiz-which-fits-draft"].value


# Checking an answer without JavaScript: the button sends the form


def test_checking_without_javascript_records_that_answer_and_keeps_the_others(client, quiz):
    signed, _ = start(client)

    response = client.post(
        URL, {"attempt": signed, "check": "capsules", "q-capsules": "cmo", "q-contracts": "cro"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{URL}#verdict-capsules"
    assert unquote(client.cookies["quiz-which-fits-draft"].value) == "q-contracts=cro"
    answer = Answer.objects.get()
    assert answer.question.key == "capsules" and answer.correct
    html = client.get(URL).content.decode()
    assert "Right." in html
    assert re.search(r'id="q-contracts-cro" value="cro" checked>', html)


def test_checking_without_an_answer_says_so(client, quiz):
    signed, _ = start(client)

    response = client.post(URL, {"attempt": signed, "check": "capsules"}, follow=True)

    html = response.content.decode()
    assert "Choose an answer to question 2, then check it." in html
    assert html.count('class="question question-missing"') == 1 and 'id="missing-capsules"' in html
    assert not Answer.objects.exists()


def test_checking_a_question_not_in_the_quiz_is_a_400(client, quiz):
    signed, _ = start(client)

    response = client.post(URL, {"attempt": signed, "check": "<b>nope</b>", "q-capsules": "cmo"})

    assert response.status_code == 400
    assert "checked a question that is not in this quiz" in response.content.decode()
    assert "<b>nope" not in response.content.decode()


def test_the_first_checked_answer_counts_whatever_is_sent_later(client, quiz):
    signed, _ = start(client)
    client.post(URL, {"attempt": signed, "check": "capsules", "q-capsules": "cro"})

    client.post(URL, {"attempt": signed, **RIGHT})

    assert Attempt.objects.get().score == 2


# Rate limits


def test_sending_past_the_limit_gets_a_429_that_says_when_to_try_again(quiz, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "quiz-send": (2, 600)}
    learner = Client()
    statuses = []
    for _ in range(3):
        signed, _ = start(learner)
        learner.post(f"{URL}new/")
        statuses.append(learner.post(URL, {"attempt": signed, **RIGHT}))

    assert [r.status_code for r in statuses] == [302, 302, 429]
    assert 0 < int(statuses[2]["Retry-After"]) <= 600
    assert re.search(r"Please try again in (a minute|\d+ minutes)", statuses[2].content.decode())
    assert '<a href="/quiz/which-fits/">Back to the quiz</a>' in statuses[2].content.decode()
    assert Attempt.objects.sent().count() == 2


def test_checking_past_the_limit_gets_a_429_too(client, quiz, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "quiz-check": (1, 60)}
    signed, _ = start(client)

    check(client, signed, "capsules", "cmo")
    response = check(client, signed, "contracts", "cro")

    assert response.status_code == 429
    assert "try again in a minute" in response.json()["error"]
    assert response["Retry-After"]
    assert Answer.objects.count() == 1


def test_limits_count_each_client_apart(quiz, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "quiz-send": (1, 600)}
    for address in ("192.0.2.1", "192.0.2.2"):
        learner = Client(REMOTE_ADDR=address)
        signed, _ = start(learner)
        assert learner.post(URL, {"attempt": signed, **RIGHT}).status_code == 302


def test_behind_a_trusted_proxy_limits_count_the_forwarded_client(quiz, settings):
    settings.PROXY_HOPS = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "quiz-send": (1, 600)}

    def send(forwarded):
        learner = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        signed, _ = start(learner)
        return learner.post(URL, {"attempt": signed, **RIGHT}).status_code

    assert send("203.0.113.7") == 302
    assert send("203.0.113.8") == 302
    # What the client writes to the left of the proxy's own entry is not believed.
    assert send("198.51.100.1, 203.0.113.7") == 429


def test_a_class_of_30_behind_one_address_can_take_the_quiz_together(quiz, settings):
    checks, sends = settings.RATE_LIMITS["quiz-check"][0], settings.RATE_LIMITS["quiz-send"][0]
    questions = 23  # the real quiz

    assert checks >= 30 * questions and sends >= 30 * 2


def test_a_thousand_scripted_submissions_move_the_statistics_only_as_far_as_the_limit(quiz, settings):
    limit = settings.RATE_LIMITS["quiz-send"][0]
    script = Client()
    accepted = 0
    for _ in range(1000):
        signed, _ = start(script)
        script.post(f"{URL}new/")
        accepted += script.post(URL, {"attempt": signed, **WRONG}).status_code == 302

    assert accepted == limit
    assert Attempt.objects.sent().count() == limit


# Statistics staff can trust


def test_statistics_count_sent_attempts_once_and_say_how_many(admin_client, quiz):
    for answers in (RIGHT, WRONG):
        learner = Client()
        signed, _ = start(learner)
        learner.post(URL, {"attempt": signed, **answers})
    # Answers checked in attempts never sent don't count, however many.
    for _ in range(5):
        learner = Client()
        signed, _ = start(learner)
        check(learner, signed, "trial-monitoring", "cmo")

    questions = admin_client.get("/admin/quiz/question/").content.decode()
    quizzes = admin_client.get("/admin/quiz/quiz/").content.decode()

    assert "Sent attempts that answered it" in questions
    assert re.search(r'field-answered">2<', questions)
    assert "50%" in questions and "A CMO (1)" in questions
    assert re.search(r'field-sent_attempts">2<', quizzes)


# Clean-up of attempts never sent


def test_prune_removes_only_unsent_attempts_past_their_token_age(quiz, capsys):
    old = timezone.now() - timedelta(days=8)
    stale = Attempt.objects.create(quiz=quiz, token="stale")
    sent = Attempt.objects.create(quiz=quiz, token="sent", submitted=old)
    fresh = Attempt.objects.create(quiz=quiz, token="fresh")
    Attempt.objects.filter(pk__in=[stale.pk, sent.pk]).update(created=old)

    call_command("prune_attempts")

    assert set(Attempt.objects.values_list("token", flat=True)) == {"sent", "fresh"}
    assert "Removed 1 unsent quiz attempt." in capsys.readouterr().out
    assert fresh.pk


def test_the_real_quiz_says_choose_all_once_per_question_and_that_the_first_check_counts(client, glossary):
    html = client.get(URL).content.decode()

    choose_all_questions = set(re.findall(r'type="checkbox" name="([\w-]+)"', html))
    assert len(choose_all_questions) == 5
    assert html.count("Choose all that apply") == len(choose_all_questions)
    assert "The first answer you check is the one that counts" in html
    assert html.index("The first answer you check") < html.index("Check this answer</button>")


def test_every_real_quiz_renders_all_its_questions_and_scores_a_full_attempt(glossary):
    for quiz in Quiz.objects.all():
        learner = Client()
        html = learner.get(quiz.get_absolute_url()).content.decode()
        signed = re.search(r'name="attempt" value="([^"]+)"', html).group(1)
        questions = list(quiz.questions.prefetch_related("options"))
        assert html.count('<li class="question') == len(questions), quiz.slug
        right = {q.field_name: [o.key for o in q.options.all() if o.correct] for q in questions}

        response = learner.post(quiz.get_absolute_url(), {"attempt": signed, **right})

        attempt = Attempt.objects.get(quiz=quiz)
        assert response.status_code == 302, quiz.slug
        assert (attempt.score, attempt.total) == (len(questions), len(questions)), quiz.slug
    assert Quiz.objects.count() >= 2
