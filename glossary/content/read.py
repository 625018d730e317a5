"""Reading and checking the whole of content/ (format: content/README.md).

read_content() reads every file and checks each on its own, then checks them against each other
(titles, categories, related terms, [[links]], comparison rows, the timeline) and renders every
piece of Markdown. It returns the Content, or raises ContentError with every problem found.
"""

import difflib
import functools
import gc
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.urls import reverse

from glossary.content.files import (
    REQUIRED_TEXT,
    TEXT,
    ContentError,
    FileReader,
    Problem,
    Problems,
    code_fingerprint,
    display_path,
    read_body,
)
from glossary.content.parallel import Workers, shared
from glossary.content.quizzes import (
    QUIZ_KEYS,
    check_advisor,
    check_citations,
    read_advisor,
    read_quiz_questions,
)
from glossary.models import MAX_COMPARED, Band, validate_slug
from glossary.rendering import LinkTarget, Mentions, Renderer
from glossary.search import document_text

TERM_KEYS = {
    "title": REQUIRED_TEXT,
    "summary": REQUIRED_TEXT,
    "abbreviation": TEXT,
    "aliases": ("list of text", False),
    "category": TEXT,
    "related": ("list of text", False),
    "sources": ("list of sources", False),
    "reviewed": ("date", False),
    "facets": ("mapping of text", False),
    "sense": TEXT,
    "autolink": ("bool", False),
}
COMPARISON_KEYS = {
    "title": REQUIRED_TEXT,
    "summary": REQUIRED_TEXT,
    "terms": ("list of text", True),
    "aspects": ("list of text", True),
    "reviewed": ("date", False),
}
ENTRY_KEYS = {"slug": REQUIRED_TEXT, "name": REQUIRED_TEXT, "description": TEXT}
STAGE_KEYS = {
    "slug": REQUIRED_TEXT,
    "name": REQUIRED_TEXT,
    "term": REQUIRED_TEXT,
    "description": REQUIRED_TEXT,
}
BAND_KEYS = {
    "term": REQUIRED_TEXT,
    "label": REQUIRED_TEXT,
    "kind": REQUIRED_TEXT,
    "from": REQUIRED_TEXT,
    "to": REQUIRED_TEXT,
    "note": TEXT,
}
TIMELINE_KEYS = {"stages": (STAGE_KEYS, True), "bands": (BAND_KEYS, False)}


# A load holds a parsed file for each of up to 100,000 files, and most of what they hold is alike.
NOTHING = MappingProxyType({})  # the facets of a term without any


@functools.lru_cache(maxsize=1000)
def shared_lines(items):
    """{key: line} for the (key, line) `items`, one for every file laid out alike, as most are."""
    return MappingProxyType(dict(items))


@dataclass(slots=True)
class Document:
    """A Markdown file with front matter: a term or a comparison."""

    path: str
    slug: str
    title: str
    summary: str
    body: str
    body_line: int  # the file line the body starts on, for messages about [[links]]
    lines: dict  # front matter key -> the line it is on
    source_file: str = ""  # relative to the content directory: "terms/cmo.md"
    reviewed: object = None
    body_html: str = ""
    links: list = ()  # the slugs of the terms its body links to, once rendered
    _digest: str = field(default="", repr=False, compare=False)

    def canonical(self):
        """What the file says, without its layout: two files that load the same have the same."""
        return {"title": self.title, "summary": self.summary, "body": self.body, "reviewed": self.reviewed}

    @property
    def digest(self):
        """Which version of its file an entry came from: the SHA-256 of canonical(), so reformatting
        a file (as export_glossary does) is not a change."""
        if not self._digest:
            text = json.dumps(self.canonical(), sort_keys=True, default=str, ensure_ascii=False)
            self._digest = hashlib.sha256(text.encode()).hexdigest()
        return self._digest

    def release_body(self):
        """Forget the body, to be read again from the file when it is rendered (render_body): a load
        of 100,000 terms never holds them all. The digest is taken first."""
        self.digest  # noqa: B018
        self.body = None

    def pack(self):
        """Share the strings that files repeat: a load of 100,000 terms holds every file read."""
        self.slug = sys.intern(self.slug)


@dataclass(slots=True)
class TermFile(Document):
    abbreviation: str = ""
    aliases: list = field(default_factory=list)
    category: str = ""
    related: list = field(default_factory=list)
    sources: list = field(default_factory=list)  # [(title, url)]
    facets: dict = field(default_factory=dict)  # {aspect: (text, line)}
    sense: str = ""
    autolink: bool = True
    facet_html: dict = field(default_factory=dict)  # {aspect: html}

    def canonical(self):
        return {
            **Document.canonical(self),
            "abbreviation": self.abbreviation,
            "aliases": self.aliases,
            "category": self.category,
            "related": sorted(self.related),
            "sources": self.sources,
            "facets": {aspect: text for aspect, (text, _) in self.facets.items()},
            "sense": self.sense,
            "autolink": self.autolink,
        }

    # The lines that checks against other files point to; the others are only for the file's own.
    CHECKED_LINES = ("title", "category", "related")

    def pack(self):
        """Also keep only the lines of CHECKED_LINES, and share them, no facets, related slugs,
        categories and sources."""
        Document.pack(self)
        self.lines = shared_lines(tuple((k, v) for k, v in self.lines.items() if k in self.CHECKED_LINES))
        if not self.facets:
            self.facets = self.facet_html = NOTHING
        self.related = [sys.intern(slug) for slug in self.related]
        self.category = sys.intern(self.category)
        self.sources = [(sys.intern(title), sys.intern(url)) for title, url in self.sources]

    def link_target(self, url):
        return LinkTarget.of(self.slug, url, self.title, self.abbreviation)

    def search_names(self):
        """What its search document holds besides its body (see search.document_text)."""
        return self.title, self.abbreviation, self.aliases, self.summary


@dataclass(slots=True)
class ComparisonFile(Document):
    terms: list = field(default_factory=list)
    aspects: list = field(default_factory=list)

    def canonical(self):
        return {**Document.canonical(self), "terms": self.terms, "aspects": self.aspects}


@dataclass(slots=True)
class QuizFile(Document):
    questions: list = field(default_factory=list)  # as read: [(values, lines)]
    entries: list = field(default_factory=list)  # as checked: [QuestionEntry]

    def canonical(self):
        return {
            **Document.canonical(self),
            "questions": [
                [q.key, q.scenario, q.prompt, q.choose]
                + [[o.key, o.text, o.correct, o.feedback, [c[:2] for c in o.cites]] for o in q.options]
                for q in self.entries
            ],
        }


@dataclass
class Entry:
    """A category or an aspect: an item of categories.yml or aspects.yml."""

    slug: str
    name: str
    position: int
    line: int
    description: str = ""


@dataclass
class StageEntry:
    slug: str
    name: str
    term: str
    description: str
    position: int
    lines: dict = field(default_factory=dict)  # key -> line in timeline.yml


@dataclass
class BandEntry:
    term: str
    label: str
    kind: str
    start: str
    end: str
    position: int
    note: str = ""
    lines: dict = field(default_factory=dict)


@dataclass
class Content:
    categories: list
    aspects: list
    terms: list
    comparisons: list
    stages: list
    bands: list
    quizzes: list = field(default_factory=list)
    advisor: object = None
    settled: set = field(default_factory=set)  # terms not rendered again: see read_content()
    problems: list = field(default_factory=list)  # where render_terms() reports [[links]] to nowhere
    render_terms: object = None  # with stream=True: see render_all()

    @functools.cached_property
    def names_digest(self):
        """What every rendering depends on besides its own text: each term's names and the code.

        [[links]] show a term's abbreviation or title, and automatic links look for every name.
        """
        names = sorted((t.slug, t.title, t.abbreviation, t.aliases, t.sense) for t in self.terms)
        text = json.dumps([code_fingerprint(), names], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def read_content(root, progress=None, settled=None, stream=False, workers=None):
    """Read and check everything under `root`; returns Content or raises ContentError.

    `progress(done, total)`, if given, is called as each term, comparison or quiz file is read.
    `settled(content)`, if given, returns the slugs of terms whose stored rows stand as they are
    (see load_content): their Markdown is not rendered again, and their body_html stays empty.
    With `stream`, term bodies are neither kept nor rendered here: content.render_terms() renders
    them as the caller writes them, and reports missing links into content.problems.
    `workers`: the processes to read and render in (see parallel.py), which the caller keeps open
    until it has rendered the terms; by default, processes of its own.
    """
    root = Path(root)
    if not root.is_dir():
        raise ContentError([Problem(display_path(root), 1, "no such content directory")])
    if not (root / "terms").is_dir():
        raise ContentError([Problem(display_path(root / "terms"), 1, "no terms directory: add terms/")])
    if workers is None:
        with Workers(file_count(root)) as workers:
            return read_content(root, progress, settled, stream, workers)
    problems = []
    counter = Counter(file_count(root), progress)
    content = Content(
        categories=read_entries(root / "categories.yml", "a category", problems),
        aspects=read_entries(root / "aspects.yml", "an aspect", problems),
        terms=read_documents(
            root / "terms", TermFile, TERM_KEYS, "a term file", problems, counter, workers, stream
        ),
        comparisons=read_documents(
            root / "comparisons", ComparisonFile, COMPARISON_KEYS, "a comparison", problems, counter, workers
        ),
        stages=[],
        bands=[],
    )
    read_timeline(root / "timeline.yml", content, problems)
    content.quizzes = read_documents(
        root / "quizzes", QuizFile, QUIZ_KEYS, "a quiz", problems, counter, workers
    )
    for quiz in content.quizzes:
        quiz.entries = read_quiz_questions(quiz, problems)
    content.advisor = read_advisor(root / "advisor.yml", problems)
    check_terms(content, problems)
    check_comparisons(content, problems)
    check_timeline(root / "timeline.yml", content, problems)
    for quiz in content.quizzes:
        check_citations(quiz, content.comparisons, problems)
    if content.advisor:
        check_advisor(
            root / "advisor.yml",
            content.advisor,
            {t.slug for t in content.terms},
            {c.slug for c in content.comparisons},
            problems,
        )
    # Links are checked as they are rendered, even in files with other problems: all are reported,
    # so with problems already found, every body is rendered here.
    content.settled = settled(content) if settled and not problems else set()
    content.problems = problems
    render_all(content, problems, workers, skip=content.settled, stream=stream and not problems)
    if problems:
        raise ContentError(problems)
    return content


def read_entries(path, what, problems):
    if not path.exists():
        return []
    reader = FileReader(path, problems)
    entries = []
    for position, (values, lines) in enumerate(reader.yaml_file(ENTRY_KEYS, what) or []):
        if not {"slug", "name"} <= values.keys():
            continue
        if not valid_slug(values["slug"]):
            reader.problem(lines["slug"], f"{what.split()[-1]} slug “{values['slug']}” is not a valid slug")
        elif any(e.slug == values["slug"] for e in entries):
            reader.problem(lines["slug"], f"{what.split()[-1]} “{values['slug']}” is listed twice")
        else:
            entries.append(Entry(position=position, line=lines["slug"], **values))
    return entries


def file_count(root):
    """How many files a load of `root` reads one by one: terms, comparisons and quizzes."""
    folders = [os.path.join(root, name) for name in ("terms", "comparisons", "quizzes")]
    return sum(len(os.listdir(folder)) for folder in folders if os.path.isdir(folder))


class Counter:
    """Counts files read, for a progress report."""

    def __init__(self, total, report=None):
        self.total, self.done, self.report = total, 0, report

    def tick(self):
        self.done += 1
        if self.report:
            self.report(self.done, self.total)


def read_documents(directory, cls, keys, what, problems, counter, workers, release=False):
    """The documents of `directory`; with `release`, each keeps its fingerprint but not its body.

    Each file is read on its own, by the `workers`.
    """
    if not directory.is_dir():
        return []
    names = sorted(entry.name for entry in os.scandir(directory))  # names, not Paths: faster to sort
    paths = [directory / name for name in names if not name.startswith(".")]
    counter.done += len(names) - len(paths)  # hidden files are passed over
    read = functools.partial(read_document, cls=cls, keys=keys, what=what, release=release)
    documents = []
    # Collecting is off meanwhile: reading makes no cycles, and each collection would walk every
    # document read so far (the processes that read turn it on again).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _, (document, found) in workers.map(read, paths):
            counter.tick()
            problems += found
            if document is not None:
                document.pack()  # here, as strings are only shared within a process
                documents.append(document)
    finally:
        if collecting:
            gc.enable()
    return documents


def read_document(path, cls, keys, what, release):
    """(document or None, [Problem]) of one file."""
    reader = FileReader(path, [])
    if path.suffix != ".md" or not path.is_file():
        reader.problem(1, f"not {what}: these files are named <slug>.md")
        return None, reader.problems
    if not valid_slug(path.stem):
        reader.problem(
            1, f"file name “{path.name}” is not a valid slug: use lowercase letters, digits and hyphens"
        )
    read = reader.front_matter(keys, what)
    if read is None:
        return None, reader.problems
    values, lines, body, body_line = read
    document = cls(
        path=reader.path,
        slug=path.stem,
        body=body,
        body_line=body_line,
        lines=lines,
        source_file=f"{path.parent.name}/{path.name}",
        **values,
    )
    if release:
        document.release_body()
    return document, reader.problems


def read_timeline(path, content, problems):
    if not path.exists():
        return
    checked = FileReader(path, problems).yaml_file((TIMELINE_KEYS,), "timeline.yml")
    if checked is None:
        return
    values, _ = checked
    content.stages = [
        StageEntry(position=i, lines=lines, **v)
        for i, (v, lines) in enumerate(values.get("stages", []))
        if len(v) == len(STAGE_KEYS)
    ]
    content.bands = [
        BandEntry(position=i, start=v.pop("from"), end=v.pop("to"), lines=lines, **v)
        for i, (v, lines) in enumerate(values.get("bands", []))
        if BAND_KEYS.keys() - {"note"} <= v.keys()
    ]


def valid_slug(slug):
    try:
        validate_slug(slug)
    except ValidationError:
        return False
    return True


def nearest(slug, slugs):
    match = difflib.get_close_matches(slug, list(slugs), n=1)
    return f" (did you mean “{match[0]}”?)" if match else ""


def check_terms(content, problems):
    slugs = {t.slug for t in content.terms}
    categories = {c.slug for c in content.categories}
    aspects = {a.slug for a in content.aspects}
    first_with_title = {}
    for term in content.terms:
        reader = Problems(term.path, problems)
        other = first_with_title.setdefault(term.title.casefold(), term)
        if other is not term:
            reader.problem(term.lines["title"], f"title “{term.title}” is already used by {other.path}")
        if term.category and term.category not in categories:
            known = ", ".join(sorted(categories)) or "none defined"
            reader.problem(
                term.lines["category"],
                f"category “{term.category}” is not in categories.yml (known: {known})",
            )
        for slug in term.related:
            if slug == term.slug:
                reader.problem(term.lines["related"], "a term cannot list itself in “related”")
            elif slug not in slugs:
                reader.problem(
                    term.lines["related"], f"related term “{slug}” does not exist{nearest(slug, slugs)}"
                )
        for aspect, (_, line) in term.facets.items():
            if aspect not in aspects:
                reader.problem(
                    line, f"facet “{aspect}” is not an aspect in aspects.yml{nearest(aspect, aspects)}"
                )


def check_comparisons(content, problems):
    terms = {t.slug: t for t in content.terms}
    aspects = {a.slug for a in content.aspects}
    seen = {}
    for comparison in content.comparisons:
        reader = Problems(comparison.path, problems)
        line = comparison.lines["terms"]
        unknown = [s for s in comparison.terms if s not in terms]
        for slug in unknown:
            reader.problem(line, f"term “{slug}” does not exist{nearest(slug, terms)}")
        if not 2 <= len(comparison.terms) <= MAX_COMPARED:
            reader.problem(line, f"a comparison needs 2 to {MAX_COMPARED} terms, not {len(comparison.terms)}")
        canonical = "-vs-".join(comparison.terms)
        if comparison.slug != canonical:
            reader.problem(1, f"the file name must be the terms in order, joined by -vs-: “{canonical}.md”")
        key = frozenset(comparison.terms)
        if key in seen:
            reader.problem(line, f"these terms are already compared in {seen[key].path}")
        seen.setdefault(key, comparison)
        for aspect in comparison.aspects:
            if aspect not in aspects:
                reader.problem(
                    comparison.lines["aspects"],
                    f"aspect “{aspect}” is not in aspects.yml{nearest(aspect, aspects)}",
                )
                continue
            for slug in comparison.terms:
                if slug in terms and aspect not in terms[slug].facets:
                    reader.problem(
                        comparison.lines["aspects"],
                        f"the row “{aspect}” misses {slug}: add “{aspect}:” under “facets” in {terms[slug].path}",
                    )


def check_timeline(path, content, problems):
    if not content.stages and not content.bands:
        return
    reader = FileReader(path, problems)
    terms = {t.slug for t in content.terms}
    order = {}
    for stage in content.stages:
        lines = stage.lines
        if stage.slug in order:
            reader.problem(lines["slug"], f"stage “{stage.slug}” is listed twice")
        order.setdefault(stage.slug, stage.position)
        if stage.term not in terms:
            reader.problem(lines["term"], f"term “{stage.term}” does not exist{nearest(stage.term, terms)}")
    for band in content.bands:
        lines = band.lines
        if band.term not in terms:
            reader.problem(lines["term"], f"term “{band.term}” does not exist{nearest(band.term, terms)}")
        if band.kind not in Band.Kind.values:
            reader.problem(
                lines["kind"], f"kind must be one of {', '.join(Band.Kind.values)}, not “{band.kind}”"
            )
        for key, stage in (("from", band.start), ("to", band.end)):
            if stage not in order:
                reader.problem(
                    lines[key], f"stage “{stage}” is not in the stages above{nearest(stage, order)}"
                )
        if band.start in order and band.end in order and order[band.start] > order[band.end]:
            reader.problem(lines["to"], f"the band ends (“{band.end}”) before it starts (“{band.start}”)")


def render_all(content, problems, workers, skip=(), stream=False):
    """Render every piece of Markdown, and report [[links]] to terms that do not exist.

    The terms in `skip` (slugs) are left as they are. With `stream`, term bodies are left to
    content.render_terms(terms), which yields (term, body, Rendered, search text) for each, in order:
    the text its search document holds (search.document_text), made alongside its HTML. Term bodies
    are rendered by the `workers`.
    """
    # Every term page's URL is the same around its slug: reversed once, not once for each of 100,000
    # terms (a slug needs no quoting).
    url = tuple(reverse("glossary:term_detail", args=["SLUG"]).split("SLUG"))
    by_slug = {t.slug: t for t in content.terms}

    def resolve(slug):
        term = by_slug.get(slug)
        return term and term.link_target(f"{url[0]}{slug}{url[1]}")

    renderer = Renderer(resolve)  # [[links]] only: other terms' mentions are linked in term bodies

    def render(text, path, first_line, rendered=None):
        rendered = rendered or renderer.render(text, autolink=False)
        for slug in rendered.missing:
            index = text.find(f"[[{slug}")
            line = first_line + (text.count("\n", 0, index) if index >= 0 else 0)
            Problems(path, problems).problem(
                line, f"[[{slug}]] links to a term that does not exist{nearest(slug, by_slug)}"
            )
        return rendered

    def render_terms(terms):
        workers.close_if_few(len(terms))
        # Each process builds its renderer from a file of every term's names; without processes,
        # the loader builds it.
        names = workers.share(names_of(content.terms))
        if names is None:
            job = functools.partial(render_body, body_renderer(url, names_of(content.terms)))
        else:
            job = functools.partial(render_job, (url, names))
        jobs = (
            BodyJob(t.body, t.path, t.body_line, t.slug if t.autolink else None, *t.search_names())
            for t in terms
        )
        try:
            for term, (_, (text, rendered, search_text)) in zip(terms, workers.map(job, jobs), strict=True):
                yield term, text, render(text, term.path, term.body_line, rendered), search_text
        finally:
            workers.close()  # now, not when the load ends: each process holds every term's names

    terms = [t for t in content.terms if t.slug not in skip]
    content.render_terms = render_terms
    if not stream:
        for term, text, rendered, _ in render_terms(terms):
            term.body, term.body_html, term.links = text, rendered.html, rendered.linked
    for document in [*content.comparisons, *content.quizzes]:
        rendered = render(document.body, document.path, document.body_line)
        document.body_html, document.links = rendered.html, rendered.linked
    for term in terms:
        if term.facets:
            term.facet_html = {
                aspect: render(text, term.path, line).html for aspect, (text, line) in term.facets.items()
            }
    for quiz in content.quizzes:
        for question in quiz.entries:
            for option in question.options:
                option.feedback_html = render(option.feedback, quiz.path, option.line).html
    if content.advisor:
        for rule, lines in zip(content.advisor.rules, content.advisor.lines["rules"], strict=False):
            rule["because_html"] = render(rule["because"], content.advisor.path, lines["because"]).html


def names_of(terms):
    """What linking to each term needs: (slug, title, abbreviation, aliases, is a secondary sense)."""
    return ((t.slug, t.title, t.abbreviation, t.aliases, bool(t.sense)) for t in terms)


def body_renderer(url, names):
    """The Renderer of term bodies: [[links]] and the first mention of any term's name, from names_of()
    every term. Built once in each process, with LinkTargets of its own."""
    targets = {}

    def mentions():
        for slug, title, abbreviation, aliases, secondary in names:
            target = targets[slug] = LinkTarget.of(slug, f"{url[0]}{slug}{url[1]}", title, abbreviation)
            for name, is_abbreviation in [
                (abbreviation, True),
                (title, False),
                *((a, False) for a in aliases),
            ]:
                if name:
                    yield name, is_abbreviation, target, secondary

    return Renderer(targets.get, Mentions(mentions()))


_body_renderer = (None, None)  # (built from, Renderer) in a process of Workers: one, kept between jobs


def render_job(source, job):
    """render_body() in a process of Workers. `source` is (url, names file): the term page URL
    around its slug, and what Workers.share() wrote names_of() every term to."""
    global _body_renderer
    if _body_renderer[0] != source:
        url, names = source
        _body_renderer = (source, body_renderer(url, shared(names)))
    return render_body(_body_renderer[1], job)


class BodyJob(NamedTuple):
    """A term's body to render, and what its search document holds besides."""

    body: str | None  # None: read it from the file
    path: str
    first_line: int
    autolink_for: str | None  # its slug if it links the first mentions of other terms itself
    title: str
    abbreviation: str
    aliases: list
    summary: str


def render_body(renderer, job):
    """(body text, Rendered, search text) of a BodyJob."""
    text = job.body if job.body is not None else read_body(job.path, job.first_line)
    rendered = renderer.render(text, job.autolink_for, autolink=job.autolink_for is not None)
    return text, rendered, document_text(job.title, job.abbreviation, job.aliases, job.summary, text)
