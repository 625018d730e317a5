"""Explain this text: every glossary term in a pasted text, found by the same Mentions that link the
first mention of a term in an entry's body (rendering.py), here marking every mention."""

import bisect
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from glossary.models import Comparison, ComparisonTerm, Term
from glossary.words import words_in

MAX_LENGTH = 20_000  # characters: a long contract clause or a press release, not a whole contract


def clean(text):
    """The text as it is explained: line breaks as "\\n" (a browser sends a textarea's as "\\r\\n",
    which would count twice against MAX_LENGTH), and a lone surrogate (JSON can carry one, UTF-8
    cannot) as "?", so that every character keeps its offset."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text.encode("utf-8", "replace").decode("utf-8")


@dataclass
class Mark:
    start: int
    end: int
    terms: list  # every term of that name, the glossary's main sense first


@dataclass
class Explanation:
    text: str
    marks: list = field(default_factory=list)
    terms: list = field(default_factory=list)  # in order of first appearance, every meaning of each name
    comparisons: list = field(default_factory=list)  # [(comparison, [terms of the text it compares])]
    unknown: list = field(default_factory=list)  # words that look like jargon the glossary lacks

    @property
    def found(self):
        """How many terms the text names: a name with two meanings counts once."""
        return len({mark.terms[0].pk for mark in self.marks})

    def html(self):
        """The text, escaped, with every mark a link to its term (the main sense). The first mark of
        a name with several meanings ("CMO") says so, and leads to them in the list below."""
        out, last, told = [], 0, set()
        for mark in self.marks:
            term = mark.terms[0]
            out.append(escape(self.text[last : mark.start]))
            out.append(
                format_html(
                    '<a class="term-link" href="{}">{}</a>',
                    term.get_absolute_url(),
                    self.text[mark.start : mark.end],
                )
            )
            if len(mark.terms) > 1 and term.pk not in told:
                told.add(term.pk)
                out.append(
                    format_html(
                        '<sup class="senses"><a href="#explained-{}">{} meanings</a></sup>',
                        term.slug,
                        len(mark.terms),
                    )
                )
            last = mark.end
        out.append(escape(self.text[last:]))
        return mark_safe("".join(out))

    def data(self):
        """The explanation as the JSON API returns it."""

        def term_data(term):
            fields = ("slug", "title", "abbreviation", "sense", "summary")
            return {f: getattr(term, f) for f in fields} | {
                "url": settings.SITE_URL + term.get_absolute_url()
            }

        return {
            "length": len(self.text),
            "matches": [
                {
                    "start": m.start,
                    "end": m.end,
                    "text": self.text[m.start : m.end],
                    "terms": [t.slug for t in m.terms],
                }
                for m in self.marks
            ],
            "terms": [term_data(t) for t in self.terms],
            "comparisons": [
                {
                    "slug": c.slug,
                    "title": c.title,
                    "url": settings.SITE_URL + c.get_absolute_url(),
                    "terms": [t.slug for t in terms],
                }
                for c, terms in self.comparisons
            ],
            "not_in_glossary": self.unknown,
        }


def explain(text):
    """The Explanation of `text` (at most MAX_LENGTH characters, cleaned)."""
    found = Term.objects.mentions_in(text).find(text)
    slugs = list(dict.fromkeys(target.slug for _, _, targets in found for target in targets))
    terms = Term.objects.only("slug", "title", "abbreviation", "sense", "summary").in_bulk(
        slugs, field_name="slug"
    )
    marks = [
        Mark(start, end, [terms[t.slug] for t in targets if t.slug in terms]) for start, end, targets in found
    ]
    marks = [m for m in marks if m.terms]  # a term deleted meanwhile
    in_order = [terms[slug] for slug in slugs if slug in terms]
    return Explanation(text, marks, in_order, comparisons_of(in_order), jargon(text, marks))


def comparisons_of(terms):
    """The comparisons of two or more of `terms`, each with those terms, in the order the text
    first mentions them."""
    position = {term.pk: i for i, term in enumerate(terms)}
    covered = {}
    for comparison_id, term_id in ComparisonTerm.objects.filter(term__in=position).values_list(
        "comparison_id", "term_id"
    ):
        covered.setdefault(comparison_id, []).append(term_id)
    covered = {c: sorted(ids, key=position.get) for c, ids in covered.items() if len(ids) >= 2}
    comparisons = Comparison.objects.only("slug", "title").in_bulk(covered)
    by_term = {term.pk: term for term in terms}
    found = [(comparisons[c], [by_term[t] for t in ids]) for c, ids in covered.items() if c in comparisons]
    return sorted(found, key=lambda pair: [position[t.pk] for t in pair[1]])


# Words in capitals that are everyday English or too well known to need a glossary.
NOT_JARGON = {
    "A", "AM", "AN", "AND", "ARE", "AS", "AT", "BE", "BUT", "BY", "EU", "FOR", "FROM", "HAS", "HAVE",
    "IN", "INC", "IS", "IT", "ITS", "LLC", "LTD", "NEW", "NO", "NOT", "OF", "OK", "ON", "OR", "OUR",
    "PLC", "PM", "THE", "THIS", "TO", "UK", "US", "USA", "WAS", "WE", "WILL", "WITH",
    "CEO", "CFO", "COO", "CTO", "CSO", "VP", "HR", "PR", "FAQ", "USD", "EUR", "GBP",
}  # fmt: skip
MAX_JARGON = 5  # letters: longer words in capitals are shouting or a dateline ("BOSTON --"), not jargon
ROMAN_NUMERAL = re.compile(r"X{0,3}(IX|IV|V?I{0,3})")


def jargon(text, marks):
    """Words in capitals ("PDUFA", "CTIS") outside every mark: what the glossary may lack. Not
    everyday words, nor a run of three words in capitals (shouted text), nor a product code ("ACM-7")."""
    starts = [m.start for m in marks]  # in order
    words = words_in(text)
    lowercase = {word for word, _, _ in words if word.islower()}
    capitals = [word.isupper() and len(word) > 1 for word, _, _ in words]
    shouted = set()  # the words of a run of three or more in capitals
    for i in range(len(words) - 2):
        if all(capitals[i : i + 3]):
            shouted.update((i, i + 1, i + 2))
    found = []
    for index, (word, start, end) in enumerate(words):
        if not (
            2 <= len(word) <= MAX_JARGON
            and index not in shouted
            and not re.match(r"-\d", text[end : end + 2])
            and word.isupper()
            and sum(c.isalpha() for c in word) >= 2
            and word not in NOT_JARGON
            and not ROMAN_NUMERAL.fullmatch(word)
            and word.lower() not in lowercase  # "THE" in a text that also says "the": a heading
        ):
            continue
        i = bisect.bisect_right(starts, start) - 1  # the last mark that starts before the word
        if word not in found and not (i >= 0 and start < marks[i].end):
            found.append(word)
    return found
