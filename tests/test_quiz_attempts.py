"""A quiz attempt as a person lives it: kept in the browser until sent, checkable without JavaScript,
limited per client, counted once in the statistics, and tidied away when abandoned."""

import re
from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from glossary.quiz.models import Answer, Attempt
from tests.test_quiz import RIGHT, WRONG, quiz, quiz_content, start  # noqa: F401 (fixtures)

QUIZ = "/quiz/which-fits/"


def order(html, question):
    return re.findall(rf'name="q-{question}" id="q-{question}-([\w-]+)"', html)


def check(client, signed, question, *options):
    return client.post(f"{QUIZ}check/", {"attempt": signed, "question": question, f"q-{question}": options})


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
    pages = [Client().get(QUIZ) for _ in range(2)]

    assert pages[0].cookies["quiz-which-fits"].value != pages[1].cookies["quiz-which-fits"].value
    assert all("private" in page["Cache-Control"] and "no-store" in page["Cache-Control"] for page in pages)


def test_the_attempt_cookie_is_signed_scoped_to_the_quiz_and_kept_for_a_week(client, quiz):
    response = client.get(QUIZ)
    cookie = response.cookies["quiz-which-fits"]

    assert cookie["path"] == QUIZ
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 7 * 24 * 60 * 60
    client.cookies["quiz-which-fits"] = "forged"
    assert start(client)[0] != "forged"


def test_answers_ticked_but_not_checked_come_back_from_the_draft_cookie(client, quiz):
    start(client)
    client.cookies["quiz-which-fits-draft"] = quote("q-capsules=cmo&q-contracts=cro&q-contracts=fda", safe="")

    html = client.get(QUIZ).content.decode()

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

    response = client.get(QUIZ)

    assert response.status_code == 200
    assert " checked>" not in response.content.decode()


def test_a_checked_answer_stays_checked_and_explained_on_reload(client, quiz):
    signed, _ = start(client)
    check(client, signed, "capsules", "cro")

    html = client.get(QUIZ).content.decode()

    assert re.search(r'id="q-capsules-cro" value="cro" checked disabled>', html)
    assert 'id="verdict-capsules"' in html and "Not quite. The best answer: A CMO." in html
    assert '<span class="checked-count">1</span> of 3 questions checked.' in html


def test_start_again_begins_a_new_attempt(client, quiz):
    signed, _ = start(client)
    check(client, signed, "capsules", "cro")

    response = client.post(f"{QUIZ}new/")
    fresh, html = start(client)

    assert response.status_code == 302 and response["Location"] == QUIZ
    assert fresh != signed
    assert "disabled" not in html


def test_after_sending_the_quiz_page_shows_the_sent_answers_locked(client, quiz):
    signed, _ = start(client)
    client.post(QUIZ, {"attempt": signed, **WRONG})

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
        QUIZ, {"attempt": signed, "check": "capsules", "q-capsules": "cmo", "q-contracts": "cro"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{QUIZ}#verdict-capsules"
    assert unquote(client.cookies["quiz-which-fits-draft"].value) == "q-contracts=cro"
    answer = Answer.objects.get()
    assert answer.question.key == "capsules" and answer.correct
    html = client.get(QUIZ).content.decode()
    assert "Right." in html
    assert re.search(r'id="q-contracts-cro" value="cro" checked>', html)


def test_checking_without_an_answer_says_so(client, quiz):
    signed, _ = start(client)

    response = client.post(QUIZ, {"attempt": signed, "check": "capsules"}, follow=True)

    assert "Choose an answer first, then check it." in response.content.decode()
    assert not Answer.objects.exists()


def test_checking_a_question_not_in_the_quiz_is_a_400(client, quiz):
    signed, _ = start(client)

    response = client.post(QUIZ, {"attempt": signed, "check": "<b>nope</b>", "q-capsules": "cmo"})

    assert response.status_code == 400
    assert "checked a question that is not in this quiz" in response.content.decode()
    assert "<b>nope" not in response.content.decode()


def test_the_first_checked_answer_counts_whatever_is_sent_later(client, quiz):
    signed, _ = start(client)
    client.post(QUIZ, {"attempt": signed, "check": "capsules", "q-capsules": "cro"})

    client.post(QUIZ, {"attempt": signed, **RIGHT})

    assert Attempt.objects.get().score == 2


# Rate limits


def test_sending_past_the_limit_gets_a_429_that_says_when_to_try_again(quiz, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "quiz-send": (2, 600)}
    learner = Client()
    statuses = []
    for _ in range(3):
        signed, _ = start(learner)
        learner.post(f"{QUIZ}new/")
        statuses.append(learner.post(QUIZ, {"attempt": signed, **RIGHT}))

    assert [r.status_code for r in statuses] == [302, 302, 429]
    assert 0 < int(statuses[2]["Retry-After"]) <= 600
    assert re.search(r"Please try again in \d+ minutes", statuses[2].content.decode())
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
        assert learner.post(QUIZ, {"attempt": signed, **RIGHT}).status_code == 302


def test_behind_a_trusted_proxy_limits_count_the_forwarded_client(quiz, settings):
    settings.PROXY_HOPS = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "quiz-send": (1, 600)}

    def send(forwarded):
        learner = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        signed, _ = start(learner)
        return learner.post(QUIZ, {"attempt": signed, **RIGHT}).status_code

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
        script.post(f"{QUIZ}new/")
        accepted += script.post(QUIZ, {"attempt": signed, **WRONG}).status_code == 302

    assert accepted == limit
    assert Attempt.objects.sent().count() == limit


# Statistics staff can trust


def test_statistics_count_sent_attempts_once_and_say_how_many(admin_client, quiz):
    for answers in (RIGHT, WRONG):
        learner = Client()
        signed, _ = start(learner)
        learner.post(QUIZ, {"attempt": signed, **answers})
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
