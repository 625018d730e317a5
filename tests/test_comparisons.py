"""Comparisons: built from the terms' facets, checked like terms, reachable in any order of terms."""

import re

import pytest

from glossary.content import load_content
from glossary.models import Aspect, Comparison, ComparisonTerm, Facet, Term
from tests.conftest import problems_of, term_file

ASPECTS = """\
- slug: role
  name: What it is
- slug: rules
  name: Rules that govern it
- slug: delivers
  name: What it delivers
- slug: participants
  name: Who takes part
- slug: purpose
  name: Main question it answers
- slug: duration
  name: Typical length
"""


def with_facets(slug, title, abbreviation, **facets):
    lines = "".join(f"\n  {aspect}: '{text}'" for aspect, text in facets.items())
    return term_file(title, f"What a {slug} is.", abbreviation=abbreviation, facets=lines)


COMPARISON = """\
---
title: CRO vs CMO
summary: One runs trials, the other makes the drug.
terms: [cro, cmo]
aspects: [role, rules]
---
A [[cro]] and a [[cmo]] work for the same [[sponsor]].
"""


@pytest.fixture
def compared(content, db):
    content.file("aspects.yml", ASPECTS)
    # Organizations answer what they deliver; trials, who takes part and for how long. Both kinds
    # answer "What it is" and the rules, as nearly every term does.
    content.write(
        "cro",
        with_facets(
            "cro",
            "Contract research organization",
            "CRO",
            role="Runs trial work.",
            rules="[[sponsor|Sponsor]] duties under 21 CFR 312.52.",
            delivers="Trial data.",
        ),
    )
    content.write(
        "cmo",
        with_facets(
            "cmo",
            "Contract manufacturing organization",
            "CMO",
            role="Makes the drug.",
            rules="CGMP.",
            delivers="Batches.",
        ),
    )
    content.write(
        "sponsor",
        with_facets(
            "sponsor", "Sponsor", "", role="Takes responsibility for a trial.", delivers="An application."
        ),
    )
    content.write(
        "phase-1",
        with_facets(
            "phase-1",
            "Phase 1 clinical trial",
            "",
            role="A first trial in people.",
            rules="21 CFR 312.21(a).",
            participants="20 to 80 people.",
            purpose="Is it safe?",
            duration="Months.",
        ),
    )
    content.write(
        "phase-2",
        with_facets(
            "phase-2",
            "Phase 2 clinical trial",
            "",
            role="A trial in patients.",
            rules="21 CFR 312.21(b).",
            participants="Up to a few hundred patients.",
            purpose="Does it work?",
        ),
    )
    content.write("cro-vs-cmo", COMPARISON, folder="comparisons")
    return content


@pytest.fixture
def loaded(compared):
    load_content(compared.path)
    return compared


# Loading


def test_a_comparison_loads_with_its_terms_rows_and_narrative(loaded):
    comparison = Comparison.objects.get(slug="cro-vs-cmo")

    assert [t.slug for t in comparison.ordered_terms()] == ["cro", "cmo"]
    assert [a.slug for a in comparison.ordered_aspects()] == ["role", "rules"]
    assert 'href="/terms/sponsor/"' in comparison.body_html
    facet = Facet.objects.get(term__slug="cro", aspect__slug="rules")
    assert (
        facet.text_html
        == '<p><a class="term-link" data-term="sponsor" href="/terms/sponsor/" rel="noopener noreferrer">Sponsor</a> duties under 21 CFR 312.52.</p>'
    )


def test_reloading_unchanged_comparisons_changes_nothing(loaded):
    report = load_content(loaded.path)

    assert not report.changed
    assert report.counts["comparisons"].unchanged == ["cro-vs-cmo"]


def test_a_changed_facet_updates_its_term_only(loaded):
    loaded.write(
        "cmo",
        with_facets(
            "cmo", "Contract manufacturing organization", "CMO", role="Manufactures the drug.", rules="CGMP."
        ),
    )

    report = load_content(loaded.path)

    assert report.counts["terms"].updated == ["cmo"]
    assert Facet.objects.get(term__slug="cmo", aspect__slug="role").text == "Manufactures the drug."


def test_a_comparison_naming_an_unknown_term_is_refused(compared, db):
    compared.write("cro-vs-cdmo", COMPARISON.replace("[cro, cmo]", "[cro, cdmo]"), folder="comparisons")

    problems = problems_of(compared.path)

    assert (
        f"{compared.path}/comparisons/cro-vs-cdmo.md:4: term “cdmo” does not exist (did you mean “cmo”?)"
        in problems
    )
    assert not Term.objects.exists()


def test_a_row_that_misses_a_term_is_refused_with_the_file_to_fix(compared, db):
    compared.write("cro-vs-sponsor", COMPARISON.replace("[cro, cmo]", "[cro, sponsor]"), folder="comparisons")

    problems = problems_of(compared.path)

    assert problems == [
        f"{compared.path}/comparisons/cro-vs-sponsor.md:5: the row “rules” misses sponsor: "
        f"add “rules:” under “facets” in {compared.path}/terms/sponsor.md"
    ]


def test_an_unknown_aspect_is_refused(compared, db):
    compared.write("cro-vs-cmo", COMPARISON.replace("[role, rules]", "[role, rulez]"), folder="comparisons")

    assert problems_of(compared.path) == [
        f"{compared.path}/comparisons/cro-vs-cmo.md:5: aspect “rulez” is not in aspects.yml (did you mean “rules”?)"
    ]


def test_a_facet_for_an_unknown_aspect_is_refused(compared, db):
    compared.write(
        "cmo",
        with_facets(
            "cmo", "Contract manufacturing organization", "CMO", role="Makes.", rules="CGMP.", price="Varies."
        ),
    )

    assert problems_of(compared.path) == [
        f"{compared.path}/terms/cmo.md:8: facet “price” is not an aspect in aspects.yml"
    ]


def test_a_comparison_is_found_by_its_terms_whatever_its_address(compared, client):
    # Its address is its own: it stays when one of its terms is renamed.
    compared.remove("cro-vs-cmo", folder="comparisons")
    compared.write("outsourcing", COMPARISON, folder="comparisons")
    load_content(compared.path)

    response = client.get("/compare/cmo-vs-cro/")

    assert response.status_code == 301
    assert response["Location"] == "/compare/outsourcing/"


def test_the_same_terms_cannot_be_compared_twice(compared, db):
    compared.write("cmo-vs-cro", COMPARISON.replace("[cro, cmo]", "[cmo, cro]"), folder="comparisons")

    problems = problems_of(compared.path)

    assert any("these terms are already compared in" in p for p in problems), problems


def test_a_comparison_needs_two_to_four_terms(compared, db):
    compared.write("cro", COMPARISON.replace("[cro, cmo]", "[cro]"), folder="comparisons")

    assert any("a comparison needs 2 to 4 terms, not 1" in p for p in problems_of(compared.path))


def test_a_broken_link_in_a_facet_is_reported_on_its_line(compared, db):
    compared.write(
        "cmo",
        with_facets(
            "cmo", "Contract manufacturing organization", "CMO", role="Makes.", rules="See [[nope]]."
        ),
    )

    assert problems_of(compared.path) == [
        f"{compared.path}/terms/cmo.md:7: [[nope]] links to a term that does not exist"
    ]


def test_removing_a_comparison_file_removes_the_page(loaded):
    loaded.remove("cro-vs-cmo", folder="comparisons")

    report = load_content(loaded.path, prune=True)

    assert report.counts["comparisons"].removed == ["cro-vs-cmo"]
    assert not Comparison.objects.exists()


# Pages


@pytest.mark.parametrize("extra_aspects", [0, 20])
def test_a_comparison_page_shows_the_table_narrative_and_sources(
    client, loaded, extra_aspects, django_assert_num_queries
):
    comparison = Comparison.objects.get()
    for i in range(extra_aspects):
        aspect = comparison.aspects.create(slug=f"extra-{i}", name=f"Extra {i}", position=10 + i)
        for term in comparison.terms.all():
            Facet.objects.create(term=term, aspect=aspect, text=f"cell {i}")

    # the content version, comparison, its terms, aspects, facets, sources, other comparisons
    with django_assert_num_queries(7):
        response = client.get("/compare/cro-vs-cmo/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "<title>CRO vs CMO: what is the difference? · " in html
    assert '<tr id="row-role">' in html
    assert '<th scope="row">What it is</th>' in html
    assert '<td data-label="CRO"><p>Runs trial work.</p></td>' in html
    assert '<td data-label="CMO"><p>Makes the drug.</p></td>' in html
    assert html.count("<p>cell ") == 2 * extra_aspects
    assert 'href="/terms/sponsor/"' in html  # the narrative's link


def test_any_other_order_of_the_terms_redirects_permanently(client, loaded):
    response = client.get("/compare/cmo-vs-cro/")

    assert response.status_code == 301
    assert response["Location"] == "/compare/cro-vs-cmo/"


def test_asking_for_the_terms_of_an_authored_comparison_redirects_to_it(client, loaded):
    response = client.get("/compare/", {"terms": "cmo,cro"})

    assert response.status_code == 301
    assert response["Location"] == "/compare/cro-vs-cmo/"


def test_any_two_terms_are_compared_on_the_aspects_they_share(client, loaded, django_assert_num_queries):
    # the content version, terms, authored comparison, aspects, facets, sources, other comparisons
    with django_assert_num_queries(7):
        response = client.get("/compare/", {"terms": ["sponsor", "cro"]})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Sponsor vs CRO</h1>" in html
    assert 'id="row-role"' in html
    assert 'id="row-rules"' not in html  # only the CRO answers it
    assert '<meta name="robots" content="noindex">' in html


def rows_of(html):
    return re.findall(r'<tr id="row-([a-z-]+)">', html)


def section(html, heading_id):
    """The HTML of the <section> labelled by `heading_id` ("" if there is none)."""
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_a_generated_table_follows_the_order_of_aspects_yml(client, loaded):
    # Neither the order the aspects were created in (their ids) nor their slugs' order.
    loaded.write(
        "sponsor",
        with_facets(
            "sponsor", "Sponsor", "", role="Takes responsibility.", rules="Part 312.", delivers="An IND."
        ),
    )
    aspects = ASPECTS.split("- slug: ")[1:]
    order = ["rules", "delivers", "role", "participants", "purpose", "duration"]
    loaded.file(
        "aspects.yml", "".join(f"- slug: {a}" for o in order for a in aspects if a.startswith(o + "\n"))
    )
    load_content(loaded.path)

    html = client.get("/compare/", {"terms": "sponsor,cro"}).content.decode()

    assert rows_of(html) == ["rules", "delivers", "role"]


def test_an_authored_comparison_keeps_its_authors_order_of_rows(client, loaded):
    loaded.write("cro-vs-cmo", COMPARISON.replace("[role, rules]", "[rules, role]"), folder="comparisons")
    load_content(loaded.path)

    html = client.get("/compare/cro-vs-cmo/").content.decode()

    assert rows_of(html) == ["rules", "role"]


def test_terms_that_share_no_aspect_are_explained_not_tabled(client, loaded, make_term):
    make_term("drug-discovery", "Drug discovery")  # answers no aspect: nothing to suggest either

    response = client.get("/compare/", {"terms": "drug-discovery,cro"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "are not the same kind of thing, so there is nothing to set side by side" in html
    assert "<table" not in html
    assert 'id="suggested-title"' not in html
    assert "Read them one at a time." in html


@pytest.mark.parametrize("extra_terms", [0, 12])
def test_terms_that_share_only_generic_aspects_get_suggestions_instead_of_a_table(
    client, loaded, make_term, extra_terms, django_assert_num_queries
):
    # A CRO and a phase 1 trial both answer "What it is" and the rules, two of the six questions
    # either answers: a table of those would not tell them apart.
    for i in range(extra_terms):
        Facet.objects.create(
            term=make_term(f"org-{i}"), aspect=Aspect.objects.get(slug="role"), text="A firm."
        )

    # the content version, terms, authored comparison, aspects, suggestions, sources, other comparisons
    with django_assert_num_queries(7):
        response = client.get("/compare/", {"terms": "cro,phase-1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "are not the same kind of thing, so there is nothing to set side by side" in html
    assert "<table" not in html
    suggested = section(html, "suggested-title")
    assert "Compare CRO with a term of its kind" in suggested
    # The term it is already compared with first, then the others of its kind.
    assert re.findall(r'href="/compare/\?terms=([a-z0-9,-]+)"', suggested) == ["cro,cmo", "cro,sponsor"]
    assert ">CRO vs CMO</a>" in suggested


def test_suggestions_are_the_terms_it_is_compared_with_then_those_of_its_category(client, loaded):
    def organization(slug, title, category):
        facets = "".join(f"\n  {a}: 'Answered.'" for a in ("role", "rules", "delivers"))
        return term_file(title, "What it is.", facets=facets, category=category)

    loaded.write("cro", organization("cro", "Contract research organization", "organizations"))
    loaded.write("qa", organization("qa", "Quality assurance", "quality"))
    loaded.write("smo", organization("smo", "Site management organization", "organizations"))
    load_content(loaded.path)

    html = client.get("/compare/", {"terms": "cro,phase-1"}).content.decode()

    suggested = section(html, "suggested-title")
    # Not QA or the sponsor, as alike as they are: a table of them would contradict this page.
    assert re.findall(r'href="/compare/\?terms=([a-z0-9,-]+)"', suggested) == [
        "cro,cmo",  # compared with it
        "cro,smo",  # of its category
    ]


def test_suggestions_are_of_the_first_terms_kind(client, loaded):
    html = client.get("/compare/", {"terms": "phase-1,cro"}).content.decode()

    suggested = section(html, "suggested-title")
    assert re.findall(r'href="/compare/\?terms=([a-z0-9,-]+)"', suggested) == ["phase-1,phase-2"]


def test_terms_of_one_kind_are_compared_even_without_a_written_comparison(client, loaded):
    html = client.get("/compare/", {"terms": "phase-2,phase-1"}).content.decode()

    assert rows_of(html) == ["role", "rules", "participants", "purpose"]
    assert 'id="suggested-title"' not in html


OTHERS = """\
---
title: {title}
summary: How they differ.
terms: [{terms}]
aspects: [role]
---
Text.
"""


@pytest.mark.parametrize("extra_comparisons", [0, 10])
def test_a_comparison_page_links_to_the_other_comparisons_of_its_terms(
    client, loaded, make_term, extra_comparisons, django_assert_num_queries
):
    loaded.write(
        "cro-vs-sponsor", OTHERS.format(title="CRO vs sponsor", terms="cro, sponsor"), folder="comparisons"
    )
    loaded.write(
        "phase-1-vs-phase-2",
        OTHERS.format(title="Phase 1 vs 2", terms="phase-1, phase-2"),
        folder="comparisons",
    )
    load_content(loaded.path)
    cmo = Term.objects.get(slug="cmo")
    for i in range(extra_comparisons):
        comparison = Comparison.objects.create(slug=f"cmo-vs-{i}", title=f"CMO vs {i}", summary="Differs.")
        ComparisonTerm.objects.create(comparison=comparison, term=cmo, position=0)
        ComparisonTerm.objects.create(comparison=comparison, term=make_term(f"other-{i}"), position=1)

    with django_assert_num_queries(7):
        response = client.get("/compare/cro-vs-cmo/")

    others = section(response.content.decode(), "other-comparisons-title")
    assert "Other comparisons of these terms" in others
    assert '<a href="/compare/cro-vs-sponsor/">CRO vs sponsor</a>' in others
    assert others.count("<li>") == 1 + extra_comparisons
    assert "/compare/cro-vs-cmo/" not in others  # not itself
    assert "phase-1-vs-phase-2" not in others  # shares no term with it


def test_a_generated_comparison_links_to_the_comparisons_of_its_terms(client, loaded):
    html = client.get("/compare/", {"terms": "sponsor,cmo"}).content.decode()

    others = section(html, "other-comparisons-title")
    assert '<a href="/compare/cro-vs-cmo/">CRO vs CMO</a>' in others


def test_a_vs_address_for_terms_without_a_page_goes_to_the_generated_comparison(client, loaded):
    response = client.get("/compare/sponsor-vs-cro/")

    assert response.status_code == 302
    assert response["Location"] == "/compare/?terms=sponsor,cro"


@pytest.mark.parametrize(
    "query, message",
    [
        ({"terms": "cro"}, "Choose two different terms to compare."),
        ({"terms": ""}, "Choose two different terms to compare."),
        ({"terms": "cro,cro"}, "Choose two different terms to compare."),
        ({"terms": "cro,nope"}, "There is no term “nope” in the glossary."),
        (
            {"terms": "cro,<script>alert(1)</script>"},
            "There is no term “&lt;script&gt;alert(1)&lt;/script&gt;”",
        ),
        ({"terms": "a,b,c,d,e"}, "Choose at most 4 terms."),
        ({"terms": "x" * 10000}, "Choose at most 4 terms."),
        ({"terms": ["a"] * 50}, "Choose at most 4 terms."),
    ],
)
def test_a_malformed_comparison_request_gets_a_400_with_a_reason(client, loaded, query, message):
    response = client.get("/compare/", query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<script>alert" not in response.content.decode()


def test_an_unknown_comparison_is_a_404(client, loaded):
    assert client.get("/compare/nothing-here/").status_code == 404
    assert client.get("/compare/cro-vs-nope/").status_code == 404


def test_the_index_lists_comparisons_and_offers_any_two(client, loaded, django_assert_num_queries):
    with django_assert_num_queries(3):
        response = client.get("/compare/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/compare/cro-vs-cmo/"' in html
    assert '<select id="compare-first" name="terms" required>' in html
    assert '<option value="phase-1">' in html


def test_a_term_page_lists_its_comparisons_and_offers_to_compare(client, loaded):
    html = client.get("/terms/cro/").content.decode()

    assert 'href="/compare/cro-vs-cmo/"' in html
    assert '<input type="hidden" name="terms" value="cro">' in html
    assert '<option value="sponsor">' in html
    assert '<option value="phase-1">' not in html  # shares only "What it is" and the rules with it
    assert "At a glance" in html


def test_a_term_page_offers_only_terms_of_its_kind_to_compare_with(client, loaded):
    html = client.get("/terms/phase-1/").content.decode()

    assert re.findall(r'<option value="([a-z0-9-]+)">', html) == ["phase-2"]


def test_a_term_page_names_its_comparisons_at_the_top(client, loaded):
    html = client.get("/terms/cmo/").content.decode()

    header = html[
        html.index('<header class="entry-header">') : html.index("</header>", html.index("entry-header"))
    ]
    assert '<span class="label">Compared with:</span> <a href="/compare/cro-vs-cmo/">CRO vs CMO</a>' in header


def test_the_sitemap_lists_comparisons_and_the_timeline(client, loaded):
    xml = client.get("/sitemap.xml").content.decode()

    assert "<loc>http://testserver/compare/cro-vs-cmo/</loc>" in xml
    assert "<loc>http://testserver/compare/</loc>" in xml
    assert "<loc>http://testserver/timeline/</loc>" in xml
