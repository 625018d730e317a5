"""Reading and checking the quizzes (content/quizzes/) and the partner advisor (content/advisor.yml)."""

from dataclasses import dataclass, field

from glossary.content.files import REQUIRED_TEXT, TEXT, FileReader
from glossary.quiz.models import DEFAULT_PROMPT, Advisor, combinations

OPTION_KEYS = {
    "id": REQUIRED_TEXT,
    "text": REQUIRED_TEXT,
    "correct": ("bool", False),
    "feedback": REQUIRED_TEXT,
    "cites": ("list of text", False),
}
QUESTION_KEYS = {
    "id": REQUIRED_TEXT,
    "scenario": REQUIRED_TEXT,
    "prompt": TEXT,
    "choose": TEXT,
    "options": (OPTION_KEYS, True),
}
QUIZ_KEYS = {"title": REQUIRED_TEXT, "summary": REQUIRED_TEXT, "questions": (QUESTION_KEYS, True)}

ADVISOR_KEYS = {
    "title": REQUIRED_TEXT,
    "intro": TEXT,
    "questions": (
        {
            "id": REQUIRED_TEXT,
            "prompt": REQUIRED_TEXT,
            "options": ({"id": REQUIRED_TEXT, "text": REQUIRED_TEXT}, True),
        },
        True,
    ),
    "partners": (
        {"id": REQUIRED_TEXT, "term": REQUIRED_TEXT, "name": REQUIRED_TEXT, "ask": ("list of text", False)},
        True,
    ),
    "rules": (
        {
            "when": ("mapping of lists", True),
            "recommend": ("list of text", True),
            "because": REQUIRED_TEXT,
            "compare": ("list of text", False),
        },
        True,
    ),
}


@dataclass
class OptionEntry:
    key: str
    text: str
    feedback: str
    correct: bool
    cites: list  # [(comparison slug, aspect slug)]
    line: int
    feedback_html: str = ""


@dataclass
class QuestionEntry:
    key: str
    scenario: str
    prompt: str
    choose: str
    options: list
    line: int


@dataclass
class AdvisorEntry:
    path: str
    title: str
    intro: str
    questions: list
    partners: list
    rules: list
    lines: dict = field(default_factory=dict)


def read_quiz_questions(quiz, problems):
    """Turn a quiz file's checked `questions` into QuestionEntry objects, reporting what's wrong."""
    reader = FileReader(quiz.path, problems)
    entries, seen = [], set()
    for values, lines in quiz.questions:
        if "id" not in values or "options" not in values or "scenario" not in values:
            continue
        key, line = values["id"], lines["id"]
        if key in seen:
            reader.problem(line, f"question id “{key}” is used twice")
        seen.add(key)
        choose = values.get("choose", "one")
        if choose not in ("one", "all"):
            reader.problem(lines["choose"], f"“choose” must be “one” or “all”, not “{choose}”")
        options, option_keys = [], set()
        for o, o_lines in values["options"]:
            if not {"id", "text", "feedback"} <= o.keys():
                continue
            if o["id"] in option_keys:
                reader.problem(o_lines["id"], f"option id “{o['id']}” is used twice in question “{key}”")
            option_keys.add(o["id"])
            cites = []
            for cite in o.get("cites", []):
                comparison, _, aspect = cite.partition("#")
                if not aspect:
                    reader.problem(
                        o_lines["cites"], f"cite “{cite}” must be <comparison>#<aspect>, e.g. cro-vs-cmo#role"
                    )
                else:
                    cites.append((comparison, aspect, o_lines["cites"]))
            options.append(
                OptionEntry(o["id"], o["text"], o["feedback"], o.get("correct", False), cites, o_lines["id"])
            )
        correct = sum(o.correct for o in options)
        if len(options) < 2:
            reader.problem(line, f"question “{key}” needs at least two options")
        elif choose == "one" and correct != 1:
            reader.problem(
                line, f"question “{key}” is choose: one, so exactly one option must be correct, not {correct}"
            )
        elif choose == "all" and correct < 1:
            reader.problem(line, f"question “{key}” needs at least one correct option")
        entries.append(
            QuestionEntry(
                key, values["scenario"], values.get("prompt", DEFAULT_PROMPT), choose, options, line
            )
        )
    return entries


def check_citations(quiz, comparisons, problems):
    rows = {(c.slug, a) for c in comparisons for a in c.aspects}
    slugs = {c.slug for c in comparisons}
    reader = FileReader(quiz.path, problems)
    for question in quiz.entries:
        for option in question.options:
            for comparison, aspect, line in option.cites:
                if comparison not in slugs:
                    reader.problem(
                        line, f"cite “{comparison}#{aspect}”: there is no comparison “{comparison}”"
                    )
                elif (comparison, aspect) not in rows:
                    reader.problem(
                        line, f"cite “{comparison}#{aspect}”: that comparison has no row “{aspect}”"
                    )


def read_advisor(path, problems):
    if not path.exists():
        return None
    reader = FileReader(path, problems)
    checked = reader.yaml_file((ADVISOR_KEYS,), "advisor.yml")
    if checked is None:
        return None
    values, lines = checked
    if not {"title", "questions", "partners", "rules"} <= values.keys():
        return None
    partners = [(p, lines) for p, lines in values["partners"] if {"id", "term", "name"} <= p.keys()]
    rules = [(r, lines) for r, lines in values["rules"] if {"when", "recommend", "because"} <= r.keys()]
    entry = AdvisorEntry(
        path=reader.path,
        title=values["title"],
        intro=values.get("intro", ""),
        questions=[
            {"id": q["id"], "prompt": q["prompt"], "options": [o for o, _ in q["options"]]}
            for q, _ in values["questions"]
            if {"id", "prompt", "options"} <= q.keys()
        ],
        partners=[{"ask": [], **p} for p, _ in partners],
        rules=[{"compare": [], **r} for r, _ in rules],
        lines={
            "file": lines,
            "partners": [lines for _, lines in partners],
            "rules": [lines for _, lines in rules],
        },
    )
    return entry


def check_advisor(path, advisor, terms, comparisons, problems):
    reader = FileReader(path, problems)
    questions = {q["id"]: {o["id"] for o in q["options"]} for q in advisor.questions}
    partners = {p["id"] for p in advisor.partners}
    for partner, lines in zip(advisor.partners, advisor.lines["partners"], strict=False):
        if partner["term"] not in terms:
            reader.problem(lines["term"], f"term “{partner['term']}” does not exist")
    for rule, lines in zip(advisor.rules, advisor.lines["rules"], strict=False):
        for question, answers in rule["when"].items():
            if question not in questions:
                reader.problem(lines["when"], f"question “{question}” is not one of the advisor's questions")
            for answer in answers:
                if question in questions and answer not in questions[question]:
                    reader.problem(lines["when"], f"“{answer}” is not an answer to “{question}”")
        for partner in rule["recommend"]:
            if partner not in partners:
                reader.problem(lines["recommend"], f"partner “{partner}” is not in “partners”")
        for comparison in rule["compare"]:
            if comparison not in comparisons:
                reader.problem(lines["compare"], f"comparison “{comparison}” does not exist")
    if any(p.path == reader.path for p in problems):
        return
    # Every combination of answers must reach a rule, and every rule must be reachable.
    judge = Advisor(questions=advisor.questions, rules=advisor.rules)
    unmatched, reached = [], set()
    for answers in combinations(advisor.questions):
        rule = judge.first_match(answers)
        if rule is None:
            unmatched.append(answers)
        else:
            reached.add(id(rule))
    if unmatched:
        example = ", ".join(f"{q}={a}" for q, a in unmatched[0].items())
        more = f" (and {len(unmatched) - 1} more)" if len(unmatched) > 1 else ""
        reader.problem(
            advisor.lines["file"]["rules"],
            f"no rule matches {example}{more}: add a rule, or a last rule with “when: {{}}”",
        )
    for rule, lines in zip(advisor.rules, advisor.lines["rules"], strict=False):
        if id(rule) not in reached:
            reader.problem(
                lines["when"], "this rule is never reached: the rules above it match every case it would"
            )
