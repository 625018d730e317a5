"""Markdown to safe HTML: the one function every stored body goes through.

The loader, the admin's save and the admin editor's live preview all call `render_markdown`, so
what an editor previews is exactly what the site publishes. Rendering happens when content is
saved, never per request; pages show the stored `body_html`.
"""

import functools
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from glossary.words import WORD_RE, fold_all, words_in

# [[slug]] or [[slug|label]]. The slug part is loose on purpose, so that a malformed slug is
# reported as a link to a missing term instead of being left in the text unnoticed.
WIKILINK_PATTERN = r"\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]+?))?\]\]"
WIKILINK_RE = re.compile(WIKILINK_PATTERN)


def running_text(title):
    """A sentence-case title as it reads mid-sentence: "Drug product" -> "drug product".

    A title that starts with an acronym or a proper name ("ICH guideline", "FDA") is left alone.
    """
    if len(title) > 1 and title[0].isupper() and not title[1].isupper():
        return title[0].lower() + title[1:]
    return title


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What a [[link]] needs to know about the term it points to."""

    slug: str
    url: str
    label: str  # the words shown when the author gives none

    @classmethod
    def of(cls, slug, url, title, abbreviation):
        """The target of a term: its abbreviation shows, or else its title as it reads mid-sentence."""
        return cls(slug=slug, url=url, label=abbreviation or running_text(title))


@dataclass
class Rendered:
    html: str
    linked: list  # slugs of the terms linked, in order of first appearance
    missing: list  # slugs that named no term, in order of first appearance


# Plain formatting only. Anything else (script, style, iframe, img, form, svg...) is dropped, and
# so is every attribute not listed here, which removes event handlers and inline styles.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class", "data-term"},
    "abbr": {"title"},
    "span": {"class"},
    "th": {"scope", "align"},
    "td": {"align"},
}
# Relative URLs (links to other pages of the site) are kept; of absolute ones only these schemes.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


class WikiLinkProcessor(InlineProcessor):
    def __init__(self, pattern, md, resolve):
        super().__init__(pattern, md)
        self.resolve = resolve

    def handleMatch(self, m, data):
        slug = m.group(1).strip()
        label = m.group(2).strip() if m.group(2) else None
        target = self.resolve(slug)
        state = self.md.wikilinks
        if target is None:
            if slug not in state["missing"]:
                state["missing"].append(slug)
            el = etree.Element("span")
            el.set("class", "missing-term")
            el.text = label or slug
            return el, m.start(0), m.end(0)
        if slug not in state["linked"]:
            state["linked"].append(slug)
        el = etree.Element("a")
        el.set("href", target.url)
        el.set("class", "term-link")
        el.set("data-term", target.slug)
        el.text = label or target.label
        return el, m.start(0), m.end(0)


MAX_NAME_WORDS = 6

# Everyday phrases that hold a term's name but mean something else: "standard deviation" is not a
# deviation from a procedure, nor a "heart rate monitor" a clinical monitor. Matched as names are, so
# that the longer phrase wins, and never linked or marked.
NOT_MENTIONS = [
    "standard deviation", "mean deviation", "absolute deviation",
    "network protocol", "communication protocol", "internet protocol", "diplomatic protocol",
    "heart rate monitor", "blood pressure monitor", "glucose monitor", "computer monitor",
]  # fmt: skip


def is_abbreviation(name):
    """Whether a name is written as an abbreviation is ("CRO", "cGMP", "eCTD", "EOP2", "483"): one word
    with two capitals or more, or a number. Such names match only as written, so "IND" is not "ind"."""
    if len(WORD_RE.findall(name)) != 1:
        return False
    return sum(c.isupper() for c in name) >= 2 or (name.isdigit() and len(name) >= 3)  # "Form 483": "483"


class Mentions:
    """The names of terms (titles, other names, abbreviations), to find where a text mentions them:
    the first mention of each term in a body is linked; "Explain this text" marks every one.

    Abbreviations match with their exact capitals or in all capitals ("CGMP" for cGMP), and in the
    plural ("INDs"); other names in any case and form that words.fold_all() takes for the same. Matching
    walks the words of the text once: no pattern is built from every name.
    """

    def __init__(self, entries):
        """`entries`: (name, is_abbreviation, target, secondary) for each name of each term. A name
        of several terms means the main sense first, so that "CMO" is this glossary's CMO before a
        chief medical officer."""
        self.abbreviations, self.phrases = {}, {}  # name -> [targets], main sense first
        # A phrase can only start at one of these, and is at most so many words long: most words are
        # skipped at once, and a name is looked for at each length only up to that.
        self.first_words = {}
        self.last_words = set()  # a name can only be mentioned where its last word is (candidates())
        for name, abbreviation, target, _ in sorted(entries, key=lambda entry: entry[3]):
            self.add(name, abbreviation, target)
        for phrase in NOT_MENTIONS:
            self.add(phrase, False, None)

    def add(self, name, abbreviation, target):
        words = [word for word, _, _ in words_in(name)]
        if not words:
            return
        if (abbreviation or is_abbreviation(name)) and len(words) == 1:
            for spelling in {words[0], words[0].upper(), words[0] + "s", words[0].upper() + "s"}:
                senses = self.abbreviations.setdefault(spelling, [])
                if target not in senses:
                    senses.append(target)
        elif len(name) >= 4:
            key = fold_all(words)
            senses = self.phrases.setdefault(" ".join(key), [])
            if target is not None and target not in senses:  # None: a phrase of NOT_MENTIONS
                senses.append(target)
            longest = min(len(key), MAX_NAME_WORDS)
            if self.first_words.get(key[0], 0) < longest:
                self.first_words[key[0]] = longest
            self.last_words.add(key[-1])

    def find(self, text, skip=None):
        """[(start, end, [targets])] of the mentions in `text`: with `skip` (a set of slugs), only the
        first of each term not in it, which joins it; without, every one."""
        found_words = words_in(text)
        if not found_words:
            return []
        words = [w for w, _, _ in found_words]
        folded = fold_all(words)  # once per word, not once per phrase tried
        found, resume = [], 0
        for i in self.candidates(words, folded):
            if i < resume:
                continue  # inside the mention just found
            match = self.match_at(i, words, folded, skip or ())
            if match and not match[1]:  # a phrase of NOT_MENTIONS: none of its words is a mention
                resume = i + match[0]
            elif match:
                n, targets = match
                start, end = found_words[i][1], found_words[i + n - 1][2]
                # Part of a reference such as "Directive 2001/83/EC": not a mention of a term.
                # ("IRB/IEC" and "Phase 2/3" are mentions.)
                if text[start - 2 : start - 1].isdigit() and text[start - 1] == "/":
                    continue
                found.append((start, end, targets))
                if skip is not None:
                    skip.add(targets[0].slug)
                resume = i + n
        return found

    def candidates(self, words, folded):
        """The sorted positions where a mention may start: a superset of where one does.

        A name of up to MAX_NAME_WORDS words can only start up to that many words before its last
        word, an abbreviation only where it is. Most texts mention no name at all, and set
        operations find that out without a step per word.
        """
        found = set()
        for word in self.last_words.intersection(folded):
            for j in positions(folded, word):
                found.update(range(max(0, j + 1 - MAX_NAME_WORDS), j + 1))
        for word in self.abbreviations.keys() & set(words):
            found.update(positions(words, word))
        return sorted(found)

    def match_at(self, i, words, folded, skip):
        """(number of words, [targets]) of the longest mention starting at word `i` whose main sense
        is not in `skip`, (number of words, []) for a phrase of NOT_MENTIONS, or None."""
        phrases = self.phrases
        # Most words start no name: they can only be an abbreviation.
        longest = min(self.first_words.get(folded[i], 0), len(folded) - i)
        for n in range(longest, -1, -1):
            if n:
                targets = phrases.get(" ".join(folded[i : i + n]))
                if targets == []:
                    return n, []  # NOT_MENTIONS
            elif longest and folded[i] in phrases:
                return None  # the word is a name, already linked: not an abbreviation as well
            else:
                n, targets = 1, self.abbreviations.get(words[i])
            if targets and targets[0].slug not in skip:
                return n, targets
        return None


def positions(items, value):
    """Each index of `value` in the list `items`, found by list.index: faster than a step per item."""
    i = -1
    while True:
        try:
            i = items.index(value, i + 1)
        except ValueError:
            return
        yield i


class AutoLink(Treeprocessor):
    """Link the first mention of each other term, except in headings, code and existing links."""

    SKIP = {"h1", "h2", "h3", "h4", "h5", "h6", "a", "code", "pre"}

    def __init__(self, md, mentions):
        super().__init__(md)
        self.mentions = mentions

    def run(self, root):
        if self.md.autolink:
            self.walk(root, {self.md.own_slug, *self.md.wikilinks["linked"]})

    def walk(self, parent, skip):
        if parent.tag in self.SKIP:
            return
        # Text before the first child, then each child and the text after it.
        if parent.text:
            parent.text, before = self.link(parent.text, skip)
            for index, el in enumerate(before):
                parent.insert(index, el)
        for child in list(parent):
            self.walk(child, skip)
            if child.tail:
                child.tail, after = self.link(child.tail, skip)
                position = list(parent).index(child) + 1
                for offset, el in enumerate(after):
                    parent.insert(position + offset, el)

    def link(self, text, skip):
        """(text before the first link, [link elements, each with the text after it as its tail])."""
        found = self.mentions.find(text, skip)
        if not found:
            return text, []
        elements, head, last = [], text[: found[0][0]], found[0][0]
        for start, end, (target, *_) in found:
            if elements:
                elements[-1].tail = text[last:start]
            el = etree.Element("a")
            el.set("href", target.url)
            el.set("class", "term-link")
            el.set("data-term", target.slug)
            el.text = text[start:end]
            elements.append(el)
            last = end
            self.md.wikilinks["linked"].append(target.slug)
        elements[-1].tail = text[last:]
        return head, elements


class DemoteTopHeadings(Treeprocessor):
    """A page has exactly one h1, the term's title, so a '#' heading in a body becomes an h2."""

    def run(self, root):
        for el in root.iter("h1"):
            el.tag = "h2"


class GlossaryExtension(markdown.Extension):
    def __init__(self, resolve, mentions=None):
        super().__init__()
        self.resolve, self.mentions = resolve, mentions

    def extendMarkdown(self, md):
        # Priority 175 runs before links (160 is backticks, so code spans stay literal).
        md.inlinePatterns.register(WikiLinkProcessor(WIKILINK_PATTERN, md, self.resolve), "wikilink", 175)
        md.treeprocessors.register(DemoteTopHeadings(md), "demote_headings", 5)
        if self.mentions is not None:
            # After the inline patterns (priority 20), so wikilinks and code are already elements.
            md.treeprocessors.register(AutoLink(md, self.mentions), "autolink", 4)


# Built once: nh3.clean() would build the same rules again for each of 100,000 bodies.
CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    clean_content_tags={"script", "style"},
)


def sanitize(html):
    return CLEANER.clean(html)


class Renderer:
    """Renders many texts against the same terms, with one Markdown instance reset between texts:
    building an instance costs about as much as converting a short body."""

    def __init__(self, resolve, mentions=None):
        """`resolve(slug)` returns a LinkTarget or None; with `mentions`, first mentions are linked."""
        self.md = markdown.Markdown(
            extensions=[
                "tables",
                "fenced_code",
                "def_list",
                "sane_lists",
                GlossaryExtension(resolve, mentions),
            ],
            output_format="html",
        )

    def render(self, text, own_slug=None, autolink=True):
        """`text` as sanitised HTML. The term `own_slug` is never linked; `autolink=False` links [[links]] only."""
        md = self.md
        md.reset()
        md.wikilinks = {"linked": [], "missing": []}
        md.own_slug, md.autolink = own_slug, autolink
        html = sanitize(md.convert(text or ""))
        return Rendered(html=html, linked=md.wikilinks["linked"], missing=md.wikilinks["missing"])


class LinkIndex:
    """What rendering needs to know of every term, held in memory: for the loader, which renders
    thousands of texts against the same terms without asking the database.

    `names`: {slug: (title, abbreviation, [other names], is a second sense)}; `former`: {old slug:
    slug}, so that a [[link]] to a renamed term's old slug reaches it.
    """

    def __init__(self, names, former, url_pattern):
        before, after = url_pattern.split("SLUG")
        self.names = names
        self.targets = {
            slug: LinkTarget.of(slug, f"{before}{slug}{after}", title, abbreviation)
            for slug, (title, abbreviation, _, _) in names.items()
        }
        for old, slug in former.items():
            self.targets.setdefault(old, self.targets[slug])

    @functools.cached_property
    def mentions(self):
        """Every name of every term, for automatic links: built only for term bodies."""
        return Mentions(
            (name, is_abbreviation, self.targets[slug], secondary)
            for slug, (title, abbreviation, aliases, secondary) in self.names.items()
            for name, is_abbreviation in [
                (abbreviation, True),
                (title, False),
                *((a, False) for a in aliases),
            ]
            if name
        )

    def resolve(self, slug):
        return self.targets.get(slug)


def render_markdown(text, resolve, mentions=None, own_slug=None):
    """Render one `text` to sanitised HTML; `resolve(slug)` returns a LinkTarget or None.

    With `mentions`, the first mention of each other term is linked too (never the term `own_slug`).
    """
    return Renderer(resolve, mentions).render(text, own_slug)


def wikilink_slugs(text):
    """Every slug that `text` appears to link to: used to fetch link targets in one query."""
    return {m.group(1).strip() for m in WIKILINK_RE.finditer(text or "")}


def render_from_database(text):
    """Render a text whose [[links]] are resolved from the database (a comparison, a facet...)."""
    from glossary.models import Term

    return render_markdown(text, Term.objects.link_targets(wikilink_slugs(text)).get)


def render_preview(text):
    """The admin editor's live preview (MARKDOWNX_MARKDOWNIFY_FUNCTION): links resolved from the database."""
    from glossary.models import Term

    targets = Term.objects.link_targets(wikilink_slugs(text))
    # The editor doesn't say which term it edits, so a mention of the term itself may link here only.
    return render_markdown(text, targets.get, Term.objects.mentions_in(text)).html
