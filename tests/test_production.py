"""Production behaviour: security headers, the page cache and its invalidation, open data, health."""

import csv
import io
import json
import re
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError
from django.test import Client

from glossary.content import load_content, read_content
from glossary.models import ContentVersion, Term
from tests.conftest import CONTENT_DIR, term_file, term_form

PAGES = ["/", "/terms/", "/terms/cmo/", "/definitions/", "/compare/", "/compare/cro-vs-cmo/", "/timeline/",
         "/quiz/which-fits/", "/advisor/", "/search/?q=stability"]  # fmt: skip


@pytest.mark.parametrize("url", PAGES)
def test_every_page_type_sends_the_security_headers(client, glossary, url):
    response = client.get(url)

    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", PAGES)
def test_no_page_has_inline_scripts_or_event_handlers(client, glossary, url):
    html = client.get(url).content.decode()

    for script in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        attributes, body = script
        assert 'src="' in attributes or 'type="application/ld+json"' in attributes, script
        assert body.strip() == "" or "ld+json" in attributes
    assert not re.search(r"\son[a-z]+=", html)


def test_https_turns_on_hsts_secure_cookies_and_redirects():
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "glossary.settings", "SECRET_KEY": "x" * 60,
             "SITE_URL": "https://glossary.example.org"},
        capture_output=True, text=True, cwd=str(CONTENT_DIR.parent),
    )  # fmt: skip

    assert result.stdout.split() == ["True", "31536000", "True", "True"], result.stderr


# The page cache


def test_an_anonymous_page_is_served_from_the_cache_with_an_etag(client, cached, django_assert_num_queries):
    first = client.get("/terms/cmo/")

    with django_assert_num_queries(1):  # the content version, nothing else
        second = client.get("/terms/cmo/")

    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert "Last-Modified" in second
    assert second["Cache-Control"] == "public, no-cache"


def test_a_browser_revalidates_with_its_etag_and_gets_304(client, cached):
    etag = client.get("/terms/cro/")["ETag"]

    response = client.get("/terms/cro/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""


def test_pages_are_compressed_for_browsers_that_ask_and_revalidate_all_the_same(client, cached):
    import gzip

    plain = client.get("/terms/cro/")
    compressed = client.get("/terms/cro/", HTTP_ACCEPT_ENCODING="gzip, br")

    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 2
    again = client.get("/terms/cro/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=compressed["ETag"])
    assert again.status_code == 304


def test_a_load_makes_every_cached_page_stale(client, cached, tmp_path):
    import shutil

    before = client.get("/terms/cro/")
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    path = content / "terms" / "cro.md"
    path.write_text(path.read_text().replace("summary: A company", "summary: Freshly loaded, a company"))

    load_content(content)
    after = client.get("/terms/cro/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "Freshly loaded" in after.content.decode()


def test_an_admin_save_makes_every_cached_page_stale(client, cached):
    from django.test import Client

    client.get("/terms/")
    version = ContentVersion.current().number
    term = Term.objects.get(slug="sponsor")
    staff = Client()
    staff.force_login(User.objects.create_superuser("staff", "s@example.org", "a-long-password"))
    data = term_form(term, title="Trial sponsor")
    assert staff.post(f"/admin/glossary/term/{term.pk}/change/", data).status_code == 302

    html = client.get("/terms/").content.decode()

    assert ContentVersion.current().number > version
    assert ">Trial sponsor</a>" in html


def test_a_quiz_answer_does_not_invalidate_the_cache(client, cached):
    version = ContentVersion.current().number
    html = client.get("/quiz/which-fits/").content.decode()
    attempt = re.search(r'name="attempt" value="([^"]+)"', html).group(1)

    client.post(
        "/quiz/which-fits/check/",
        {
            "attempt": attempt,
            "question": "formulation-still-changing",
            "q-formulation-still-changing": "cdmo",
        },
    )

    assert ContentVersion.current().number == version


def test_pages_with_a_form_token_or_for_logged_in_staff_are_never_cached(client, cached):
    first = client.get("/quiz/which-fits/")
    second = Client().get("/quiz/which-fits/")
    assert (
        "ETag" not in first
        and first.cookies["quiz-which-fits"].value != second.cookies["quiz-which-fits"].value
    )

    client.force_login(User.objects.create_superuser("staff", "s@example.org", "a-long-password"))
    assert "ETag" not in client.get("/terms/cmo/")


# Open data


def test_the_glossary_as_json_matches_the_content(client, glossary):
    data = client.get("/api/terms.json").json()
    files = {t.slug: t.data for t in read_content(CONTENT_DIR).terms}

    assert data["count"] == len(files)
    for term in data["terms"]:
        source = files[term["slug"]]
        assert term["title"] == source.title
        assert term["abbreviation"] == source.abbreviation
        assert term["summary"] == source.summary
        assert term["aliases"] == source.aliases
        assert [(s["title"], s["url"]) for s in term["sources"]] == [(s.title, s.url) for s in source.sources]
        assert term["url"] == f"http://testserver/terms/{term['slug']}/"


def test_one_term_as_json_has_its_body(client, glossary):
    data = client.get("/api/terms/cgmp.json").json()

    assert data["abbreviation"] == "cGMP"
    assert data["body_markdown"].strip()
    assert "<p>" in data["body_html"]
    assert client.get("/api/terms/nope.json").status_code == 404


def test_the_glossary_as_csv_matches_the_content(client, glossary):
    response = client.get("/api/terms.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    files = {t.slug: t.data for t in read_content(CONTENT_DIR).terms}

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert {r["slug"] for r in rows} == set(files)
    cmo = next(r for r in rows if r["slug"] == "cmo")
    assert cmo["title"] == "Contract manufacturing organization"
    assert cmo["aliases"] == " | ".join(files["cmo"].aliases)


def structured_data(html):
    return [
        json.loads(block)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


def test_a_term_page_describes_itself_as_a_defined_term(client, glossary):
    [data] = structured_data(client.get("/terms/cmo/").content.decode())

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "DefinedTerm"
    assert data["name"] == "Contract manufacturing organization"
    assert data["termCode"] == "CMO"
    assert data["alternateName"] == ["contract manufacturer"]
    assert data["inDefinedTermSet"]["@type"] == "DefinedTermSet"


def test_the_index_describes_the_whole_defined_term_set(client, glossary):
    [data] = structured_data(client.get("/terms/").content.decode())

    assert data["@type"] == "DefinedTermSet"
    assert len(data["hasDefinedTerm"]) == Term.objects.count()
    assert {
        "@type": "DefinedTerm",
        "name": "Current good manufacturing practice",
        "termCode": "cGMP",
        "url": "http://testserver/terms/cgmp/",
    } in data["hasDefinedTerm"]


def test_pages_carry_canonical_links_and_open_graph(client, glossary):
    html = client.get("/terms/cmo/?utm=x").content.decode()

    assert '<link rel="canonical" href="http://testserver/terms/cmo/">' in html
    assert '<meta property="og:title" content="Contract manufacturing organization">' in html
    assert '<meta property="og:description" content="A company that manufactures' in html


def test_robots_and_sitemap(client, glossary):
    robots = client.get("/robots.txt").content.decode()
    sitemap = client.get("/sitemap.xml").content.decode()

    assert "Disallow: /admin/" in robots and "Sitemap: http://testserver/sitemap.xml" in robots
    for path in ("/terms/cmo/", "/compare/cro-vs-cmo/", "/quiz/which-fits/", "/timeline/", "/advisor/"):
        assert f"<loc>http://testserver{path}</loc>" in sitemap


# Health, errors, logins


def test_healthz_checks_the_database(client, db):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}

    with mock.patch("glossary.middleware.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")

    assert response.status_code == 503


def test_the_500_page_is_in_the_sites_style(rf, db):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and 'class="skip-link"' in html


def test_the_404_page_is_in_the_sites_style(client, db):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_repeated_failed_admin_logins_are_blocked(client, db):
    User.objects.create_superuser("editor", "e@example.org", "the-right-password")
    for _ in range(5):
        client.post("/admin/login/?next=/admin/", {"username": "editor", "password": "wrong"})

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": "the-right-password"}
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_behind_a_proxy_the_login_lockout_counts_the_forwarded_client(db, settings):
    from django.test import Client

    settings.PROXY_HOPS = 1
    User.objects.create_superuser("editor", "e@example.org", "the-right-password")
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(5):
        attacker.post("/admin/login/?next=/admin/", {"username": "editor", "password": "wrong"})
    # The real editor comes through the same load balancer from another address.
    editor = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")

    response = editor.post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": "the-right-password"}
    )

    assert response.status_code == 302
    assert (
        attacker.post("/admin/login/", {"username": "editor", "password": "the-right-password"}).status_code
        == 429
    )


def test_a_term_file_change_is_cheap_to_reload(content, db):
    content.write("one", term_file("One", "A summary."))
    load_content(content.path)
    version = ContentVersion.current().number

    load_content(content.path)

    assert ContentVersion.current().number == version  # nothing changed, nothing to invalidate
