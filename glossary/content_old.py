"""Reading, checking and loading the content files in content/ (format: content/README.md).

`load_content()` is the one atomic operation behind `manage.py load_glossary`: it reads and checks
every file first and raises ContentError listing every problem (each with its file and line) before
anything is written; then it brings the database in line with the files in one transaction,
touching only what differs, and returns a Report of what it created, updated, left alone and removed.
"""

import datetime
import difflib
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from glossary.models import Alias, Category, Source, Term, validate_slug
from glossary.rendering import render_markdown

# A front matter key: (type name shown in messages, required?)
TERM_KEYS = {
    "title": ("text", True),
    "summary": ("text", True),
    "abbreviation": ("text", False),
    "aliases": ("list of text", False),
    "category": ("text", False),
    "related": ("list of text", False),
    "sources": ("list of sources", False),
    "reviewed": ("date", False),
}
CATEGORY_KEYS = {"slug": ("text", True), "name": ("text", True), "description": ("text", False)}
SOURCE_KEYS = {"title", "url"}

validate_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class TermFile:
    path: str
    slug: str
    title: str
    summary: str
    body: str
    body_line: int  # the file line the body starts on, for messages about [[links]]
    lines: dict  # front matter key -> the line it is on
    abbreviation: str = ""
    aliases: list = field(default_factory=list)
    category: str = ""
    related: list = field(default_factory=list)
    sources: list = field(default_factory=list)  # [(title, url)]
    reviewed: datetime.date | None = None
    body_html: str = ""
    links: list = field(default_factory=list)

    def link_target(self):
        return Term(
            slug=self.slug, title=self.title, abbreviation=self.abbreviation, summary=self.summary
        ).link_target()


@dataclass
class CategoryEntry:
    slug: str
    name: str
    description: str
    position: int


@dataclass
class Content:
    categories: list
    terms: list


@dataclass
class Counts:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    removed: list = field(default_factory=list)

    def __str__(self):
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )

    @property
    def changed(self):
        return bool(self.created or self.updated or self.removed)


@dataclass
class Report:
    categories: Counts
    terms: Counts

    @property
    def changed(self):
        return self.categories.changed or self.terms.changed


# Reading and checking ------------------------------------------------------------------------


class FileReader:
    """Collects the problems of one file while its parts are read."""

    def __init__(self, path, problems):
        self.path = display_path(path)
        self.problems = problems

    def problem(self, line, message):
        self.problems.append(Problem(self.path, line, message))

    def read_text(self, path):
        raw = Path(path).read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            self.problem(line, f"not UTF-8 text (byte 0x{raw[e.start]:02x} cannot be read): save it as UTF-8")
            return None
        text = text.removeprefix("\ufeff")
        if not text.strip():
            self.problem(1, "the file is empty")
            return None
        return text

    def load_yaml(self, text, first_line):
        """(node, loader) for a YAML document; `first_line` is the file line the YAML starts on."""
        loader = yaml.SafeLoader(text)
        try:
            return loader.get_single_node(), loader
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line = first_line + mark.line if mark else first_line
            self.problem(line, f"broken YAML: {e.problem or e.context}")
        except yaml.YAMLError as e:
            self.problem(first_line, f"broken YAML: {e}")
        return None, None

    def construct(self, loader, node, first_line):
        try:
            return loader.construct_object(node, deep=True), True
        except (yaml.YAMLError, ValueError) as e:
            # An impossible date such as 2026-02-30 surfaces as a ValueError.
            self.problem(first_line + node.start_mark.line, f"cannot read this value: {e}")
            return None, False

    def mapping(self, loader, node, first_line, keys, what):
        """Check a mapping node against `keys`; returns ({key: value}, {key: line}) or None."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(first_line + node.start_mark.line, f"{what} must be a set of “key: value” lines")
            return None
        values, lines = {}, {}
        for key_node, value_node in node.value:
            line = first_line + key_node.start_mark.line
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key in lines:
                self.problem(line, f"key “{key}” is given twice (first on line {lines[key]})")
                continue
            lines[key] = line
            if key not in keys:
                hint = difflib.get_close_matches(key, keys, n=1)
                known = f"did you mean “{hint[0]}”?" if hint else "known keys: " + ", ".join(keys)
                self.problem(line, f"unknown key “{key}” in {what}: {known}")
                continue
            value, ok = self.construct(loader, value_node, first_line)
            if not ok:
                continue
            if value is None or value == "" or (isinstance(value, str) and not value.strip()):
                if keys[key][1]:
                    self.problem(line, f"“{key}” is empty: it is required")
                continue
            value = self.check_type(key, keys[key][0], value, value_node, first_line)
            if value is not None:
                values[key] = value
        start = first_line + node.start_mark.line
        for key, (_, required) in keys.items():
            if required and key not in lines:
                self.problem(start, f"“{key}” is missing from {what}: it is required")
        return values, lines

    def check_type(self, key, kind, value, node, first_line):
        line = first_line + node.start_mark.line
        if kind == "text":
            if not isinstance(value, str):
                self.problem(line, f"“{key}” must be text, not {describe(value)}")
                return None
            return value.strip()
        if kind == "date":
            if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
                self.problem(line, f"“{key}” must be a date written YYYY-MM-DD, not {describe(value)}")
                return None
            return value
        if not isinstance(value, list):
            self.problem(line, f"“{key}” must be a list (one “- item” per line), not {describe(value)}")
            return None
        items = []
        for item, item_node in zip(value, node.value, strict=True):
            item_line = first_line + item_node.start_mark.line
            if kind == "list of sources":
                source = self.check_source(item, item_line)
                if source:
                    items.append(source)
            elif not isinstance(item, str) or not item.strip():
                self.problem(item_line, f"each item of “{key}” must be text, not {describe(item)}")
            elif item.strip() in items:
                self.problem(item_line, f"“{item.strip()}” is listed twice in “{key}”")
            else:
                items.append(item.strip())
        return items

    def check_source(self, item, line):
        if not isinstance(item, dict):
            self.problem(line, f"a source must have a “title” and a “url”, not be {describe(item)}")
            return None
        unknown = set(item) - SOURCE_KEYS
        if unknown:
            self.problem(
                line, f"unknown key “{sorted(map(str, unknown))[0]}” in a source: use “title” and “url”"
            )
        title, url = item.get("title"), item.get("url")
        ok = True
        if not isinstance(title, str) or not title.strip():
            self.problem(line, "a source needs a “title” (text) naming the regulation or guideline")
            ok = False
        if not isinstance(url, str) or not url.strip():
            self.problem(line, "a source needs a “url”")
            ok = False
        else:
            try:
                validate_url(url.strip())
            except ValidationError:
                self.problem(line, f"source URL “{url}” is not a valid http:// or https:// address")
                ok = False
        return (title.strip(), url.strip()) if ok else None


def display_path(path):
    """The path as a person would type it: relative to the current directory when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def describe(value):
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, datetime.date):
        return f"a date ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of keys"
    return f"“{value}”"


def read_term_file(path, problems):
    reader = FileReader(path, problems)
    slug = path.stem
    try:
        validate_slug(slug)
    except ValidationError:
        reader.problem(
            1, f"file name “{path.name}” is not a valid slug: use lowercase letters, digits and hyphens"
        )
    text = reader.read_text(path)
    if text is None:
        return None
    lines = text.splitlines(keepends=True)
    if lines[0].strip() != "---":
        reader.problem(
            1, "no front matter: a term file starts with a “---” line, its keys, then another “---”"
        )
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        reader.problem(1, "the front matter that starts here is never closed with a “---” line")
        return None
    node, loader = reader.load_yaml("".join(lines[1:end]), first_line=2)
    if loader is None:
        return None
    try:
        if node is None:
            reader.problem(1, "the front matter is empty: “title” and “summary” are required")
            return None
        checked = reader.mapping(loader, node, 2, TERM_KEYS, "the front matter")
    finally:
        loader.dispose()
    if checked is None:
        return None
    values, key_lines = checked
    if "title" not in values or "summary" not in values:
        return None
    return TermFile(
        path=reader.path,
        slug=slug,
        body="".join(lines[end + 1 :]),
        body_line=end + 2,
        lines=key_lines,
        **values,
    )


def read_categories(path, problems):
    if not path.exists():
        return []
    reader = FileReader(path, problems)
    text = reader.read_text(path)
    if text is None:
        return []
    node, loader = reader.load_yaml(text, first_line=1)
    if loader is None:
        return []
    entries = []
    try:
        if not isinstance(node, yaml.SequenceNode):
            reader.problem(1, "categories.yml must be a list, one “- slug: ...” item per category")
            return []
        for position, item in enumerate(node.value):
            checked = reader.mapping(loader, item, 1, CATEGORY_KEYS, "a category")
            if checked is None or not {"slug", "name"} <= checked[0].keys():
                continue
            values, lines = checked
            try:
                validate_slug(values["slug"])
            except ValidationError:
                reader.problem(lines["slug"], f"category slug “{values['slug']}” is not a valid slug")
                continue
            if any(e.slug == values["slug"] for e in entries):
                reader.problem(lines["slug"], f"category “{values['slug']}” is listed twice")
                continue
            entries.append(CategoryEntry(position=position, **{"description": "", **values}))
    finally:
        loader.dispose()
    return entries


def read_content(root):
    """Read and check every file under `root`; returns Content or raises ContentError."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError([Problem(display_path(root), 1, "no such content directory")])
    problems = []
    categories = read_categories(root / "categories.yml", problems)
    terms_dir = root / "terms"
    if not terms_dir.is_dir():
        raise ContentError([*problems, Problem(display_path(terms_dir), 1, "no terms directory: add terms/")])
    terms = []
    for path in sorted(terms_dir.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix != ".md" or not path.is_file():
            FileReader(path, problems).problem(1, "not a term file: term files are named <slug>.md")
            continue
        term = read_term_file(path, problems)
        if term is not None:
            terms.append(term)
    check_references(terms, {c.slug for c in categories}, problems)
    if problems:
        raise ContentError(problems)
    return Content(categories=categories, terms=terms)


def check_references(terms, category_slugs, problems):
    """Checks across files: titles, categories, related terms and [[links]]; renders every body."""
    by_slug = {t.slug: t for t in terms}
    first_with_title = {}
    for term in terms:
        reader = FileReader(term.path, problems)
        other = first_with_title.setdefault(term.title.casefold(), term)
        if other is not term:
            reader.problem(term.lines["title"], f"title “{term.title}” is already used by {other.path}")
        if term.category and term.category not in category_slugs:
            known = ", ".join(sorted(category_slugs)) or "none defined"
            reader.problem(
                term.lines["category"],
                f"category “{term.category}” is not in categories.yml (known: {known})",
            )
        for slug in term.related:
            if slug == term.slug:
                reader.problem(term.lines["related"], "a term cannot list itself in “related”")
            elif slug not in by_slug:
                reader.problem(
                    term.lines["related"], f"related term “{slug}” does not exist{nearest(slug, by_slug)}"
                )

    targets = {slug: term.link_target() for slug, term in by_slug.items()}
    for term in terms:
        rendered = render_markdown(term.body, targets.get)
        term.body_html, term.links = rendered.html, rendered.linked
        for slug in rendered.missing:
            line = term.body_line + body_line_of(term.body, f"[[{slug}")
            FileReader(term.path, problems).problem(
                line, f"[[{slug}]] links to a term that does not exist{nearest(slug, by_slug)}"
            )


def nearest(slug, slugs):
    match = difflib.get_close_matches(slug, list(slugs), n=1)
    return f" (did you mean “{match[0]}”?)" if match else ""


def body_line_of(body, needle):
    index = body.find(needle)
    return body.count("\n", 0, index) if index >= 0 else 0


# Writing --------------------------------------------------------------------------------------


def load_content(root, dry_run=False):
    """Check everything under `root`, then sync the database to it in one transaction."""
    content = read_content(root)
    with transaction.atomic():
        report = Report(categories=sync_categories(content.categories), terms=sync_terms(content.terms))
        if dry_run:
            # The same code path as a real load, so the report is exact; then nothing is kept.
            transaction.set_rollback(True)
    return report


def sync_categories(entries):
    counts = Counts()
    existing = {c.slug: c for c in Category.objects.all()}
    wanted = {e.slug for e in entries}
    gone = [slug for slug in existing if slug not in wanted]
    if gone:
        Category.objects.filter(slug__in=gone).delete()
        counts.removed = gone
    for entry in entries:
        values = {"name": entry.name, "description": entry.description, "position": entry.position}
        category = existing.get(entry.slug)
        if category is None:
            Category.objects.create(slug=entry.slug, **values)
            counts.created.append(entry.slug)
        elif any(getattr(category, k) != v for k, v in values.items()):
            Category.objects.filter(pk=category.pk).update(**values)
            counts.updated.append(entry.slug)
        else:
            counts.unchanged.append(entry.slug)
    return counts


TERM_FIELDS = ["title", "abbreviation", "summary", "body", "body_html", "category_id", "reviewed"]


def sync_terms(files):
    counts = Counts()
    existing = {t.slug: t for t in Term.objects.prefetch_related("aliases", "sources", "related", "links")}
    wanted = {f.slug for f in files}
    # Removed first, so that a file renamed to a new slug can keep its title.
    gone = [slug for slug in existing if slug not in wanted]
    if gone:
        Term.objects.filter(slug__in=gone).delete()
        counts.removed = gone
    category_ids = dict(Category.objects.values_list("slug", "id"))
    now = timezone.now()

    new, changed_fields, changed_children, changed_relations = [], [], [], []
    for f in files:
        values = {
            "title": f.title,
            "abbreviation": f.abbreviation,
            "summary": f.summary,
            "body": f.body,
            "body_html": f.body_html,
            "category_id": category_ids.get(f.category),
            "reviewed": f.reviewed,
        }
        term = existing.get(f.slug)
        if term is None:
            new.append(Term(slug=f.slug, **values))
            continue
        if any(getattr(term, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(term, k, v)
            term.updated = now
            changed_fields.append(term)
        if [a.name for a in term.aliases.all()] != f.aliases or [
            (s.title, s.url) for s in term.sources.all()
        ] != f.sources:
            changed_children.append(term)
        if {t.slug for t in term.related.all()} != set(f.related) or {
            t.slug for t in term.links.all()
        } != set(f.links):
            changed_relations.append(term)

    Term.objects.bulk_create(new, batch_size=500)
    Term.objects.bulk_update(changed_fields, [*TERM_FIELDS, "updated"], batch_size=500)
    ids = dict(Term.objects.values_list("slug", "id"))
    by_slug = {f.slug: f for f in files}

    # Aliases and sources belong to one term each: replace the whole set of a term that changed.
    replace = [t.pk for t in changed_children] + [ids[t.slug] for t in new]
    Alias.objects.filter(term_id__in=replace).delete()
    Source.objects.filter(term_id__in=replace).delete()
    slugs = [t.slug for t in changed_children] + [t.slug for t in new]
    Alias.objects.bulk_create(
        [Alias(term_id=ids[s], name=name) for s in slugs for name in by_slug[s].aliases], batch_size=1000
    )
    Source.objects.bulk_create(
        [Source(term_id=ids[s], title=t, url=u) for s in slugs for t, u in by_slug[s].sources],
        batch_size=1000,
    )

    # The relations need every term to exist, so they come last.
    slugs = [t.slug for t in changed_relations] + [t.slug for t in new]
    for relation, attribute in ((Term.related.through, "related"), (Term.links.through, "links")):
        relation.objects.filter(from_term_id__in=[ids[s] for s in slugs]).delete()
        relation.objects.bulk_create(
            [
                relation(from_term_id=ids[s], to_term_id=ids[other])
                for s in slugs
                for other in getattr(by_slug[s], attribute)
            ],
            batch_size=1000,
        )

    counts.created = [t.slug for t in new]
    touched = {t.slug for t in changed_fields + changed_children + changed_relations}
    counts.updated = sorted(touched)
    counts.unchanged = [f.slug for f in files if f.slug in existing and f.slug not in touched]
    return counts
