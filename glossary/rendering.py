"""Markdown to safe HTML: the one function every stored body goes through.

The loader, the admin's save and the admin editor's live preview all call `render_markdown`, so
what an editor previews is exactly what the site publishes. Rendering happens when content is
saved, never per request; pages show the stored `body_html`.
"""

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

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


@dataclass(frozen=True)
class LinkTarget:
    """What a [[link]] needs to know about the term it points to."""

    slug: str
    url: str
    label: str  # the words shown when the author gives none
    summary: str


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


class DemoteTopHeadings(Treeprocessor):
    """A page has exactly one h1, the term's title, so a '#' heading in a body becomes an h2."""

    def run(self, root):
        for el in root.iter("h1"):
            el.tag = "h2"


class GlossaryExtension(markdown.Extension):
    def __init__(self, resolve):
        super().__init__()
        self.resolve = resolve

    def extendMarkdown(self, md):
        md.wikilinks = {"linked": [], "missing": []}
        # Priority 75 runs before links (160 is backticks, so code spans stay literal).
        md.inlinePatterns.register(WikiLinkProcessor(WIKILINK_PATTERN, md, self.resolve), "wikilink", 175)
        md.treeprocessors.register(DemoteTopHeadings(md), "demote_headings", 5)


def sanitize(html):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        clean_content_tags={"script", "style"},
    )


def render_markdown(text, resolve):
    """Render `text` to sanitised HTML; `resolve(slug)` returns a LinkTarget or None."""
    md = markdown.Markdown(
        extensions=["tables", "fenced_code", "def_list", "sane_lists", GlossaryExtension(resolve)],
        output_format="html",
    )
    html = sanitize(md.convert(text or ""))
    return Rendered(html=html, linked=md.wikilinks["linked"], missing=md.wikilinks["missing"])


def wikilink_slugs(text):
    """Every slug that `text` appears to link to: used to fetch link targets in one query."""
    return {m.group(1).strip() for m in WIKILINK_RE.finditer(text or "")}


def render_preview(text):
    """The admin editor's live preview (MARKDOWNX_MARKDOWNIFY_FUNCTION): links resolved from the database."""
    from glossary.models import Term

    targets = Term.objects.link_targets(wikilink_slugs(text))
    return render_markdown(text, targets.get).html
