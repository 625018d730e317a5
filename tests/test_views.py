"""Every page type: status, content, and a query count that does not grow with the data."""

import re

import pytest
from django.urls import reverse

from glossary.models import Alias, Source
from glossary.search import index_terms


@pytest.fixture
def cmo(make_term, category):
    term = make_term(
        "cmo",
        "Contract manufacturing organization",
        abbreviation="CMO",
        summary="A company that makes medicines for another company.",
        category=category,
        body="Makes **medicines**.",
    )
    Alias.objects.create(term=term, name="contract manufacturer")
    Source.objects.create(
        term=term, title="21 CFR 211.22", url="https://www.ecfr.gov/current/title-21/part-211"
    )
    return term


def relate(term, make_term, count):
    others = [make_term(f"other-{i}", f"Other term {i}") for i in range(count)]
    term.related.add(*others[: count // 2])
    for other in others[count // 2 :]:
        other.related.add(term)  # listed by the other side: still shown on this term's page
    return others


@pytest.mark.parametrize("count", [1, 30])
def test_a_term_page_costs_the_same_queries_whatever_its_related_terms(
    client, cmo, make_term, count, django_assert_num_queries
):
    relate(cmo, make_term, count)

    # the content version (page cache), term, aliases, sources, related, facets, comparisons,
    # timeline stages, other meanings of "CMO"
    with django_assert_num_queries(9):
        response = client.get(cmo.get_absolute_url())

    assert response.status_code == 200
    assert len(response.context["related"]) == count


def test_a_term_page_shows_the_whole_entry(client, cmo, make_term):
    cro = make_term("cro", "Contract research organization", abbreviation="CRO", summary="Runs trials.")
    cdmo = make_term("cdmo", "Contract development and manufacturing organization")
    cmo.related.add(cro)
    cdmo.related.add(cmo)

    response = client.get("/terms/cmo/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "<title>Contract manufacturing organization (CMO) · " in html
    assert "A company that makes medicines for another company." in html
    assert "<strong>medicines</strong>" in html
    assert "contract manufacturer" in html
    assert 'href="https://www.ecfr.gov/current/title-21/part-211"' in html
    # Related in both directions: CMO lists CRO, and CDMO lists CMO.
    assert 'href="/terms/cro/"' in html
    assert 'href="/terms/cdmo/"' in html
    assert 'href="/terms/quality/"' not in html
    assert 'href="/terms/?category=quality"' in html


def test_related_terms_show_on_both_pages(client, cmo, make_term):
    cro = make_term("cro", "Contract research organization")
    cmo.related.add(cro)

    assert 'href="/terms/cmo/"' in client.get("/terms/cro/").content.decode()


def test_an_unknown_term_is_a_helpful_404(client, db):
    response = client.get("/terms/no-such-term/")

    assert response.status_code == 404
    assert "Find the term in the A–Z index" in response.content.decode()


def test_titles_and_summaries_are_escaped(client, make_term):
    make_term("evil", "<script>alert(1)</script>", summary='"><img src=x onerror=alert(1)>')

    for url in ("/terms/evil/", "/terms/", "/definitions/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;" in html


@pytest.mark.parametrize("count", [1, 30])
def test_the_a_to_z_index_lists_terms_by_title_and_abbreviation(
    client, cmo, make_term, count, django_assert_num_queries
):
    for i in range(count):
        make_term(f"zeta-{i}", f"Zeta {i}", abbreviation=f"Z{i}")

    with django_assert_num_queries(3):
        response = client.get(reverse("glossary:term_index"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert 'id="letter-C"' in html
    assert 'href="#letter-C"' in html
    assert 'href="#letter-B"' not in html  # no term under B: not a link
    assert ">Contract manufacturing organization</a>" in html
    assert '<abbr title="Contract manufacturing organization">CMO</abbr>' in html  # the cross-reference
    assert html.count('href="/terms/zeta-') == 2 * count


@pytest.fixture
def large(monkeypatch, cmo, make_term):
    """A glossary too large for one page (the limit lowered to 3 terms): C has 4 entries, 1-9 one."""
    monkeypatch.setattr("glossary.views.INDEX_PAGE", 3)
    make_term("cro", "Contract research organization", abbreviation="CRO")
    make_term("sponsor", "Sponsor")
    make_term("phase-3", "3rd phase")


@pytest.mark.parametrize("count", [0, 30])
def test_a_large_index_is_listed_a_letter_at_a_time(
    client, large, make_term, count, django_assert_num_queries
):
    for i in range(count):
        make_term(f"zeta-{i}", f"Zeta {i}")

    # the content version, categories, the first page's worth of terms, initials of titles and of
    # abbreviations, the terms under the letter
    with django_assert_num_queries(6):
        response = client.get("/terms/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="?letter=C" aria-current="page">C</a>' in html  # the first letter, by default
    assert 'href="?letter=S">S</a>' in html
    assert 'href="?letter=%23">#</a>' in html
    assert ">Contract manufacturing organization</a>" in html
    assert ">Sponsor</a>" not in html  # under S: another page
    assert "Page 1 of 2 under C." in html  # CMO, CRO and their two titles: 4 entries, 3 a page
    assert 'href="?letter=C&amp;page=2" rel="next"' in html


def test_each_letter_and_page_of_a_large_index_has_its_own_address(client, large):
    assert ">Sponsor</a>" in client.get("/terms/?letter=s").content.decode()
    assert ">3rd phase</a>" in client.get("/terms/", {"letter": "#"}).content.decode()
    second = client.get("/terms/?letter=C&page=2").content.decode()
    assert "Page 2 of 2 under C." in second and 'rel="prev"' in second
    assert client.get("/terms/?letter=C&page=99").status_code == 200  # the last page
    assert "No terms under Q." in client.get("/terms/?letter=Q").content.decode()
    definitions = client.get("/definitions/?letter=S").content.decode()
    assert ">Sponsor</a>" in definitions and "a letter at a time" in definitions


@pytest.mark.parametrize("value", ["ZZ", "<b>", "é" * 500])
def test_a_large_index_answers_a_letter_it_does_not_have_with_a_note(client, large, value):
    response = client.get("/terms/", {"letter": value})

    html = response.content.decode()
    assert response.status_code == 404
    assert "is not a letter of the index" in html
    assert ">Contract manufacturing organization</a>" in html
    assert "<b>" not in html.split("<main")[1]


def test_the_index_can_be_narrowed_to_a_category(client, cmo, make_term):
    make_term("phase-1", "Phase 1 clinical trial")

    response = client.get("/terms/?category=quality")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Manufacturing and quality</h1>" in html
    assert 'href="/terms/cmo/"' in html
    assert 'href="/terms/phase-1/"' not in html
    assert 'aria-current="page">Manufacturing and quality' in html


@pytest.mark.parametrize("value", ["nope", "<script>", "x" * 5000, "quality'--"])
def test_an_unknown_category_shows_every_term_with_a_note(client, cmo, value):
    response = client.get("/terms/", {"category": value})

    html = response.content.decode()
    assert response.status_code == 404
    assert "There is no topic called" in html
    assert 'href="/terms/cmo/"' in html
    assert "<script>" not in html.split("<main")[1]


@pytest.mark.parametrize("count", [1, 30])
def test_the_definitions_page_shows_every_summary(client, cmo, make_term, count, django_assert_num_queries):
    for i in range(count):
        make_term(f"term-{i}", f"Term {i}", summary=f"Summary number {i}.")

    with django_assert_num_queries(2):
        response = client.get(reverse("glossary:term_definitions"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "A company that makes medicines for another company." in html
    assert html.count("Summary number") == count
    assert "Manufacturing and quality" in html


@pytest.mark.parametrize("count", [0, 30])
def test_the_home_page_leads_to_the_core_terms_and_topics(
    client, cmo, make_term, count, django_assert_num_queries
):
    for i in range(count):
        make_term(f"term-{i}", f"Term {i}")

    # the content version (page cache), core terms, categories, count, comparisons, timeline stages
    with django_assert_num_queries(6):
        response = client.get(reverse("glossary:home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert 'href="/terms/cmo/"' in html
    assert 'href="/terms/?category=quality"' in html
    assert 'href="/terms/"' in html
    assert 'href="/definitions/"' in html
    assert f"explains {count + 1} terms" in html


def test_every_page_has_a_language_a_skip_link_and_landmarks(client, cmo):
    for url in ("/", "/terms/", "/definitions/", "/terms/cmo/"):
        html = client.get(url).content.decode()
        assert '<html lang="en-US">' in html
        assert 'class="skip-link" href="#main"' in html
        assert '<main id="main"' in html
        assert "<header" in html and "<footer" in html and "<nav" in html
        # Nothing is loaded from another site (links to the page's own address are fine).
        assert not re.search(r'(src|href)="https?://(?!testserver/)', html.split("<body")[0])


def test_the_sitemap_lists_every_term(client, cmo, make_term):
    make_term("cro", "Contract research organization")

    response = client.get("/sitemap.xml")

    xml = response.content.decode()
    assert response.status_code == 200
    assert "<loc>http://testserver/terms/cmo/</loc>" in xml
    assert "<loc>http://testserver/terms/cro/</loc>" in xml
    assert "<loc>http://testserver/terms/</loc>" in xml


@pytest.mark.parametrize("count", [0, 30])
@pytest.mark.parametrize(
    "url, queries",
    [
        # the content version (page cache), term, aliases, sources, related, facets, comparable terms,
        # comparisons, timeline stages and bands, other meanings of "CMO"
        ("/terms/cmo/", 11),
        # the content version, categories, terms
        ("/terms/", 3),
        # the content version, comparison, its terms, aspects, facets, sources, other comparisons
        ("/compare/cmo-vs-cdmo/", 7),
        # the content version, exact names, names starting with the query, text matches, the terms
        ("/search/?q=contract", 5),
        # the content version, quiz, questions, options
        ("/quiz/which-fits/", 5),  # and the attempt its cookie names
    ],
)
def test_each_page_of_the_real_glossary_costs_the_same_queries_whatever_the_number_of_terms(
    client, glossary, make_term, count, url, queries, django_assert_num_queries
):
    extra = [
        make_term(f"contract-{i}", f"Contract term {i}", summary="Under contract.") for i in range(count)
    ]
    index_terms([t.pk for t in extra])

    with django_assert_num_queries(queries):
        response = client.get(url)

    assert response.status_code == 200


def test_an_entry_without_sources_does_not_claim_to_be_checked_against_them(client, make_term):
    import datetime

    make_term("unsourced", "Unsourced term", reviewed=datetime.date(2026, 1, 5))

    html = client.get("/terms/unsourced/").content.decode()

    assert "No source listed yet" in html
    assert "Last checked against its sources" not in html


def test_cgmp_is_spelled_one_way_across_the_site(client, glossary):
    """FDA writes CGMP; the site writes cGMP everywhere but where it says FDA's spelling."""
    pages = ["/", "/advisor/?stage=approved-commercial&formulation=fixed&need=commercial-supply&own-capacity=yes",
             "/definitions/", "/timeline/", "/quiz/which-fits/", "/compare/cmo-vs-cdmo/"]  # fmt: skip
    for path in pages:
        text = re.sub(r"<[^>]+>", " ", client.get(path).content.decode())
        assert re.findall(r"\bCGMP\b", text.replace("FDA writes CGMP", "")) == [], path


def test_the_home_timeline_is_not_said_to_hold_only_partners(client, glossary):
    html = client.get("/").content.decode()

    assert "Where each partner comes in" not in html
    assert "Who and what comes in at each stage" in html
