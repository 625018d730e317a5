"""Stage 3 of a load: render the Markdown of every entry the plan writes, without the database. Terms
render through Term.render(), as every save of a term does, with every term's names held in memory
(rendering.LinkIndex). A [[link]] to no term is a problem of its file."""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from django.db import connection, connections
from django.urls import reverse

from glossary.content.plan import WRITES
from glossary.content.read import ContentError, Problems, nearest
from glossary.models import Comparison, Term
from glossary.quiz.models import Quiz
from glossary.rendering import LinkIndex, Renderer
from glossary.search import document_text

# Term bodies are most of a first load's time: from this many on, a few processes share them (below,
# starting processes costs more than it saves).
PARALLEL_FROM = 2000
MAX_PROCESSES = 4


def render_plan(content, plan):
    """Fill step.rendered for each step of `plan` that writes, and plan.advisor_html."""
    url = reverse("glossary:term_detail", args=["SLUG"])
    index = LinkIndex(plan.names, plan.former, url)
    texts = Renderer(index.resolve)  # all but term bodies link [[links]] only, not mentions
    problems = Problems()

    def checked(file, rendered, where, text=""):
        """`rendered`, its [[links]] to no term reported at `where`: a body's first line (then the
        line of the link is found), or the keys of the text."""
        for slug in rendered.missing:
            at = where + text.count("\n", 0, text.find(f"[[{slug}")) if isinstance(where, int) else where
            message = f"[[{slug}]] links to a term that does not exist{nearest(slug, plan.names)}"
            problems.add(file, at, message)
        rendered.linked = list(dict.fromkeys(index.resolve(slug).slug for slug in rendered.linked))
        return rendered

    def html(file, text, where):
        return checked(file, texts.render(text, autolink=False), where, text)

    terms = plan.of(Term, *WRITES)
    jobs = [(s.slug, s.file.body, *(getattr(s.file.data, k) for k in TERM_KEYS)) for s in terms]
    rendered = render_terms(jobs, plan.names, plan.former, url)
    for step, (body, facets, search) in zip(terms, rendered, strict=True):
        f = step.file
        body = checked(f, body, f.body_line, f.body)
        facets = {a: checked(f, rendered, ("facets", a)).html for a, rendered in facets.items()}
        step.rendered = {"body_html": body.html, "links": body.linked, "facets": facets, "search": search}
    for step in plan.of(Comparison, *WRITES):
        body = html(step.file, step.file.body, step.file.body_line)
        step.rendered = {"body_html": body.html, "links": body.linked}
    for step in plan.of(Quiz, *WRITES):
        f = step.file
        feedback = {
            (question.key, o.key): html(f, o.feedback, ("questions", q, "options", i, "feedback")).html
            for q, question in enumerate(f.data.questions)
            for i, o in enumerate(question.options)
        }
        step.rendered = {"body_html": html(f, f.body, f.body_line).html, "feedback": feedback}
    if f := content.advisor:
        plan.advisor_html = [
            html(f, r.because, ("rules", i, "because")).html for i, r in enumerate(f.data.rules)
        ]
    if problems:
        raise ContentError(problems)


def render_terms(jobs, names, former, url):
    """render_term() of each of `jobs`, in order."""
    processes = min(MAX_PROCESSES, len(os.sched_getaffinity(0)))
    if not jobs:
        return []
    if len(jobs) < PARALLEL_FROM or processes < 2 or connection.in_atomic_block:
        start(names, former, url)
        return list(map(render_term, jobs))
    # A forked process must not share the loader's database connection: each would use it.
    connections.close_all()
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(processes, fork, initializer=start, initargs=(names, former, url)) as pool:
        return list(pool.map(render_term, jobs, chunksize=100))


_renderers = None  # (term bodies, other texts) in this process, from start()


def start(names, former, url):
    """Build this process's renderers, which know every term's names."""
    global _renderers
    index = LinkIndex(names, former, url)
    _renderers = Renderer(index.resolve, index.mentions), Renderer(index.resolve)


TERM_KEYS = ("title", "abbreviation", "aliases", "summary", "autolink", "facets")  # what render_term needs


def render_term(job):
    """(Rendered body, {aspect: Rendered facet}, the text its search document holds) of one term."""
    slug, body, title, abbreviation, aliases, summary, autolink, facets = job
    bodies, texts = _renderers
    term = Term(slug=slug, title=title, abbreviation=abbreviation, body=body, autolink=autolink)
    facets = {aspect: texts.render(text, autolink=False) for aspect, text in facets.items()}
    return term.render(bodies), facets, document_text(title, abbreviation, aliases, summary, body)
