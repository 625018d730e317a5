"""The partner advisor: rules are content, checked so that every answer reaches exactly one rule."""

import itertools

import pytest

from glossary.content import load_content
from glossary.quiz.models import Advisor
from tests.conftest import CONTENT_DIR, problems_of
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
    assert "What usually fits" in html and "Best fit" in html and "Also worth" not in html
    assert 'href="/terms/cro/"' in html
    assert "Which duties will you take on in writing?" in html
    assert 'href="/compare/cro-vs-cmo/"' in html
    assert 'value="changing" checked' in html


def test_a_rule_can_recommend_two_partners(client, advised):
    html = client.get("/advisor/", {"need": "manufacturing", "formulation": "changing"}).content.decode()

    assert (
        html.index("Best fit")
        < html.index("A CMO")
        < html.index("Also worth considering")
        < html.index("A CRO")
    )


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


def test_a_partner_without_a_term_shows_its_own_summary_and_heading(client, advised):
    advised.file(
        "advisor.yml",
        ADVISOR.replace(
            "  - id: cmo\n    term: cmo\n    name: A CMO\n",
            "  - id: cmo\n    name: Keep it in-house\n    summary: Your own staff do it.\n"
            "    ask_heading: What to ask yourselves\n    ask: [Do we have the people?]\n",
        ),
    )
    load_content(advised.path)

    html = client.get("/advisor/", {"need": "manufacturing", "formulation": "fixed"}).content.decode()

    assert "<h3>Keep it in-house</h3>" in html
    assert "Your own staff do it." in html and "What to ask yourselves" in html
    assert "What to ask a prospective partner" not in html


# The advisor and the quiz tell the same story: for each quiz question whose answer is a kind of
# partner, the same situation given to the advisor puts that partner first.
QUIZ_SITUATIONS = {
    "formulation-still-changing": {
        "stage": "discovery-preclinical", "formulation": "changing", "need": "development", "own-capacity": "no",
    },
    "many-trial-sites": {
        "stage": "mid-late-clinical", "formulation": "fixed", "need": "trial-conduct", "own-capacity": "no",
    },
    "settled-process-more-capacity": {
        "stage": "approved-commercial", "formulation": "fixed", "need": "scale-up", "own-capacity": "no",
    },
    "large-company-own-staff": {
        "stage": "early-clinical", "formulation": "fixed", "need": "trial-conduct", "own-capacity": "yes",
    },
    "glp-toxicology": {
        "stage": "discovery-preclinical", "formulation": "not-sure", "need": "nonclinical-studies",
        "own-capacity": "no",
    },
    "scale-up-before-phase-3": {
        "stage": "mid-late-clinical", "formulation": "fixed", "need": "scale-up", "own-capacity": "no",
    },
}  # fmt: skip
PARTNER_KINDS = {"cro", "cmo", "cdmo", "in-house"}


def test_every_partner_question_of_the_quiz_is_paired_with_an_advisor_situation(glossary):
    from glossary.quiz.models import Question

    partner_questions = {
        q.key
        for q in Question.objects.filter(choose="one").prefetch_related("options")
        if any(o.correct and o.key in PARTNER_KINDS for o in q.options.all())
    }

    assert partner_questions == set(QUIZ_SITUATIONS)


@pytest.mark.parametrize("question", QUIZ_SITUATIONS)
def test_the_advisor_recommends_first_what_the_quiz_says_is_right(client, glossary, question):
    from glossary.quiz.models import Option

    right = Option.objects.get(question__key=question, correct=True).key

    html = client.get("/advisor/", QUIZ_SITUATIONS[question]).content.decode()
    best = html.split('class="advice-rank">Best fit</p>', 1)[1].split("</h3>", 1)[0]

    assert Advisor.objects.get().first_match(QUIZ_SITUATIONS[question])["recommend"][0] == right
    partner = next(p for p in Advisor.objects.get().partners if p["id"] == right)
    assert partner["name"] in best


def test_the_in_house_card_speaks_of_the_sponsors_own_work_not_a_partner(client, glossary):
    html = client.get("/advisor/", QUIZ_SITUATIONS["large-company-own-staff"]).content.decode()
    card = html.split('class="advice-rank">Best fit</p>', 1)[1].split('<div class="card">', 1)[0]

    assert "Keep it in-house" in card
    assert "What to ask yourselves first" in card
    assert "What to ask a prospective partner" not in card


def test_preclinical_programs_can_ask_for_nonclinical_safety_studies(client, glossary):
    situation = {**QUIZ_SITUATIONS["glp-toxicology"]}

    html = client.get("/advisor/", situation).content.decode()

    assert "Nonclinical safety studies" in html
    assert 'href="/terms/glp/"' in html.split('id="advice-title"', 1)[1]


def test_renaming_or_retitling_a_linked_term_in_the_admin_renders_the_advisor_again(admin_client, glossary):
    from glossary.models import Term
    from tests.conftest import term_form

    glp = Term.objects.get(slug="glp")
    response = admin_client.post(
        f"/admin/glossary/term/{glp.pk}/change/",
        term_form(glp, slug="good-laboratory-practice", abbreviation="G.L.P."),
    )
    assert response.status_code == 302

    rule = next(r for r in Advisor.objects.get().rules if r["when"] == {"need": ["nonclinical-studies"]})
    assert 'href="/terms/good-laboratory-practice/"' in rule["because_html"]
    assert ">G.L.P.</a>" in rule["because_html"]
    # advisor.yml owns the text: it keeps the old slug, which still finds the term at the next load.
    assert "[[glp]]" in rule["because"]
    load_content(CONTENT_DIR)
    rule = next(r for r in Advisor.objects.get().rules if r["when"] == {"need": ["nonclinical-studies"]})
    assert 'href="/terms/good-laboratory-practice/"' in rule["because_html"]


def test_a_term_the_advisor_links_to_cannot_be_deleted_in_the_admin(admin_client, glossary):
    from glossary.models import Term

    glp = Term.objects.get(slug="glp")
    response = admin_client.post(f"/admin/glossary/term/{glp.pk}/delete/", {"post": "yes"})

    assert Term.objects.filter(slug="glp").exists()
    assert "content/advisor.yml" in response.content.decode()
