"""Stage 1 of a load: read every file of content/ and check it, alone and against the others.

read_content(root) returns the Content, or raises ContentError with every problem found, each as
`path:line: message`. Nothing here touches the database. The format is content/README.md's.
"""

import difflib
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pydantic
import yaml

from glossary import schemas as schema
from glossary.models import MAX_COMPARED
from glossary.quiz.models import Advisor, Question


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser where PyYAML was built with it (its wheels are), refusing a key given twice.

    Dates stay text, for the schema to read: an impossible one (2026-02-30) is then a problem with
    its key's line, like any other value.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    first_line = 1  # of the text in its file

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key, _ in node.value:
            if key.value in seen:
                twice = f"“{key.value}” is given twice (first on line {self.first_line + seen[key.value]})"
                raise yaml.MarkedYAMLError(problem=twice, problem_mark=key.start_mark)
            seen[key.value] = key.start_mark.line
        return super().construct_mapping(node, deep)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems):
        self.problems = sorted(set(problems), key=lambda p: (p.path, p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path):
    """The path as a person would type it: relative to the current directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class File:
    """One content file, read and checked on its own."""

    source: Path
    name: str  # relative to the content directory: "terms/cmo.md"
    path: str  # as messages show it
    digest: str  # SHA-256 of its bytes: whether it changed since it was loaded
    data: object = None  # what it says, as its schema (schema.py) checked it
    body: str = ""
    body_line: int = 1
    yaml_line: int = 1  # where its YAML starts: 2 below a front matter's first "---"
    lines: dict | None = None  # where each key and item is, found when a problem needs it

    @property
    def slug(self):
        return self.source.stem

    def line(self, *keys):
        """The line of the deepest of these keys ("facets", "role") that the file has."""
        if self.lines is None:
            text = self.source.read_bytes().decode("utf-8").removeprefix("\ufeff")
            node = yaml.compose(front_matter(text)[0] if self.yaml_line == 2 else text, Loader)
            self.lines = line_map(node, self.yaml_line) if node else {}
        keys = [str(k) for k in keys]
        while keys and ".".join(keys) not in self.lines:
            keys.pop()
        return self.lines.get(".".join(keys), self.yaml_line)


@dataclass
class Content:
    categories: File | None = None  # its data is the list of categories
    aspects: File | None = None
    terms: list = field(default_factory=list)  # [File]
    comparisons: list = field(default_factory=list)
    quizzes: list = field(default_factory=list)
    timeline: File | None = None
    advisor: File | None = None

    def former_slugs(self):
        """{old slug: current slug} of every renamed term."""
        return {old: t.slug for t in self.terms for old in t.data.former_slugs}


class Problems(list):
    def add(self, file, where, message):
        """`where`: a line, or the keys whose line it is (see File.line)."""
        line = file.line(*where) if isinstance(where, tuple) else where
        self.append(Problem(file.path if isinstance(file, File) else file, line, message))


def read_content(root):
    root, problems = Path(root), Problems()
    checks = {root: "no such content directory", root / "terms": "no terms directory: add terms/"}
    for folder, missing in checks.items():
        if not folder.is_dir():
            raise ContentError([Problem(display_path(folder), 1, missing)])
    content = Content(
        categories=read_file(root, "categories.yml", schema.CATEGORIES, problems),
        aspects=read_file(root, "aspects.yml", schema.ASPECTS, problems),
        terms=read_folder(root, "terms", schema.TERM, problems),
        comparisons=read_folder(root, "comparisons", schema.COMPARISON, problems),
        quizzes=read_folder(root, "quizzes", schema.QUIZ, problems),
        timeline=read_file(root, "timeline.yml", schema.TIMELINE, problems),
        advisor=read_file(root, "advisor.yml", schema.ADVISOR, problems),
    )
    if not problems:  # checks across files assume that each file is right on its own
        check(content, problems)
    if problems:
        raise ContentError(problems)
    return content


FENCE = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)


def front_matter(text):
    """(YAML, body, the body's first line) of a Markdown file, or a problem's words."""
    opening = FENCE.match(text)
    if opening is None:
        return "no front matter: the file starts with a “---” line, its keys, then another"
    closing = FENCE.search(text, opening.end())
    if closing is None:
        return "the front matter that starts here is never closed with a “---” line"
    body = text[closing.end() + 1 :]
    return text[opening.end() + 1 : closing.start()], body, text.count("\n", 0, closing.end()) + 2


def read_file(root, name, kind, problems, shown=None):
    """The File at `root/name` checked against `kind` (a schema TypeAdapter); None if absent or wrong.

    `shown`: its path as messages show it (found once per folder: a load reads thousands).
    """
    path = root / name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    file = File(path, name, display_path(path) if shown is None else shown, "")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.add(file, line, f"not UTF-8 text (byte 0x{raw[e.start]:02x}): save it as UTF-8")
        return None
    if not text.strip():
        problems.add(file, 1, "the file is empty")
        return None
    if name.endswith(".md"):
        parts = front_matter(text)
        if isinstance(parts, str):
            problems.add(file, 1, parts)
            return None
        text, file.body, file.body_line = parts
        file.yaml_line = 2
    file.digest = hashlib.sha256(raw).hexdigest()
    loader = Loader(text)
    loader.first_line = file.yaml_line
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        mark, message = e.problem_mark or e.context_mark, e.problem or e.context
        prefix = "" if "given twice" in message else "broken YAML: "
        problems.add(file, file.yaml_line + (mark.line if mark else 0), prefix + message)
        return None
    finally:
        loader.dispose()
    if data is None:
        problems.add(file, file.yaml_line, "there is nothing here but comments")
        return None
    try:
        file.data = kind.validate_python(without_blanks(data))
    except pydantic.ValidationError as e:
        for error in e.errors():
            problems.add(file, tuple(error["loc"]), schema.explain(error, kind))
        return None
    return file


def read_folder(root, folder, kind, problems):
    directory = root / folder
    if not directory.is_dir():
        return []
    shown = display_path(directory)
    files = []
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):  # scandir knows what each is
        name = entry.name
        stem, suffix = os.path.splitext(name)
        if name.startswith("."):
            continue
        if suffix != ".md" or not entry.is_file():
            problems.add(f"{shown}/{name}", 1, "not a content file: these are named <slug>.md")
        elif not schema.is_slug(folder, stem):
            problems.add(f"{shown}/{name}", 1, f"“{name}” is not a valid slug: use a-z, 0-9 and hyphens")
        elif file := read_file(root, f"{folder}/{name}", kind, problems, f"{shown}/{name}"):
            files.append(file)
    return files


def without_blanks(data):
    """`key:` with nothing after it means the key is not given (a required one is then missing)."""
    if isinstance(data, dict):
        return {k: without_blanks(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [without_blanks(v) for v in data]
    return data


def line_map(node, first_line, prefix="", lines=None):
    """{"dotted.key.path": line} for every key and item under `node`."""
    lines = {} if lines is None else lines
    lines.setdefault(prefix, first_line + node.start_mark.line)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines.setdefault(path, first_line + key_node.start_mark.line)
            line_map(value_node, first_line, path, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            line_map(item, first_line, f"{prefix}.{i}" if prefix else str(i), lines)
    return lines


def nearest(slug, slugs):
    match = difflib.get_close_matches(slug, list(slugs), n=1)
    return f" (did you mean “{match[0]}”?)" if match else ""


def check(content, problems):
    """The rules between files: every slug one file names must be another's, and so on."""
    renamed, terms = content.former_slugs(), {t.slug: t for t in content.terms}
    categories = {e.slug for e in content.categories.data} if content.categories else set()
    aspects = {e.slug for e in content.aspects.data} if content.aspects else set()

    def term(file, where, slug, what="term"):
        """The term `slug` names (perhaps by a former slug); reports it if there is none."""
        found = terms.get(renamed.get(slug, slug))
        if found is None:
            problems.add(file, where, f"{what} “{slug}” does not exist{nearest(slug, terms)}")
        return found

    titles = {}
    for old, new in renamed.items():
        if old in terms:
            problems.add(terms[new], ("former_slugs",), f"“{old}” is still a term of its own")
    for t in content.terms:
        first = titles.setdefault(t.data.title.casefold(), t)
        if first is not t:
            problems.add(t, ("title",), f"title “{t.data.title}” is already used by {first.path}")
        if t.data.category and t.data.category not in categories:
            problems.add(t, ("category",), f"category “{t.data.category}” is not in categories.yml")
        for i, slug in enumerate(t.data.related):
            if term(t, ("related", i), slug, "related term") is t:
                problems.add(t, ("related", i), "a term cannot list itself in “related”")
        for aspect in t.data.facets.keys() - aspects:
            message = f"facet “{aspect}” is not an aspect in aspects.yml{nearest(aspect, aspects)}"
            problems.add(t, ("facets", aspect), message)

    compared = {}
    for c in content.comparisons:
        columns = [term(c, ("terms", i), slug) for i, slug in enumerate(c.data.terms)]
        if not 2 <= len(columns) <= MAX_COMPARED:
            problems.add(c, ("terms",), f"a comparison needs 2 to {MAX_COMPARED} terms, not {len(columns)}")
        same = frozenset(t.slug for t in columns if t)
        if same in compared:
            problems.add(c, ("terms",), f"these terms are already compared in {compared[same].path}")
        compared.setdefault(same, c)
        for i, aspect in enumerate(c.data.aspects):
            if aspect not in aspects:
                message = f"aspect “{aspect}” is not in aspects.yml{nearest(aspect, aspects)}"
                problems.add(c, ("aspects", i), message)
            for t in (t for t in columns if t and aspect in aspects and aspect not in t.data.facets):
                message = f"the row “{aspect}” misses {t.slug}: add “{aspect}:” under “facets” in {t.path}"
                problems.add(c, ("aspects", i), message)

    rows = {(c.slug, a) for c in content.comparisons for a in c.data.aspects}
    for quiz in content.quizzes:
        check_quiz(quiz, {c.slug for c in content.comparisons}, rows, problems)
    if file := content.timeline:
        stages = {stage.slug: i for i, stage in enumerate(file.data.stages)}
        for i, stage in enumerate(file.data.stages):
            term(file, ("stages", i, "term"), stage.term)
        for i, band in enumerate(file.data.bands):
            term(file, ("bands", i, "term"), band.term)
            for key, stage in (("from", band.start), ("to", band.end)):
                if stage not in stages:
                    message = f"stage “{stage}” is not in the stages above{nearest(stage, stages)}"
                    problems.add(file, ("bands", i, key), message)
            if stages.get(band.start, -1) > stages.get(band.end, len(stages)):
                message = f"the band ends (“{band.end}”) before it starts (“{band.start}”)"
                problems.add(file, ("bands", i, "to"), message)
    if file := content.advisor:
        for i, partner in enumerate(file.data.partners):
            if partner.term:
                term(file, ("partners", i, "term"), partner.term)
        check_advisor(file, {c.slug for c in content.comparisons}, problems)


def check_quiz(quiz, comparisons, rows, problems):
    for q, question in enumerate(quiz.data.questions):
        for o, option in enumerate(question.options):
            for i, cite in enumerate(option.cites):
                comparison, _, aspect = cite.partition("#")
                where = ("questions", q, "options", o, "cites", i)
                if not aspect:
                    problems.add(quiz, where, f"cite “{cite}” must be <comparison>#<aspect>: cro-vs-cmo#role")
                elif comparison not in comparisons:
                    problems.add(quiz, where, f"cite “{cite}”: there is no comparison “{comparison}”")
                elif (comparison, aspect) not in rows:
                    problems.add(quiz, where, f"cite “{cite}”: that comparison has no row “{aspect}”")
        correct = sum(o.correct for o in question.options)
        if problem := Question.answer_problem(question.choose, correct, len(question.options)):
            problems.add(quiz, ("questions", q, "id"), f"question “{question.key}”: {problem}")


def check_advisor(file, comparisons, problems):
    d = file.data
    questions = {q.id: {o.id for o in q.options} for q in d.questions}
    rules = [r.model_dump() for r in d.rules]
    for i, where, message in Advisor.rule_problems(questions, [p.id for p in d.partners], rules, comparisons):
        problems.add(file, ("rules",) if i is None else ("rules", i, *where), message)
