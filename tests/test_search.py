"""Search over the real glossary: tolerant, ranked, safe. Runs on SQLite and, in CI, on PostgreSQL too."""

import pytest

from glossary.models import SearchDocument, SearchName, Term
from glossary.search import deletions, search
from glossary.words import fold, key, words


def slugs(query):
    return [hit.term.slug for hit in search(query).hits]


@pytest.mark.parametrize("query", ["c.g.m.p.", "cGMP", "CGMP", "  cgmp ", "C-GMP"])
def test_case_punctuation_and_spacing_do_not_matter(glossary, query):
    results = search(query)

    assert results.hits[0].term.slug == "cgmp"
    assert results.single.slug == "cgmp"


def test_plurals_find_the_singular_entry(glossary):
    assert search("contract research organizations").single.slug == "cro"
    assert slugs("stability studies")[0] == "stability-study"


@pytest.mark.parametrize(
    "query, slug",
    [
        ("fomulation", "formulation"),
        ("technolgy transfer", "technology-transfer"),
        ("stabilty", "stability-study"),
    ],
)
def test_small_typos_are_corrected(glossary, query, slug):
    results = search(query)

    assert results.corrected
    assert results.hits[0].term.slug == slug


def test_exact_abbreviation_and_title_come_before_other_names_prefixes_and_text(glossary):
    hits = search("CMO").hits

    assert [h.rank for h in hits] == sorted(h.rank for h in hits)
    assert [h.rank for h in hits[:2]] == [0, 0]
    assert {h.rank for h in hits} == {0, 3}
    assert [h.rank for h in search("quality").hits][:3] == [2, 2, 2]


def test_a_lone_exact_name_is_the_single_hit_and_nothing_else_is_fetched(glossary, django_assert_num_queries):
    with django_assert_num_queries(2):
        results = search("sponsor")

    assert [h.term.slug for h in results.hits] == ["sponsor"]
    assert results.single.slug == "sponsor"


def test_other_names_match(glossary):
    hits = search("first-in-human study").hits

    assert hits[0].term.slug == "first-in-human"
    assert hits[0].reason == "Other name: first-in-human study"


def test_prefixes_match_names(glossary):
    hits = search("phase").hits

    assert {"phase-0", "phase-1", "phase-2", "phase-3", "phase-4"} <= {
        h.term.slug for h in hits if h.rank == 2
    }


def test_text_matches_find_words_in_summaries_and_bodies(glossary):
    hits = search("placebo").hits

    assert "investigational-product" in [h.term.slug for h in hits]
    assert all(h.rank == 3 for h in hits)


def test_an_abbreviation_with_two_meanings_shows_both_main_sense_first(glossary):
    results = search("CMO")

    assert results.single is None
    assert [h.term.slug for h in results.hits[:2]] == ["cmo", "chief-medical-officer"]
    assert [h.term.slug for h in search("CRO").hits[:2]] == ["cro", "chief-revenue-officer"]


def test_nonsense_finds_nothing(glossary):
    assert search("zqxwv").hits == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 10000,
        "<script>alert(1)</script>",
        "'; DROP TABLE glossary_term; --",
        "\x00\x1b[31m",
        '"*',
        "AND OR NOT",
        "NEAR(a b)",
        "a:b",
        "^",
    ],
)
def test_hostile_queries_get_a_normal_page(client, glossary, query):
    response = client.get("/search/", {"q": query})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert Term.objects.exists()


def test_a_single_clear_hit_goes_straight_to_the_entry(client, glossary):
    response = client.get("/search/", {"q": "chemistry, manufacturing and controls"})

    assert response.status_code == 302
    assert response["Location"] == "/terms/cmc/"


def test_the_results_page_explains_each_match_and_highlights_it(client, glossary):
    response = client.get("/search/", {"q": "placebo"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Results for “placebo”" in html
    assert "<mark>placebo" in html.lower() or "<mark>Placebo" in html
    assert "Mentions your search" in html


def test_a_corrected_query_says_so(client, glossary):
    html = client.get("/search/", {"q": "fomulation"}).content.decode()

    assert "Showing results for <strong>formulation</strong>" in html


def test_no_result_says_so_and_offers_the_a_to_z(client, glossary):
    html = client.get("/search/", {"q": "phxqz"}).content.decode()

    assert "No term matches “phxqz”." in html
    assert 'href="/terms/">browse the A–Z index' in html
    assert 'href="/terms/phase-1/"' in html  # terms that start the same way


def test_every_page_has_a_search_box(client, glossary):
    for url in ("/", "/terms/", "/terms/cmo/", "/compare/", "/timeline/"):
        assert (
            '<form class="site-search" role="search" method="get" action="/search/"'
            in client.get(url).content.decode()
        )


def test_suggestions_start_at_the_second_character(client, glossary, django_assert_max_num_queries):
    assert client.get("/search/suggest/", {"q": "c"}).json() == {"results": []}

    with django_assert_max_num_queries(2):
        data = client.get("/search/suggest/", {"q": "cd"}).json()

    assert [r["abbreviation"] for r in data["results"][:2]] == ["CDM", "CDMO"]  # exact names, in order
    assert data["results"][1]["url"] == "/terms/cdmo/"


def test_suggestions_put_exact_matches_and_main_senses_first(client, glossary):
    results = client.get("/search/suggest/", {"q": "cmo"}).json()["results"]

    assert [r["url"] for r in results[:2]] == ["/terms/cmo/", "/terms/chief-medical-officer/"]
    assert results[1]["sense"] == "In company management"


@pytest.mark.parametrize("query", ["x" * 5000, "<b>", "%", "_"])
def test_odd_suggestion_queries_are_harmless(client, glossary, query):
    response = client.get("/search/suggest/", {"q": query})

    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_a_term_preview_is_a_small_json_document(client, glossary):
    data = client.get("/terms/cmo/preview.json").json()

    assert data["abbreviation"] == "CMO"
    assert data["title"] == "Contract manufacturing organization"
    assert data["summary"].startswith("A company")
    assert client.get("/terms/nope/preview.json").status_code == 404


def test_the_index_is_built_at_load_time_for_every_term(glossary):
    count = Term.objects.count()

    assert SearchDocument.objects.count() == count
    assert SearchName.objects.filter(term__slug="cgmp", name="CGMP").exists()  # an other name


def test_the_words_are_normalised_the_same_way_for_both_databases():
    assert key("Contract Research Organizations") == "contract research organization"
    assert key("c.G.M.P.") == "cgmp"  # capitals written with dots are one word
    assert key("U.S. FDA's sponsor-investigator") == "us fda s sponsor investigator"
    # Accents, ligatures and other letters of the same word come out as plain ASCII, as typed.
    assert key("Crème BRÛLÉE ﬁlling") == "creme brulee filling"
    assert [fold(w) for w in ("studies", "process", "batches", "CROs")] == [
        "study",
        "process",
        "batch",
        "cro",
    ]
    assert key("Phase III, phase three, Part II, I") == "phase 3 phase 3 part 2 i"
    # British spellings meet the American ones the names are written in.
    assert key("organisations programme randomised analysed") == key(
        "organizations program randomized analyzed"
    )
    assert "cdmo" in deletions("cdmo") and "cdm" in deletions("cdmo")


def test_a_disambiguated_entry_names_its_other_meaning(client, glossary):
    html = client.get("/terms/chief-medical-officer/").content.decode()

    assert "Not to be confused with" in html
    assert 'href="/terms/cmo/">Contract manufacturing organization</a>' in html
    assert "In company management" in html


def test_snippets_quote_the_published_text_not_the_markup(client, glossary):
    html = client.get("/search/", {"q": "CMO"}).content.decode()

    assert "<mark>CMO</mark>" in html
    assert "[[" not in html and "<mark>cmo</mark>" not in html


@pytest.mark.parametrize("query", ["SAD", "CoA", "xyz"])
def test_a_short_query_is_never_turned_into_another_abbreviation_or_a_little_word(glossary, query):
    results = search(query)

    assert results.corrected not in ("and", "cmo", "cro", "api")


@pytest.mark.parametrize("query, meant", [("CRN", "CRA"), ("CDO", "CDA"), ("PMO", "CMO"), ("cdmp", "CDMO")])
def test_a_query_that_may_be_an_abbreviation_is_not_replaced_but_offered_a_did_you_mean(
    client, glossary, query, meant
):
    results = search(query)

    assert results.corrected == "" and results.hits == []
    assert results.suggestion == meant
    html = client.get("/search/", {"q": query}).content.decode()
    assert f'No term matches “{query}”. Did you mean <a href="/search/?q={meant}">{meant}</a>?' in html


@pytest.mark.parametrize("query", ["phase 3", "Phase III", "phase three", "PHASE-3"])
def test_every_way_of_writing_phase_3_goes_straight_to_it(client, glossary, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 302 and response["Location"] == "/terms/phase-3/"


def test_a_number_is_never_found_inside_a_regulation_number(glossary):
    """ "3" is not in "312.3" or "30 days"; a query that is a section number finds that section."""
    for hit in search("hold 3").hits:
        term = hit.term
        text = " ".join([term.title, term.summary, term.body, *term.aliases.values_list("name", flat=True)])
        assert "3" in words(text), term.slug  # "3" itself, or "three"/"III" after "phase"
    assert Term.objects.filter(body__contains="312.3").exists() and "312.3" not in words("3")
    found = slugs("312.21")
    assert found and all("312.21" in Term.objects.get(slug=s).body for s in found)


@pytest.mark.parametrize(
    "query, slug",
    [("toxicology", "glp"), ("toxicity", "preclinical-studies"), ("assay", "specification"),
     ("pharmacokinetics", "bioequivalence"), ("data management", "clinical-data-management")],
)  # fmt: skip
def test_other_forms_of_a_word_find_the_pages_that_use_them(glossary, query, slug):
    assert slug in slugs(query) or search(query).single.slug == slug


def test_snippets_mark_the_words_found_under_another_form(client, glossary):
    html = client.get("/search/", {"q": "toxicology"}).content.decode()

    assert "<mark>toxicity</mark>" in html
    assert "<mark>3</mark>" not in client.get("/search/", {"q": "stage 3 trial"}).content.decode()


def test_a_new_renderer_version_indexes_every_term_again(authored, monkeypatch):
    """A change to how words are normalised reaches the search rows of entries whose files did not change."""
    from glossary.content import load_content, plan

    SearchName.objects.filter(term__slug="cro").update(key="stale", compact="stale")
    SearchDocument.objects.filter(term__slug="cro").update(text="stale")
    assert search("contract research organization").single is None

    monkeypatch.setattr(plan, "RENDERER_VERSION", plan.RENDERER_VERSION + 1)
    load_content(authored)

    assert search("contract research organization").single.slug == "cro"
    assert SearchDocument.objects.get(term__slug="cro").text != "stale"


@pytest.mark.parametrize(
    "query, first", [("what is a cro", "cro"), ("CRO meaning", "cro"), ("what is a CDMO", "cdmo")]
)
def test_a_question_about_a_term_finds_the_term_first(client, glossary, query, first):
    results = search(query)

    assert (results.single or results.hits[0].term).slug == first


@pytest.mark.parametrize(
    "query",
    [
        "CMO vs CDMO",
        "cmo versus cdmo",
        "difference between cmo and cdmo",
        "What is the difference between a CMO and a CDMO?",
    ],
)
def test_asking_for_the_difference_between_two_terms_opens_their_comparison(client, glossary, query):
    response = client.get("/search/", {"q": query}, follow=True)

    assert response.redirect_chain[0][0] == "/compare/?terms=cmo,cdmo"
    assert response.request["PATH_INFO"] == "/compare/cmo-vs-cdmo/"


def test_two_names_joined_by_and_are_still_one_name_when_they_are(client, glossary):
    assert client.get("/search/", {"q": "fill and finish"})["Location"] == "/terms/fill-finish/"
