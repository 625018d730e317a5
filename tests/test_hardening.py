"""Production's doors, tried as an attacker and an operator would: each test here failed before its fix."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from reversion.models import Version

from glossary.models import Comparison, Term
from glossary.quiz.models import Question, Quiz
from tests.conftest import term_form

# History, compare and revert: only for those who may see (or change) that entry


@pytest.fixture
def versions(authored, editor):
    """Two versions of the CMO entry, saved by the editor."""
    cmo = Term.objects.get(slug="cmo")
    for summary in ("A contract manufacturer, first edit.", "A contract manufacturer, second edit."):
        cmo = Term.objects.get(slug="cmo")
        assert (
            editor.post(f"/admin/glossary/term/{cmo.pk}/change/", term_form(cmo, summary=summary)).status_code
            == 302
        )
    return cmo, list(Version.objects.get_for_object(cmo).order_by("pk"))


def staff(*permissions):
    user = User.objects.create_user("staff-" + "-".join(permissions) or "none", password="a-long-password")
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client = Client()
    client.force_login(user)
    return client


def history_urls(model, pk, versions):
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{pk}/history/"
    first, second = versions[0].pk, versions[-1].pk
    return {
        "history": base,
        "compare": f"{base}compare/?version_id1={first}&version_id2={second}",
        "revision": f"{base}{first}/",
    }


def test_staff_without_permissions_see_no_history_diff_or_revision(versions):
    cmo, kept = versions
    nobody = staff()

    for name, url in history_urls(Term, cmo.pk, kept).items():
        response = nobody.get(url)
        assert response.status_code == 403, name
        assert b"first edit" not in response.content and b"editor" not in response.content


@pytest.mark.parametrize(
    "model, lookup",
    [
        (Comparison, {"slug": "cro-vs-cmo"}),
        (Quiz, {"slug": "which-fits"}),
        (Question, {"key": "many-trial-sites"}),
    ],
)
def test_every_model_with_history_guards_its_versions(authored, editor, model, lookup):
    import reversion

    entry = model.objects.get(**lookup)
    for _ in range(2):
        with reversion.create_revision():
            entry.save()
    kept = list(Version.objects.get_for_object(entry).order_by("pk"))
    nobody = staff()

    for name, url in history_urls(model, entry.pk, kept).items():
        assert nobody.get(url).status_code == 403, (model, name)
        assert editor.get(url).status_code == 200, (model, name)


def test_view_permission_shows_history_and_diffs_but_not_revert(versions):
    cmo, kept = versions
    viewer = staff("view_term")
    urls = history_urls(Term, cmo.pk, kept)

    assert viewer.get(urls["history"]).status_code == 200
    compare = viewer.get(urls["compare"])
    assert compare.status_code == 200 and b"second edit" in compare.content
    assert viewer.get(urls["revision"]).status_code == 403
    assert viewer.post(urls["revision"], {}).status_code == 403
    assert Term.objects.get(slug="cmo").summary == "A contract manufacturer, second edit."


# The editor's live preview: for editors, within a limit, never a 500


def test_the_preview_is_only_for_those_who_may_edit_an_entry(editor, db):
    assert Client().post("/editor/markdownify/", {"content": "x"}).status_code in (302, 403)
    assert staff().post("/editor/markdownify/", {"content": "**x**"}).status_code == 403
    assert staff("view_term").post("/editor/markdownify/", {"content": "**x**"}).status_code == 403
    response = staff("change_comparison").post("/editor/markdownify/", {"content": "**x**"})
    assert response.status_code == 200 and "<strong>x</strong>" in response.content.decode()


def test_a_body_over_the_limit_gets_a_message_in_the_preview_pane(editor, glossary):
    from glossary.models import MAX_BODY

    text = "A [[cmo]] makes drugs for a CRO and a CDMO. " * (MAX_BODY // 40)
    assert len(text) > MAX_BODY

    response = editor.post("/editor/markdownify/", {"content": text})

    assert response.status_code == 200
    assert f"at most {MAX_BODY:,}" in response.content.decode()


def test_the_longest_allowed_body_previews_without_error(editor, glossary):
    from glossary.models import MAX_BODY

    words = "A [[cmo]] or a [[cdmo|CDMO]] makes drugs; a CRO runs trials under GCP. [[x-no-such-term]] "
    text = (words * (MAX_BODY // len(words)))[:MAX_BODY]

    response = editor.post("/editor/markdownify/", {"content": text})

    assert response.status_code == 200
    assert 'href="/terms/cmo/"' in response.content.decode()


def test_a_body_over_the_limit_cannot_be_saved_either(editor, glossary):
    from glossary.models import MAX_BODY

    cmo = Term.objects.get(slug="cmo")

    response = editor.post(
        f"/admin/glossary/term/{cmo.pk}/change/", term_form(cmo, body="x" * (MAX_BODY + 1))
    )

    assert response.status_code == 200
    assert f"at most {MAX_BODY}" in response.content.decode().replace(",", "")


def test_a_long_body_of_many_different_words_previews_and_saves_on_every_database(editor, glossary):
    import random
    import string

    from glossary.models import MAX_BODY

    rnd = random.Random(1)
    text = " ".join("".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(2, 9))) for _ in range(20_000))
    text = text[:MAX_BODY]
    cmo = Term.objects.get(slug="cmo")

    assert editor.post("/editor/markdownify/", {"content": text}).status_code == 200
    assert editor.post(f"/admin/glossary/term/{cmo.pk}/change/", term_form(cmo, body=text)).status_code == 302


# The login lockout: keyed on the real client and the username together, of a fixed, stated length


def login(address, password, forwarded=None):
    headers = (
        {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded or address}
        if forwarded is not None
        else {"REMOTE_ADDR": address}
    )
    return Client(**headers).post("/admin/login/?next=/admin/", {"username": "editor", "password": password})


def test_a_locked_out_editor_sees_how_long_and_what_to_do(db):
    User.objects.create_superuser("editor", "e@example.org", "the-right-password")
    for _ in range(5):
        login("192.0.2.7", "wrong")

    response = login("192.0.2.7", "the-right-password")

    html = response.content.decode()
    assert response.status_code == 429
    assert "<h1>Sign-in paused</h1>" in html and "for 15 minutes" in html
    assert "manage.py axes_reset_username editor" in html
    assert 'href="/static/' in html  # the site's own page, styled


def test_the_lockout_lasts_a_fixed_time_whatever_is_tried_meanwhile(db):
    from datetime import timedelta

    from axes.models import AccessAttempt

    User.objects.create_superuser("editor", "e@example.org", "the-right-password")
    for _ in range(5):
        login("192.0.2.7", "wrong")
    started = AccessAttempt.objects.get().attempt_time

    for password in ("wrong", "the-right-password", "wrong"):
        assert login("192.0.2.7", password).status_code == 429
    assert AccessAttempt.objects.get().attempt_time == started
    AccessAttempt.objects.update(attempt_time=started - timedelta(minutes=16))

    assert login("192.0.2.7", "the-right-password").status_code == 302


def test_failures_from_one_visitor_behind_the_proxy_never_lock_out_another(db, settings):
    settings.PROXY_HOPS = 1
    User.objects.create_superuser("editor", "e@example.org", "the-right-password")
    for _ in range(12):
        # The attacker forges X-Forwarded-For; the proxy appends the address it saw.
        login("203.0.113.9", "wrong", forwarded="192.0.2.1, 203.0.113.9")

    assert login("198.51.100.4", "the-right-password", forwarded="198.51.100.4").status_code == 302
    assert login("203.0.113.9", "the-right-password", forwarded="192.0.2.1, 203.0.113.9").status_code == 429


# Open data a spreadsheet can open safely


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_would_start_a_formula_are_neutralised_and_json_is_not(client, make_term, start):
    make_term("evil", title=f'{start}HYPERLINK("http://x")', summary=f"{start}1+1 is a summary.")

    rows = list(csv.DictReader(io.StringIO(client.get("/api/terms.csv").content.decode())))
    data = client.get("/api/terms/evil.json").json()

    assert rows[0]["title"] == f'\'{start}HYPERLINK("http://x")'
    assert rows[0]["summary"] == f"'{start}1+1 is a summary."
    assert data["title"] == f'{start}HYPERLINK("http://x")'


# The health check answers a load balancer; nothing else skips the host and https rules


def test_healthz_answers_over_plain_http_by_the_instances_own_address(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["glossary.example.org"]

    health = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    home = client.get("/", HTTP_HOST="glossary.example.org")
    other = client.get("/terms/", HTTP_HOST="10.0.0.5:8000")

    assert health.status_code == 200 and health.json() == {"status": "ok", "database": "ok"}
    assert health["Cache-Control"] == "no-store"
    assert home.status_code == 301 and home["Location"].startswith("https://")
    assert other.status_code == 400
    assert client.post("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 400


# Cached pages depend only on what they read


def test_another_allowed_host_cannot_put_itself_into_cached_pages(client, glossary, settings):
    settings.ALLOWED_HOSTS = ["glossary.example.org", "evil.example.org"]
    settings.SITE_URL = "https://glossary.example.org"
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "poison"},
    }
    paths = [
        "/sitemap.xml",
        "/robots.txt",
        "/api/terms.json",
        "/api/terms/cmo.json",
        "/api/terms.csv",
        "/terms/cmo/",
    ]

    for path in paths:
        client.get(path, HTTP_HOST="evil.example.org", secure=True)
    for path in paths:
        served = client.get(path, HTTP_HOST="glossary.example.org", secure=True).content.decode()
        assert "evil.example.org" not in served, path
        assert "https://glossary.example.org/" in served, path


def test_junk_query_parameters_share_one_cache_entry(client, cached):
    for n in range(3000):
        assert client.get(f"/terms/cro/?utm_source=mail&x={n}").status_code == 200

    assert len(cached._cache) == 1


def test_only_the_parameters_a_page_reads_make_entries_and_only_of_their_form(client, cached):
    for query in (
        "",
        "?category=organizations",
        "?category=organizations&junk=1",
        "?letter=zz",
        "?page=" + "9" * 50,
    ):
        client.get(f"/terms/{query}")

    assert len(cached._cache) == 2  # the whole index, and one category


@pytest.mark.parametrize(
    "path",
    [
        "/search/?q=contract",
        "/search/suggest/?q=con",
        "/compare/?terms=cro&terms=cmo",
        "/advisor/?need=development",
    ],
)
def test_pages_keyed_on_free_text_are_never_kept(client, cached, path):
    response = client.get(path)

    assert response.status_code in (200, 301, 302, 400)
    assert len(cached._cache) == 0
    assert "ETag" not in response


def test_a_fresh_production_install_keeps_database_connections_between_requests():
    from tests.test_settings import django

    result = django(
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="glossary.example.org",
    )

    assert result.stdout.split() == ["60", "True"], result.stderr


@pytest.mark.parametrize(
    "hops, remote, forwarded, expected",
    [
        (
            0,
            "192.0.2.1",
            "203.0.113.9",
            "192.0.2.1",
        ),  # no proxy trusted: the header is the client's own words
        (1, "10.0.0.1", "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (2, "10.0.0.1", "198.51.100.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "192.0.2.1", "", "192.0.2.1"),  # reached without the proxy: the socket's address
        (1, "10.0.0.1", "not-an-address", None),
    ],
)
def test_the_client_address_is_read_behind_as_many_proxies_as_trusted(
    rf, settings, hops, remote, forwarded, expected
):
    from glossary.throttle import client_address

    settings.PROXY_HOPS = hops
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


def test_ipv6_clients_are_counted_by_their_64_bit_network(rf):
    from glossary.throttle import client_network

    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    other = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")

    assert client_network(one) == client_network(other) == "2001:db8:1:2::/64"
