"""Automatic links: at load and at save, the first mention of another term in a body becomes a link."""

import re

import pytest

from glossary.content import load_content, read_content
from glossary.models import Term
from glossary.rendering import LinkTarget, Mentions
from glossary.words import fold, words_in
from tests.conftest import CONTENT_DIR, term_file, term_form

BODY = """\
## The sponsor's view

A Sponsor hires a CRO. The sponsor stays responsible, and the CRO answers for what it takes on.

The contract research organizations are many. Write `CRO` in code. Here is [the sponsor](https://example.org/).

An ind is not an IND, and both are beside the point. A chief medical officer is not a CMO.
"""


@pytest.fixture
def linked(content, db):
    content.write("sponsor", term_file("Sponsor", "Takes responsibility."))
    content.write("cro", term_file("Contract research organization", "Runs trial work.", abbreviation="CRO"))
    content.write(
        "ind", term_file("Investigational new drug application", "An application.", abbreviation="IND")
    )
    content.write("cmo", term_file("Contract manufacturing organization", "Makes drugs.", abbreviation="CMO"))
    content.write(
        "chief-medical-officer",
        term_file(
            "Chief medical officer", "An executive.", abbreviation="CMO", sense="In company management"
        ),
    )
    content.write("essay", term_file("Essay", "A test body.", body=BODY))
    load_content(content.path)
    return content


def links_of(slug):
    return re.findall(r'data-term="([^"]+)"[^>]*>([^<]+)</a>', Term.objects.get(slug=slug).body_html)


def test_the_first_mention_of_each_term_becomes_a_link(linked):
    assert links_of("essay") == [
        ("sponsor", "Sponsor"),
        ("cro", "CRO"),
        ("ind", "IND"),
        ("chief-medical-officer", "chief medical officer"),
        ("cmo", "CMO"),
    ]


def test_headings_code_and_existing_links_are_left_alone(linked):
    html = Term.objects.get(slug="essay").body_html

    assert "<h2>The sponsor&#x27;s view</h2>" in html or "<h2>The sponsor's view</h2>" in html
    assert "<code>CRO</code>" in html
    assert '<a href="https://example.org/" rel="noopener noreferrer">the sponsor</a>' in html


def test_abbreviations_match_their_capitals_only(linked):
    assert "An ind is not" in Term.objects.get(slug="essay").body_html


def test_a_term_never_links_to_itself(linked):
    linked.write("sponsor", term_file("Sponsor", "Takes responsibility.", body="A sponsor hires a CRO.\n"))
    load_content(linked.path)

    assert links_of("sponsor") == [("cro", "CRO")]


def test_authors_can_switch_it_off_for_a_term(linked):
    linked.write("essay", term_file("Essay", "A test body.", autolink="false", body=BODY))
    load_content(linked.path)

    assert links_of("essay") == []


def test_plural_mentions_are_linked(linked):
    linked.write("essay", term_file("Essay", "A test body.", body="Some sponsors hire CROs.\n"))
    load_content(linked.path)

    assert links_of("essay") == [("sponsor", "sponsors"), ("cro", "CROs")]


def test_an_explicit_link_counts_as_the_mention(linked):
    linked.write(
        "essay", term_file("Essay", "A test body.", body="A CRO first, then [[cro|the same CRO]].\n")
    )
    load_content(linked.path)

    assert links_of("essay") == [("cro", "the same CRO")]


def test_automatic_links_are_made_on_admin_save_too(admin_client, linked):
    essay = Term.objects.get(slug="essay")
    data = term_form(essay, body="Every sponsor needs a CRO.")

    response = admin_client.post(f"/admin/glossary/term/{essay.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert links_of("essay") == [("sponsor", "sponsor"), ("cro", "CRO")]


def test_looking_only_where_a_name_can_end_finds_what_trying_every_word_finds():
    """Mentions.find() tries only the candidates() positions: they must hold every mention there is."""
    content = read_content(CONTENT_DIR)
    mentions = Mentions(
        (
            name,
            is_abbreviation,
            LinkTarget.of(t.slug, f"/terms/{t.slug}/", d.title, d.abbreviation),
            bool(d.sense),
        )
        for t, d in ((t, t.data) for t in content.terms)
        for name, is_abbreviation in [
            (d.abbreviation, True),
            (d.title, False),
            *((a, False) for a in d.aliases),
        ]
        if name
    )

    def every_word(text, skip):
        words = [w for w, _, _ in words_in(text)]
        spans = [(start, end) for _, start, end in words_in(text)]
        folded = [fold(w) for w in words]
        found, i = [], 0
        while i < len(words):
            match = mentions.match_at(i, words, folded, skip)
            start = spans[i][0]
            if match and not match[1]:
                i += match[0]  # "standard deviation": not a mention of a deviation
            elif match and text[start - 2 : start - 1].isdigit() and text[start - 1] == "/":
                i += 1  # part of a reference, "2001/83/EC"
            elif match:
                found.append((i, match[1][0].slug))
                skip.add(match[1][0].slug)
                i += match[0]
            else:
                i += 1
        return [slug for _, slug in found]

    texts = [paragraph for t in content.terms for paragraph in t.body.split("\n\n")]
    texts += [
        t.data.title + "s and " + t.data.abbreviation + "s" for t in content.terms
    ]  # plurals, at the very end
    found_anything = 0
    for text in texts:
        expected = every_word(text, set())
        assert [targets[0].slug for _, _, targets in mentions.find(text, set())] == expected, text
        found_anything += bool(expected)
    assert found_anything > 100


def test_the_longest_name_that_starts_at_a_word_is_the_mention():
    def target(slug):
        return LinkTarget(slug, f"/terms/{slug}/", slug)

    mentions = Mentions(
        (name, False, target(slug), False)
        for name, slug in [
            ("Drug", "drug"),
            ("Drug product", "drug-product"),
            ("Drug product manufacturing site", "site"),
        ]
    )

    def found(text, skip=()):
        return [(text[start:end], t[0].slug) for start, end, t in mentions.find(text, set(skip))]

    assert found("A drug product manufacturing site.") == [("drug product manufacturing site", "site")]
    assert found("A drug product manufacturing plan.") == [("drug product", "drug-product")]
    assert found("Drug products, then a drug.") == [("Drug products", "drug-product"), ("drug", "drug")]
    # A name already linked gives way to the next longest, never to nothing.
    assert found("A drug product manufacturing site.", skip={"site"}) == [("drug product", "drug-product")]


def test_an_abbreviation_inside_a_reference_is_not_a_mention(make_term):
    make_term("ethics-committee", title="Ethics committee", abbreviation="EC")
    term = make_term("qp", body="Under Directive 2001/83/EC a QP certifies batches; an EC reviews trials.")

    assert term.body_html.count('href="/terms/ethics-committee/"') == 1
    assert "2001/83/EC" in term.body_html


def test_an_everyday_phrase_that_holds_a_name_is_not_a_mention(make_term):
    make_term("deviation", "Deviation")
    term = make_term("essay", body="The standard deviation was small. A deviation was recorded.")

    assert term.body_html.count('href="/terms/deviation/"') == 1
    assert "standard deviation was" in term.body_html  # not linked
