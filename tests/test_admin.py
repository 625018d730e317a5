"""Staff edit terms in the admin: same rendering and checks as the loader; editor endpoints staff-only."""

import pytest
from django.contrib.auth.models import User

from glossary.models import Term


@pytest.fixture
def staff(client, db):
    user = User.objects.create_superuser("editor", "editor@example.org", "a-long-password")
    client.force_login(user)
    return client


@pytest.fixture
def terms(make_term):
    cro = make_term("cro", "Contract research organization", abbreviation="CRO", summary="Runs trials.")
    cmo = make_term("cmo", "Contract manufacturing organization", abbreviation="CMO", summary="Makes drugs.")
    cmo.body = "Works with a [[cro]]."
    cmo.save()
    return cmo, cro


def form_data(term, **changes):
    data = {
        "title": term.title,
        "slug": term.slug,
        "abbreviation": term.abbreviation,
        "summary": term.summary,
        "category": "",
        "body": term.body,
        "related": [],
        "reviewed": "",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-0-title": "21 CFR 312.3",
        "sources-0-url": "https://www.ecfr.gov/current/title-21/part-312/section-312.3",
        "facets-TOTAL_FORMS": "0",
        "facets-INITIAL_FORMS": "0",
        "former_slugs-TOTAL_FORMS": "0",
        "former_slugs-INITIAL_FORMS": "0",
        "seen": Term.objects.get(pk=term.pk).updated.isoformat() if term.pk else "",
    }
    data.update(changes)
    return data


def test_a_staff_edit_of_the_body_shows_on_the_site(staff, terms):
    cmo, _ = terms

    response = staff.post(
        f"/admin/glossary/term/{cmo.pk}/change/",
        form_data(cmo, body="Now makes **sterile injectables** for a [[cro|research partner]]."),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    html = staff.get("/terms/cmo/").content.decode()
    assert "<strong>sterile injectables</strong>" in html
    assert (
        '<a class="term-link" data-term="cro" href="/terms/cro/" rel="noopener noreferrer">research partner</a>'
        in html
    )
    assert list(Term.objects.get(pk=cmo.pk).links.values_list("slug", flat=True)) == ["cro"]


def test_a_link_to_a_missing_term_is_refused_with_a_message(staff, terms):
    cmo, _ = terms

    response = staff.post(f"/admin/glossary/term/{cmo.pk}/change/", form_data(cmo, body="See [[nope]]."))

    assert response.status_code == 200
    assert "These links name no term: [[nope]]" in response.content.decode()
    assert Term.objects.get(pk=cmo.pk).body == "Works with a [[cro]]."


def test_hostile_markdown_saved_in_the_admin_is_sanitised(staff, terms):
    cmo, _ = terms

    staff.post(
        f"/admin/glossary/term/{cmo.pk}/change/",
        form_data(cmo, body='<script>alert(1)</script><a href="javascript:alert(1)" onclick="x()">x</a>'),
    )

    html = Term.objects.get(pk=cmo.pk).body_html
    assert "script" not in html and "javascript" not in html and "onclick" not in html


def test_renaming_a_term_updates_the_links_that_show_its_name(staff, terms):
    cmo, cro = terms

    staff.post(f"/admin/glossary/term/{cro.pk}/change/", form_data(cro, abbreviation="C.R.O."))

    assert '">C.R.O.</a>' in Term.objects.get(pk=cmo.pk).body_html


def test_deleting_a_term_leaves_no_dead_link_behind(staff, terms):
    cmo, cro = terms

    staff.post(f"/admin/glossary/term/{cro.pk}/delete/", {"post": "yes"})

    cmo = Term.objects.get(pk=cmo.pk)
    assert not Term.objects.filter(slug="cro").exists()
    assert cmo.body == "Works with a CRO."
    assert cmo.body_html == "<p>Works with a CRO.</p>"
    assert cmo.edited_since_load  # so that export writes the unlinked text to its file


def test_a_new_term_is_rendered_on_save(staff, terms):
    _, cro = terms
    new = Term(
        slug="sponsor", title="Sponsor", summary="Takes responsibility for a trial.", body="Hires a [[cro]]."
    )

    response = staff.post("/admin/glossary/term/add/", form_data(new))

    assert response.status_code == 302
    assert 'href="/terms/cro/"' in Term.objects.get(slug="sponsor").body_html


def test_a_duplicate_title_is_refused(staff, terms):
    _, cro = terms
    new = Term(slug="cro-2", title="contract research ORGANIZATION", summary="Again.")

    response = staff.post("/admin/glossary/term/add/", form_data(new))

    assert response.status_code == 200
    assert "Another term already has this title." in response.content.decode()


def test_the_admin_lists_searches_and_filters_terms(staff, terms):
    assert "Contract manufacturing organization" in staff.get("/admin/glossary/term/?q=CMO").content.decode()
    assert staff.get("/admin/glossary/term/?category__id__exact=1").status_code == 200
    page = staff.get(f"/admin/glossary/term/{terms[0].pk}/change/").content.decode()
    assert "markdownx" in page
    assert "/admin/r/" in page  # "view on site"


def test_the_editor_preview_is_for_staff_only(client, staff, terms):
    client.logout()
    assert client.post("/editor/markdownify/", {"content": "**x**"}).status_code == 403

    staff.force_login(User.objects.get(username="editor"))
    response = staff.post("/editor/markdownify/", {"content": "**x** [[cro]] <script>alert(1)</script>"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>x</strong>" in html
    assert 'href="/terms/cro/"' in html
    assert "<script>" not in html


def test_image_upload_is_switched_off(client, staff):
    assert staff.post("/editor/upload/").status_code == 403
    client.logout()
    assert client.post("/editor/upload/").status_code == 302


def test_people_who_are_not_staff_never_reach_the_admin(client, db):
    User.objects.create_user("reader", password="a-long-password")
    client.force_login(User.objects.get(username="reader"))

    response = client.get("/admin/glossary/term/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.fixture
def aspects(db):
    from glossary.models import Aspect

    return [Aspect.objects.create(slug="role", name="What it is", position=0)]


def test_a_facet_saved_in_the_admin_is_rendered_and_checked(staff, terms, aspects):
    cmo, _ = terms
    data = form_data(
        cmo,
        **{
            "facets-TOTAL_FORMS": "1",
            "facets-0-aspect": aspects[0].pk,
            "facets-0-text": "Makes drugs for a [[cro]].",
        },
    )

    response = staff.post(f"/admin/glossary/term/{cmo.pk}/change/", data)

    assert response.status_code == 302
    assert 'href="/terms/cro/"' in cmo.facets.get().text_html

    data["facets-0-text"] = "Makes drugs for [[nobody]]."
    data["facets-INITIAL_FORMS"] = "0"
    cmo.facets.all().delete()
    response = staff.post(f"/admin/glossary/term/{cmo.pk}/change/", data)
    assert response.status_code == 200
    assert "These links name no term: [[nobody]]" in response.content.decode()


def comparison_data(**changes):
    data = {
        "title": "CRO vs CMO",
        "slug": "cro-vs-cmo",
        "summary": "One runs trials, the other makes drugs.",
        "term_slugs": "cro, cmo",
        "aspect_slugs": "role",
        "body": "A [[cro]] is not a [[cmo]].",
        "reviewed": "",
    }
    data.update(changes)
    return data


def test_staff_create_a_comparison_that_shows_on_the_site(staff, terms, aspects):
    from glossary.models import Facet

    cmo, cro = terms
    for term in terms:
        Facet.objects.create(term=term, aspect=aspects[0], text=f"{term.slug} role")

    response = staff.post("/admin/glossary/comparison/add/", comparison_data())

    assert response.status_code == 302, response.content.decode()[:3000]
    html = staff.get("/compare/cro-vs-cmo/").content.decode()
    assert "<p>cro role</p>" in html and "<p>cmo role</p>" in html
    assert 'href="/terms/cmo/"' in html


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"term_slugs": "cro"}, "Give 2 to 4 different terms."),
        ({"term_slugs": "cro, nope"}, "No term has the slug “nope”."),
        ({"aspect_slugs": "nope"}, "No aspect has the slug “nope”."),
        ({}, "The row “role” misses cro, cmo: add that facet to the term first."),
        ({"body": "[[nope]]"}, "These links name no term: [[nope]]"),
    ],
)
def test_a_comparison_is_checked_in_the_admin_as_in_the_files(staff, terms, aspects, changes, message):
    response = staff.post("/admin/glossary/comparison/add/", comparison_data(**changes))

    assert response.status_code == 200
    assert message in response.content.decode()
