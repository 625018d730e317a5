"""The partner advisor: rules are content, checked so that every answer reaches exactly one rule."""

import itertools

import pytest

from glossary.content import load_content
from glossary.quiz.models import Advisor
from tests.conftest import problems_of
from tests.test_quiz import quiz_content  # noqa: F401 (a fixture)

ADVISOR = """\
title: Which partner fits my program?
intro: Two questions.
questions:
  - id: need
    prompt: What do you need?
    options:
      - id: trial-conduct
        text: Trial work
      - id: manufacturing
        text: Manufacturing
  - id: formulation
    prompt: Is the formulation settled?
    options:
      - id: fixed
        text: Settled
      - id: changing
        text: Still changing
partners:
  - id: cro
    term: cro
    name: A CRO
    ask:
      - Which duties will you take on in writing?
  - id: cmo
    term: cmo
    name: A CMO
rules:
  - when:
      need: [trial-conduct]
    recommend: [cro]
    because: A [[cro]] runs trial work.
    compare: [cro-vs-cmo]
  - when:
      formulation: [fixed]
    recommend: [cmo]
    because: A settled process suits a [[cmo]].
  - when: {}
    recommend: [cmo, cro]
    because: Ask both.
"""


@pytest.fixture
def advised(quiz_content):  # noqa: F811
    quiz_content.file("advisor.yml", ADVISOR)
    load_content(quiz_content.path)
    return quiz_content


def test_the_advisor_loads_with_rendered_reasons(advised):
    advisor = Advisor.objects.get()

    assert [q["id"] for q in advisor.questions] == ["need", "formulation"]
    assert 'href="/terms/cro/"' in advisor.rules[0]["because_html"]


def test_every_combination_of_answers_reaches_a_rule_and_every_rule_is_reached(advised):
    advisor = Advisor.objects.get()
    ids = [q["id"] for q in advisor.questions]
    every = itertools.product(*([o["id"] for o in q["options"]] for q in advisor.questions))

    reached = [
        advisor.rules.index(advisor.first_match(dict(zip(ids, answers, strict=True)))) for answers in every
    ]

    assert len(reached) == 4
    assert sorted(set(reached)) == [0, 1, 2]


def test_a_gap_in_the_rules_is_refused(advised, db):
    advised.file(
        "advisor.yml",
        ADVISOR.replace("  - when: {}\n    recommend: [cmo, cro]\n    because: Ask both.\n", ""),
    )

    problems = problems_of(advised.path)

    assert problems == [
        f"{advised.path}/advisor.yml:27: no rule matches need=manufacturing, formulation=changing: add a rule, or a last rule with “when: {{}}”"
    ]


def test_a_rule_that_can_never_be_reached_is_refused(advised, db):
    advised.file(
        "advisor.yml",
        ADVISOR.replace("rules:\n", "rules:\n  - when: {}\n    recommend: [cro]\n    because: Everything.\n"),
    )

    problems = problems_of(advised.path)

    assert len(problems) == 3
    assert all("this rule is never reached" in p for p in problems)


@pytest.mark.parametrize(
    "change, message",
    [
        (("need: [trial-conduct]", "need: [trials]"), "“trials” is not an answer to “need”"),
        (
            ("need: [trial-conduct]", "budget: [small]"),
            "question “budget” is not one of the advisor's questions",
        ),
        (("recommend: [cro]", "recommend: [cdmo]"), "partner “cdmo” is not in “partners”"),
        (("compare: [cro-vs-cmo]", "compare: [cmo-vs-cro]"), "comparison “cmo-vs-cro” does not exist"),
        (("term: cro", "term: croo"), "term “croo” does not exist"),
        (("because: Ask both.", "because: See [[nope]]."), "[[nope]] links to a term that does not exist"),
        (("need: [trial-conduct]", "need: trial-conduct"), "when.need”: Input should be a valid list"),
    ],
)
def test_a_broken_advisor_is_refused_with_a_reason(advised, db, change, message):
    advised.file("advisor.yml", ADVISOR.replace(*change, 1))

    problems = problems_of(advised.path)

    assert any(message in p and "advisor.yml:" in p for p in problems), problems


def test_the_advisor_page_asks_its_questions(client, advised, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get("/advisor/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert '<form class="advisor-form" method="get"' in html
    assert 'name="need" id="need-trial-conduct" value="trial-conduct"' in html
    assert "What fits" not in html


def test_answers_in_the_address_give_a_shareable_result(client, advised, django_assert_num_queries):
    with django_assert_num_queries(4):
        response = client.get("/advisor/", {"need": "trial-conduct", "formulation": "changing"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "What fits: A CRO" in html
    assert 'href="/terms/cro/"' in html
    assert "Which duties will you take on in writing?" in html
    assert 'href="/compare/cro-vs-cmo/"' in html
    assert 'value="changing" checked' in html


def test_a_rule_can_recommend_two_partners(client, advised):
    html = client.get("/advisor/", {"need": "manufacturing", "formulation": "changing"}).content.decode()

    assert "What fits: A CMO, or A CRO" in html


@pytest.mark.parametrize(
    "query",
    [{"need": "nonsense", "formulation": "fixed"}, {"need": "<script>x</script>"}, {"need": "x" * 9000}],
)
def test_an_unknown_answer_gets_a_400_with_a_reason(client, advised, query):
    response = client.get("/advisor/", query)

    html = response.content.decode()
    assert response.status_code == 400
    assert "is not one of the answers" in html
    assert "<script>x" not in html


def test_a_partial_answer_asks_for_the_rest(client, advised):
    response = client.get("/advisor/", {"need": "manufacturing"})

    assert response.status_code == 200
    assert "Answer every question to see which partner fits." in response.content.decode()


def test_without_an_advisor_the_page_is_a_404(client, db):
    assert client.get("/advisor/").status_code == 404
