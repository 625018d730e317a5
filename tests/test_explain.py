"""Explain this text: a pasted paragraph comes back with every glossary term in it marked."""

import datetime
import json
import logging
import re

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.html import escape

from glossary.explain.models import AskedWord
from glossary.search import search
from glossary.words import key

CONTRACT = (
    "This Statement of Work is issued under the Master Services Agreement between Sponsor and the "
    "CDMO. The CDMO shall manufacture the Drug Product under cGMP and release each batch with a "
    "Certificate of Analysis, subject to the Quality Agreement."
)
PROTOCOL = (
    "Phase 2 study. The investigator obtains informed consent before any procedure; the IRB approves "
    "the protocol, and the CRA monitors each site for the sponsor."
)
PRESS_RELEASE = (
    "BOSTON -- Acme Bio today announced that its partner, a leading CDMO, completed the PPQ batches "
    "ahead of a BLA submission to the FDA. The PDUFA date is expected in the second half of the year."
)


def explained(client, text, **extra):
    return client.post("/explain/", {"text": text, **extra})


def api(client, body, content_type="application/json"):
    return client.post(
        "/api/explain",
        body if isinstance(body, (str, bytes)) else json.dumps(body),
        content_type=content_type,
    )


def marked(response):
    """(words marked, slug linked) in the explained text of a page, in order."""
    text = re.search(r'<div class="explained-text">(.*?)</div>', response.content.decode(), re.S).group(1)
    return [
        (words, slug)
        for slug, words in re.findall(r'<a class="term-link" href="/terms/([^/]+)/">([^<]*)</a>', text)
    ]


def terms_listed(response):
    html = response.content.decode()
    listed = re.search(r'<ol class="explained-terms">(.*?)</ol>', html, re.S).group(1)
    return re.findall(r'<li id="explained-[^"]+">\s*<a href="/terms/([^/]+)/">', listed)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            CONTRACT,
            ["statement-of-work", "master-services-agreement", "sponsor", "cdmo", "drug-product", "cgmp",
             "certificate-of-analysis", "quality-agreement"],
        ),
        (PROTOCOL, ["phase-2", "investigator", "informed-consent", "irb", "clinical-protocol",
                    "clinical-research-associate", "sponsor"]),
        (PRESS_RELEASE, ["cdmo", "process-performance-qualification", "bla", "fda"]),
    ],
    ids=["contract", "protocol", "press-release"],
)  # fmt: skip
def test_the_terms_of_a_paragraph_are_listed_in_order_of_first_appearance(client, glossary, text, expected):
    response = explained(client, text)

    assert response.status_code == 200
    assert terms_listed(response) == expected


def test_every_occurrence_is_marked_and_links_to_its_entry(client, glossary):
    response = explained(client, "The CDMO and the CRO agree; later the CDMO invoices the CRO.")

    assert marked(response) == [("CDMO", "cdmo"), ("CRO", "cro"), ("CDMO", "cdmo"), ("CRO", "cro")]
    html = response.content.decode()
    assert 'CDMO and CRO both appear: see <a href="/compare/cdmo-vs-cro/">' in html


def test_an_abbreviation_with_two_meanings_shows_both_the_glossarys_own_first(client, glossary):
    response = explained(client, "The CMO approved the budget.")

    assert marked(response) == [("CMO", "cmo")]
    assert terms_listed(response) == ["cmo", "chief-medical-officer"]
    data = api(client, {"text": "The CMO approved the budget."}).json()
    assert data["matches"] == [
        {"start": 4, "end": 7, "text": "CMO", "terms": ["cmo", "chief-medical-officer"]}
    ]
    assert [t["slug"] for t in data["terms"]] == ["cmo", "chief-medical-officer"]
    assert data["terms"][1]["sense"]  # the second sense says which it is


def test_the_first_mark_of_a_name_with_two_meanings_says_so_and_leads_to_them(client, glossary):
    html = explained(client, "Our CMO, Dr. Patel, met the CMO that makes our tablets.").content.decode()

    assert html.count('<sup class="senses"><a href="#explained-cmo">2 meanings</a></sup>') == 1
    assert '<li id="explained-cmo">' in html and '<li id="explained-chief-medical-officer">' in html


def test_plurals_punctuated_and_roman_spellings_are_found(client, glossary):
    text = "Two INDs, three CROs, C.G.M.P. rules, Phase III, the batch records and the sponsor-investigator."

    assert marked(explained(client, text)) == [
        ("INDs", "ind"), ("CROs", "cro"), ("C.G.M.P.", "cgmp"), ("Phase III", "phase-3"),
        ("batch records", "batch-record"), ("sponsor-investigator", "sponsor"),
    ]  # fmt: skip


def test_british_spellings_find_the_same_terms(client, glossary):
    response = explained(
        client, "A contract research organisation runs the programme; the sponsor's organisation pays."
    )

    assert marked(response)[0] == ("contract research organisation", "cro")
    assert search("contract research organisation").single.slug == "cro"
    assert key("randomised organisations") == key("randomized organizations")


def test_search_links_and_explain_take_the_same_words_for_a_name(client, make_term):
    """One normaliser: "batches" is the plural of the name "Conformance batch" for all three."""
    make_term("conformance-batch", "Conformance batch", summary="A batch made to confirm the process.")
    essay = make_term("essay", "Essay", body="The conformance batches passed.")

    assert search("conformance batches").single.slug == "conformance-batch"
    assert 'href="/terms/conformance-batch/"' in essay.body_html
    assert marked(explained(client, "Three conformance batches.")) == [
        ("conformance batches", "conformance-batch")
    ]


def test_words_that_look_like_jargon_but_are_not_in_the_glossary_are_listed(client, glossary):
    text = PRESS_RELEASE + " PLEASE READ NOW. Our CEO filed in CTIS, with Part II of ACM-7; the US team."
    html = explained(client, text).content.decode()

    # Not: a dateline (BOSTON), shouting, everyday or well-known capitals, a product code.
    assert re.search(r'<span class="unknown-words">(.*?)</span>', html).group(1) == "PDUFA, CTIS"
    assert api(client, {"text": "PDUFA and CTIS, not CDMO."}).json()["not_in_glossary"] == ["PDUFA", "CTIS"]


def test_staff_see_a_word_only_once_several_requests_asked_about_it(client, admin_client, glossary):
    explained(client, "Our ZORBX project needs a CDMO.")
    explained(client, "ZORBX again, twice in one text: ZORBX.")
    assert "ZORBX" not in admin_client.get("/admin/explain/askedword/").content.decode()

    explained(client, "ZORBX, a third time.")
    explained(client, "ZORBX typed live", live="1")  # an update while typing is not a question
    page = admin_client.get("/admin/explain/askedword/").content.decode()

    assert AskedWord.objects.get(word="ZORBX").requests == 3
    assert "ZORBX" in page
    assert "CDMO" not in page  # in the glossary: never counted


def test_asked_words_are_forgotten_after_a_while(client, glossary):
    explained(client, "QWERTZ is our project.")
    AskedWord.objects.update(first_asked=timezone.now() - AskedWord.KEPT - datetime.timedelta(minutes=1))

    explained(client, "A text about a CDMO.")

    assert not AskedWord.objects.exists()


def test_the_pasted_text_is_not_stored_logged_or_cached(client, glossary, caplog):
    secret = "Project Nightjar will move its PPQ batches to the Ostrava plant in March."
    caplog.set_level(logging.DEBUG)

    response = explained(client, secret)

    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "Nightjar" not in caplog.text
    for model in apps.get_models():
        text_fields = [
            f.name for f in model._meta.fields if isinstance(f, (models.CharField, models.TextField))
        ]
        for field in text_fields:
            assert not model._default_manager.filter(**{f"{field}__contains": "Nightjar"}).exists(), (
                model,
                field,
            )


@pytest.mark.parametrize(
    "hostile",
    [
        '<script>alert("x")</script> CDMO',
        '<img src=x onerror="alert(1)"> CRO',
        "[CDMO](javascript:alert(1)) and **bold** text",
        '<a href="javascript:alert(1)">CMO</a>',
        '"><svg onload=alert(1)> cGMP',
    ],
)
def test_hostile_input_comes_back_as_inert_text(client, glossary, hostile):
    response = explained(client, hostile)
    html = response.content.decode()
    shown = re.search(r'<div class="explained-text">(.*?)</div>', html, re.S).group(1)

    assert "<script" not in shown and "<img" not in shown and "<svg" not in shown and "<strong" not in shown
    assert "javascript:" not in re.findall(r'href="([^"]*)"', shown)
    shown = re.sub(r'<sup class="senses">.*?</sup>', "", shown)  # "2 meanings", after CMO
    assert (
        re.sub(r"<[^>]+>", "", shown)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        == hostile
    )  # every character back, as text
    assert escape(hostile) in html.split('<textarea id="explain-text"')[1]  # back in the form, as text
    data = api(client, {"text": hostile})
    assert data["Content-Type"] == "application/json" and data["X-Content-Type-Options"] == "nosniff"
    assert data.json()["length"] == len(hostile)


def test_text_over_the_limit_gets_a_413_that_says_the_limit(client, glossary):
    response = explained(client, "CDMO " * 4001)  # 20,005 characters

    assert response.status_code == 413
    assert "up to 20,000 characters" in response.content.decode()
    assert api(client, {"text": "x" * 20_001}).status_code == 413


def test_line_breaks_count_once_against_the_limit(client, glossary):
    text = "CDMO\r\n" * 3333 + "CRO"  # 19,998 characters with one character per line break, 23,331 with two

    assert explained(client, text).status_code == 200


def test_a_body_too_large_for_django_to_read_is_a_413_not_a_500(client, glossary, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    text = "CDMO " * 20_000

    assert explained(client, text).status_code == 413
    assert api(client, {"text": text}).status_code == 413


def test_empty_input_gets_the_form_with_a_hint(client, glossary):
    response = explained(client, "   \n ")

    assert response.status_code == 200
    assert "Paste or type some text first" in response.content.decode()


def test_the_form_works_without_javascript(client, glossary):
    page = client.get("/explain/").content.decode()

    assert '<form class="explain-form" method="post" action="/explain/"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'maxlength="20000"' in page
    assert "not stored, logged or cached" in page


def test_the_explain_form_is_protected_against_forgery(glossary):
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post("/explain/", {"text": "CDMO"}).status_code == 403


def test_the_json_endpoint_needs_no_cookies_and_sets_none(glossary):
    from django.test import Client

    response = api(Client(enforce_csrf_checks=True), {"text": "The CDMO met the CRO."})

    assert response.status_code == 200
    assert not response.cookies
    data = response.json()
    assert [m["text"] for m in data["matches"]] == ["CDMO", "CRO"]
    cdmo = data["terms"][0]
    assert set(cdmo) == {"slug", "title", "abbreviation", "sense", "summary", "url"}
    assert cdmo["url"].endswith("/terms/cdmo/")
    assert data["comparisons"][0]["slug"] == "cdmo-vs-cro"


@pytest.mark.parametrize(
    "body",
    ["not json", "[1, 2]", '{"text": 5}', "{}", b"\xff\xfe"],
    ids=["text", "list", "number", "none", "bytes"],
)
def test_a_malformed_json_request_gets_a_400_that_says_why(client, glossary, body):
    response = api(client, body)

    assert response.status_code == 400
    assert "text" in response.json()["error"]


def test_only_posts_are_explained(client, glossary):
    assert client.get("/api/explain").status_code == 405
    assert client.put("/explain/").status_code == 405


def test_explaining_is_rate_limited_like_the_quiz(client, glossary, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "explain": (2, 600)}
    explained(client, "CDMO")
    api(client, {"text": "CRO"})

    page, data = explained(client, "CMO"), api(client, {"text": "CMO"})

    assert page.status_code == 429 and data.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert "Back to Explain this text" in page.content.decode()
    assert "texts to explain" in data.json()["error"]


def test_an_explanation_takes_a_fixed_number_of_queries(client, glossary, django_assert_num_queries):
    # Words of names in the text, names in the text, the terms found, the comparisons of them (two), and counting asked words
    # (a transaction's delete, insert and update).
    with django_assert_num_queries(10):
        explained(client, PRESS_RELEASE + " A CRO. " + CONTRACT * 20)


def test_offsets_count_characters_and_any_json_string_is_answered(client, glossary):
    data = api(client, '{"text": "\\ud83d\\udc8a The CDMO \\ud800 and the CRO"}').json()

    assert [(m["start"], m["text"]) for m in data["matches"]] == [(6, "CDMO"), (21, "CRO")]
    assert data["length"] == 24


def test_abbreviations_joined_by_a_slash_are_found_but_not_parts_of_a_reference(client, glossary):
    text = "Approved by the IRB/IEC for the Phase 2/3 study under Directive 2001/83/EC; the site got a 483."

    assert marked(explained(client, text)) == [
        ("IRB", "irb"), ("IEC", "ethics-committee"), ("Phase 2", "phase-2"), ("483", "form-fda-483"),
    ]  # fmt: skip


def test_a_name_with_two_meanings_counts_as_one_term_found(client, glossary):
    html = explained(client, "The CRO and the CMO.").content.decode()

    assert "2 terms found" in html
    assert len(terms_listed(explained(client, "The CRO and the CMO."))) == 4  # with their other meanings


def test_a_get_to_the_json_endpoint_says_how_to_use_it(client, glossary):
    response = client.get("/api/explain")

    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "POST" in response.json()["error"]


def test_a_phrase_that_only_holds_a_name_is_not_marked(client, glossary):
    text = "The standard deviation of the assay; the network protocol; a heart rate monitor. A deviation."

    assert marked(explained(client, text)) == [("deviation", "deviation")]
