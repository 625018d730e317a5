"""Content health: what an editor should look at next. Used by `manage.py glossary_report` and by a
page in the admin (Glossary content › Content health)."""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from glossary.models import Source, Term

# Capitals that look like an abbreviation a reader would want defined: "CAPA", "IMP", "FDA". Codes
# with digits ("Q7", "E6") are guideline numbers, and country names need no entry.
# Part of a longer name ("FD&C") is not one of these, nor is a roman numeral ("Type II", "Part III").
ACRONYM_RE = re.compile(r"(?<!&)\b[A-Z]{2,6}s?\b(?!&)")
ROMAN_RE = re.compile(r"[IVX]+")
NOT_TERMS = {"US", "USA", "EU", "UK", "OK"}
MISSING_RE = re.compile(r'<span class="missing-term">([^<]+)</span>')
# Mentioned in at least this many entries before it is reported as worth an entry of its own.
OFTEN = 2
STALE_AFTER = datetime.timedelta(days=365)


@dataclass
class Section:
    title: str
    help: str
    items: list = field(default_factory=list)  # [(label, term or None)]


def report(today=None):
    today = today or timezone.localdate()
    terms = list(
        Term.objects.prefetch_related("aliases").only(
            "slug", "title", "abbreviation", "body_html", "reviewed", "sense"
        )
    )
    known = (
        {t.abbreviation for t in terms}
        | {a.name for t in terms for a in t.aliases.all()}
        | {t.title for t in terms}
    )

    undefined = {}  # {name: [the entries that use it]}
    for term in terms:
        for name in set(MISSING_RE.findall(term.body_html)):
            undefined.setdefault(f"[[{name}]]", []).append(term.title)
        text = re.sub(r"<[^>]+>", " ", term.body_html)
        for word in sorted(set(ACRONYM_RE.findall(text))):
            if (
                word not in known
                and word.removesuffix("s") not in known
                and word not in NOT_TERMS
                and not ROMAN_RE.fullmatch(word)
            ):
                undefined.setdefault(word, []).append(term.title)
    sections = [
        Section(
            "Used but not defined",
            "Links to terms that no longer exist, and abbreviations mentioned in several entries that have no entry.",
            [
                (
                    f"{name}, in {len(used)} entr{'y' if len(used) == 1 else 'ies'}: {', '.join(sorted(used))}",
                    None,
                )
                for name, used in sorted(undefined.items())
                if name.startswith("[[") or len(used) >= OFTEN
            ],
        ),
        Section(
            "Not linked from any other entry",
            "Readers reach these only from the index or search.",
            [(t.title, t) for t in Term.objects.filter(linked_from__isnull=True).only("slug", "title")],
        ),
        Section(
            "Without a primary source",
            "Every entry in the field should cite the regulation or guideline it rests on.",
            [(t.title, t) for t in Term.objects.filter(sources__isnull=True, sense="").only("slug", "title")],
        ),
        Section(
            "Not reviewed for over a year",
            "Check these against their sources, then update “reviewed”.",
            [
                (f"{t.title} ({t.reviewed or 'never reviewed'})", t)
                for t in terms
                if t.reviewed is None or today - t.reviewed > STALE_AFTER
            ],
        ),
        Section(
            "Malformed source addresses",
            "These links cannot work as written.",
            [
                (f"{s.term.title}: {s.url}", s.term)
                for s in Source.objects.select_related("term")
                if not valid_url(s.url)
            ],
        ),
    ]
    return sections


def valid_url(url):
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return False
    return True
