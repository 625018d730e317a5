"""Markdown is rendered once, sanitised with an allow-list, and [[links]] resolved."""

import pytest

from glossary.rendering import LinkTarget, render_markdown, running_text, wikilink_slugs

TARGETS = {"cro": LinkTarget("cro", "/terms/cro/", "CRO")}


def render(text):
    return render_markdown(text, TARGETS.get)


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<iframe src="https://example.org"></iframe>',
    '<p onclick="alert(1)" style="color:red">text</p>',
    "<svg><script>alert(1)</script></svg>",
    '<object data="x.swf"></object>',
    "<form action=/x><input name=a></form>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "[[cro|<script>alert(1)</script>]]",
    "<style>body{display:none}</style>",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_comes_out_inert(text):
    html = render(text).html.lower()

    for dangerous in (
        "<script",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "<svg",
        "<object",
        "<form",
        "<input",
        "style=",
        "<style",
        "data:text",
    ):
        assert dangerous not in html, (text, html)


def test_script_content_is_removed_not_just_its_tags():
    assert "alert" not in render("<script>alert(1)</script>").html


def test_plain_formatting_survives():
    html = render("**bold** *it* `code`\n\n- a\n- b\n\n| h |\n|---|\n| c |\n\n> quote").html

    for tag in (
        "<strong>bold</strong>",
        "<em>it</em>",
        "<code>code</code>",
        "<li>a</li>",
        "<th>h</th>",
        "<td>c</td>",
        "<blockquote>",
    ):
        assert tag in html


def test_external_links_keep_their_address():
    assert '<a href="https://www.ecfr.gov/"' in render("[eCFR](https://www.ecfr.gov/)").html


def test_a_wikilink_uses_the_terms_short_label_by_default():
    result = render("Hire a [[cro]].")

    assert '<a class="term-link" data-term="cro" href="/terms/cro/"' in result.html
    assert ">CRO</a>" in result.html
    assert result.linked == ["cro"]
    assert result.missing == []


def test_a_wikilink_can_carry_its_own_words():
    assert ">research partner</a>" in render("A [[cro|research partner]].").html


def test_a_wikilink_to_an_unknown_term_is_reported_and_not_linked():
    result = render("See [[nope]] and [[nope|again]].")

    assert result.missing == ["nope"]
    assert "<a" not in result.html
    assert '<span class="missing-term">nope</span>' in result.html


def test_wikilinks_in_code_stay_literal():
    result = render("Write `[[cro]]` to link.")

    assert "<code>[[cro]]</code>" in result.html
    assert result.linked == []


def test_a_top_level_heading_in_a_body_becomes_h2():
    html = render("# Overview\n\ntext").html

    assert "<h1" not in html
    assert "<h2>Overview</h2>" in html


def test_wikilink_slugs_finds_every_linked_slug():
    assert wikilink_slugs("[[cro]] and [[cmo|makers]] and [[ cdmo ]]") == {"cro", "cmo", "cdmo"}


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Drug product", "drug product"),
        ("Phase 1 clinical trial", "phase 1 clinical trial"),
        ("ICH Q7", "ICH Q7"),
        ("X", "X"),
    ],
)
def test_a_title_used_as_a_link_label_reads_as_running_text(title, expected):
    assert running_text(title) == expected
