"""Stage 3 of a load: render the Markdown of every entry the plan writes. No database, no side effects.

Terms render through Term.render(), the method every save of a term uses, with a Renderer that holds
every term's names in memory (rendering.LinkIndex). A [[link]] to no term is a problem of its file.
"""

from django.urls import reverse

from glossary.content.plan import WRITES
from glossary.content.read import ContentError, Problems, nearest
from glossary.models import Comparison, Term
from glossary.quiz.models import Quiz
from glossary.rendering import LinkIndex, Renderer


def render_plan(content, plan):
    """Fill step.rendered for each step of `plan` that writes and has not been rendered yet."""
    index = LinkIndex(plan.names, plan.former, reverse("glossary:term_detail", args=["SLUG"]))
    bodies = Renderer(index.resolve, index.mentions)  # term bodies link other terms' first mentions
    texts = Renderer(index.resolve)  # everything else links [[links]] only
    problems = Problems()

    def html(file, text, line, renderer=texts, slug=None, autolink=False):
        rendered = renderer.render(text, slug, autolink=autolink)
        for missing in rendered.missing:
            at = line + text.count("\n", 0, max(text.find(f"[[{missing}"), 0))
            problems.add(
                file, at, f"[[{missing}]] links to a term that does not exist{nearest(missing, plan.names)}"
            )
        rendered.linked = list(dict.fromkeys(index.resolve(slug).slug for slug in rendered.linked))
        return rendered

    for step in plan.of(Term, *WRITES):
        if step.rendered is None:
            f, d = step.file, step.file.data
            term = Term(
                slug=step.slug, title=d.title, abbreviation=d.abbreviation, body=f.body, autolink=d.autolink
            )
            body = term.render(Checked(html, f, bodies))
            facets = {a: html(f, text, f.line("facets", a)).html for a, text in d.facets.items()}
            step.rendered = {"body_html": body.html, "links": body.linked, "facets": facets}
    for step in plan.of(Comparison, *WRITES):
        if step.rendered is None:
            body = html(step.file, step.file.body, step.file.body_line)
            step.rendered = {"body_html": body.html, "links": body.linked}
    for step in plan.of(Quiz, *WRITES):
        if step.rendered is None:
            f = step.file
            feedback = {
                (question.key, option.key): html(
                    f, option.feedback, f.line("questions", q, "options", o, "feedback")
                ).html
                for q, question in enumerate(f.data.questions)
                for o, option in enumerate(question.options)
            }
            step.rendered = {"body_html": html(f, f.body, f.body_line).html, "feedback": feedback}
    if content.advisor:
        f = content.advisor
        plan.advisor_html = [
            html(f, r.because, f.line("rules", i, "because")).html for i, r in enumerate(f.data.rules)
        ]
    if problems:
        raise ContentError(problems)


class Checked:
    """A Renderer for Term.render() that also reports the [[links]] to no term, with their lines."""

    def __init__(self, html, file, renderer):
        self.html, self.file, self.renderer = html, file, renderer

    def render(self, text, own_slug=None, autolink=True):
        return self.html(self.file, text, self.file.body_line, self.renderer, own_slug, autolink)
