"""Writing the database back out as content files (export_glossary), so admin edits can be reviewed
and committed. The output is in the documented format and is a fixed point: loading an export and
exporting again gives the same bytes.
"""

from pathlib import Path

import yaml

from glossary.models import Aspect, Band, Category, Comparison, Stage, Term
from glossary.quiz.models import DEFAULT_PROMPT, Advisor, Quiz


class Dumper(yaml.SafeDumper):
    """Plain, stable YAML as authors write it: keys in our order, lists indented under their key,
    short lists of slugs on one line, unicode as it is, no line folding."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


class Slugs(list):
    """A list of slugs, written on one line: [cro, cmo]."""


Dumper.add_representer(
    Slugs, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)


def dump(data):
    return yaml.dump(
        data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False
    )


def document(front_matter, body):
    return f"---\n{dump(front_matter)}---\n{body}"


def without_empty(data):
    return {k: v for k, v in data.items() if v not in ("", None, [], {})}


def term_file(term):
    return document(
        without_empty(
            {
                "title": term.title,
                "abbreviation": term.abbreviation,
                "sense": term.sense,
                "aliases": [a.name for a in term.aliases.all()],
                "summary": term.summary,
                "category": term.category.slug if term.category else "",
                "related": Slugs(sorted(t.slug for t in term.related.all())),
                "sources": [{"title": s.title, "url": s.url} for s in term.sources.all()],
                "reviewed": term.reviewed,
                "autolink": None if term.autolink else False,
                "facets": {f.aspect.slug: f.text for f in term.facets.all()},
            }
        ),
        term.body,
    )


def comparison_file(comparison):
    return document(
        without_empty(
            {
                "title": comparison.title,
                "summary": comparison.summary,
                "terms": Slugs(ct.term.slug for ct in comparison.comparison_terms.all()),
                "aspects": Slugs(ca.aspect.slug for ca in comparison.comparison_aspects.all()),
                "reviewed": comparison.reviewed,
            }
        ),
        comparison.body,
    )


def quiz_file(quiz):
    questions = []
    for question in quiz.questions.all():
        options = [
            without_empty(
                {
                    "id": o.key,
                    "text": o.text,
                    "correct": True if o.correct else None,
                    "feedback": o.feedback,
                    "cites": Slugs(str(c) for c in o.citations.all()),
                }
            )
            for o in question.options.all()
        ]
        questions.append(
            without_empty(
                {
                    "id": question.key,
                    "scenario": question.scenario,
                    "prompt": "" if question.prompt == DEFAULT_PROMPT else question.prompt,
                    "choose": "" if question.choose == "one" else question.choose,
                    "options": options,
                }
            )
        )
    return document({"title": quiz.title, "summary": quiz.summary, "questions": questions}, quiz.body)


def entries_file(model):
    return dump(
        [
            without_empty({"slug": e.slug, "name": e.name, "description": e.description})
            for e in model.objects.all()
        ]
    )


def timeline_file():
    stages = [
        {"slug": s.slug, "name": s.name, "term": s.term.slug, "description": s.description}
        for s in Stage.objects.select_related("term")
    ]
    bands = [
        without_empty(
            {
                "term": b.term.slug,
                "label": b.label,
                "kind": b.kind,
                "from": b.start.slug,
                "to": b.end.slug,
                "note": b.note,
            }
        )
        for b in Band.objects.select_related("term", "start", "end")
    ]
    return dump(without_empty({"stages": stages, "bands": bands})) if stages else None


def advisor_file():
    advisor = Advisor.objects.first()
    if advisor is None:
        return None
    rules = [
        {
            # An empty `when` is the catch-all rule: it must be written, as {}.
            "when": {question: Slugs(answers) for question, answers in rule["when"].items()},
            **without_empty(
                {
                    "recommend": Slugs(rule["recommend"]),
                    "because": rule["because"],
                    "compare": Slugs(rule["compare"]),
                }
            ),
        }
        for rule in advisor.rules
    ]
    return dump(
        without_empty(
            {
                "title": advisor.title,
                "intro": advisor.intro,
                "questions": advisor.questions,
                "partners": [
                    without_empty({k: p.get(k) for k in ("id", "term", "name", "ask")})
                    for p in advisor.partners
                ],
                "rules": rules,
            }
        )
    )


def export_content(root):
    """Write every entry under `root`; returns {"written": [...], "unchanged": [...]} relative paths."""
    root = Path(root)
    files = {"categories.yml": entries_file(Category), "aspects.yml": entries_file(Aspect)}
    terms = Term.objects.select_related("category").prefetch_related(
        "aliases", "sources", "related", "facets__aspect"
    )
    files |= {f"terms/{t.slug}.md": term_file(t) for t in terms}
    comparisons = Comparison.objects.prefetch_related("comparison_terms__term", "comparison_aspects__aspect")
    files |= {f"comparisons/{c.slug}.md": comparison_file(c) for c in comparisons}
    quizzes = Quiz.objects.prefetch_related(
        "questions__options__citations__comparison", "questions__options__citations__aspect"
    )
    files |= {f"quizzes/{q.slug}.md": quiz_file(q) for q in quizzes}
    for name, text in (("timeline.yml", timeline_file()), ("advisor.yml", advisor_file())):
        if text is not None:
            files[name] = text
    result = {"written": [], "unchanged": []}
    for name, text in sorted(files.items()):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            result["unchanged"].append(name)
        else:
            path.write_text(text, encoding="utf-8")
            result["written"].append(name)
    return result
