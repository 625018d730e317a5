"""Trust: the About page, and readers' reports of problems, which only staff see."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils.html import escape

from glossary.models import ContentVersion, Term
from glossary.quiz.models import Question
from glossary.reports.models import Report

MESSAGE = "The summary says a CDMO never makes commercial batches, but its sources say it can."


def send(client, path="/terms/cdmo/report/", **data):
    return client.post(path, {"message": MESSAGE, "email": "", "website": "", **data})


def sent_message(response):
    return re.search(r'<blockquote class="report-sent">(.*?)</blockquote>', response.content.decode(), re.S)


# The About page


def test_the_about_page_names_the_publisher_and_contact_from_settings(client, glossary, settings):
    settings.PUBLISHER_NAME = "Acme Regulatory Library"
    settings.PUBLISHER_EMAIL = "glossary@acme.example"
    settings.PUBLISHER_URL = "https://acme.example/"

    html = client.get("/about/").content.decode()

    assert 'published by <a href="https://acme.example/">Acme Regulatory Library</a>' in html
    assert '<a href="mailto:glossary@acme.example">glossary@acme.example</a>' in html


def test_without_a_contact_address_the_about_page_points_to_the_report_forms(client, glossary, settings):
    settings.PUBLISHER_EMAIL = ""
    settings.PUBLISHER_URL = ""

    html = client.get("/about/").content.decode()

    assert "published by The Outsourcing Glossary team." in html
    assert "mailto:" not in html
    assert "To reach us, use the <strong>Report a problem</strong> link" in html


def test_the_about_page_says_what_checked_means_and_that_it_is_not_advice(client, glossary):
    html = client.get("/about/").content.decode()

    assert "<q>Last checked against its sources on</q>" in html
    assert "It does not mean that a regulator has reviewed the entry" in html
    assert "It is not legal or regulatory advice" in html


def test_the_about_page_gives_the_licence_and_cites_a_real_entry(client, glossary):
    cdmo = Term.objects.get(slug="cdmo")

    html = client.get("/about/").content.decode()
    citation = re.search(r'<blockquote class="citation">(.*?)</blockquote>', html, re.S).group(1)

    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in html
    assert "CC BY 4.0" in html
    assert 'href="/api/terms.json"' in html and 'href="/api/terms.csv"' in html
    assert "POST /api/explain" in html
    assert f"“{cdmo.title} (CDMO).”" in citation
    assert "http://testserver/terms/cdmo/" in citation
    assert (
        f"Last checked against its sources on {cdmo.reviewed:%B} {cdmo.reviewed.day}, {cdmo.reviewed.year}"
        in citation
    )


def test_the_about_page_is_in_the_sitemap(client, glossary):
    assert "<loc>http://testserver/about/</loc>" in client.get("/sitemap.xml").content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/terms/",
        "/terms/cdmo/",
        "/definitions/",
        "/compare/",
        "/compare/cro-vs-cmo/",
        "/timeline/",
        "/quiz/which-fits/",
        "/advisor/",
        "/explain/",
        "/search/?q=cdmo+cro",
        "/about/",
        "/terms/cdmo/report/",
        "/no-such-page/",
    ],
)
def test_every_kind_of_page_links_to_the_about_page_in_its_footer(client, glossary, path):
    html = client.get(path).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]

    assert '<a href="/about/">About this glossary</a>' in footer


def test_the_home_page_leads_to_the_about_page(client, glossary):
    html = client.get("/").content.decode()
    main = html[html.index("<main") : html.index("</main>")]

    assert '<a href="/about/">about this glossary</a>' in main


# "Report a problem" links and the form


@pytest.mark.parametrize(
    "page, form, title",
    [
        ("/terms/cdmo/", "/terms/cdmo/report/", "Contract development and manufacturing organization"),
        ("/compare/cro-vs-cmo/", "/compare/cro-vs-cmo/report/", "CRO vs CMO"),
    ],
)
def test_each_entry_and_comparison_links_to_a_form_about_it(client, glossary, page, form, title):
    assert f'<a href="{form}">Report a problem with this' in client.get(page).content.decode()

    response = client.get(form)
    html = response.content.decode()

    assert response.status_code == 200
    assert f'<a href="{page}">{title}</a>' in html
    assert "no-store" in response["Cache-Control"]


def test_each_quiz_question_links_to_a_form_about_it(client, glossary):
    html = client.get("/quiz/which-fits/").content.decode()
    questions = Question.objects.filter(quiz__slug="which-fits")

    links = re.findall(
        r'<a href="(/quiz/which-fits/[a-z0-9-]+/report/)">Report a problem with question \d+</a>', html
    )
    form = client.get("/quiz/which-fits/formulation-still-changing/report/").content.decode()

    assert sorted(links) == sorted(f"/quiz/which-fits/{q.key}/report/" for q in questions)
    assert (
        '<a href="/quiz/which-fits/#question-formulation-still-changing">Which fits?: question 1</a>' in form
    )


def test_the_form_asks_little_and_says_how_an_email_is_used(client, glossary, django_assert_num_queries):
    with django_assert_num_queries(2):  # the content version (the page cache asks), the entry
        html = client.get("/terms/cdmo/report/").content.decode()

    assert 'maxlength="2000" required' in html
    assert 'type="email"' in html
    assert "used only to answer you about this report, and deleted when the report is closed" in html
    honeypot = re.search(r'<div class="visually-hidden">(.*?)</div>', html, re.S).group(1)
    assert "Leave this field empty" in honeypot
    assert 'tabindex="-1" autocomplete="off"' in honeypot


def test_a_report_is_stored_and_the_sender_is_thanked(client, glossary):
    response = send(client, email="reader@example.org")
    report = Report.objects.get()

    assert response.status_code == 302
    assert response["Location"].startswith("/terms/cdmo/report/thanks/?sent=")
    assert (report.kind, report.slug, report.path, report.message, report.email, report.closed) == (
        "term",
        "cdmo",
        "/terms/cdmo/",
        MESSAGE,
        "reader@example.org",
        False,
    )
    assert report.title == "Contract development and manufacturing organization"

    thanks = client.get(response["Location"])
    html = thanks.content.decode()

    assert thanks.status_code == 200
    assert "no-store" in thanks["Cache-Control"]
    assert MESSAGE in sent_message(thanks).group(1)
    assert "We will write to reader@example.org only if" in html
    assert '<a href="/terms/cdmo/">Back to Contract development and manufacturing organization</a>' in html


def test_a_report_about_a_quiz_question_names_the_question(client, glossary):
    response = send(client, "/quiz/which-fits/many-trial-sites/report/")
    report = Report.objects.get()

    assert response.status_code == 302
    assert (report.kind, report.slug, report.question_key) == ("question", "which-fits", "many-trial-sites")
    assert report.path == "/quiz/which-fits/#question-many-trial-sites"


def test_a_filled_honeypot_is_thanked_and_stores_nothing(client, glossary):
    response = send(client, website="https://cheap-pills.example")

    assert response.status_code == 302
    assert response["Location"] == "/terms/cdmo/report/thanks/"
    assert not Report.objects.exists()
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "message, error",
    [
        ("", "Please say what is wrong before you send the report."),
        ("   \r\n  ", "Please say what is wrong before you send the report."),
        ("x" * 2001, "Ensure this value has at most 2000 characters (it has 2001)."),
    ],
    ids=["empty", "blank", "too-long"],
)
def test_a_missing_or_too_long_message_is_a_form_error(client, glossary, message, error):
    response = send(client, message=message)

    html = response.content.decode()

    assert response.status_code == 400
    assert not Report.objects.exists()
    # Said in the title and first on the page, focused, each error leading to its field.
    assert "<title>Error: Report a problem" in html
    summary = html[html.index("<h1>") : html.index('<form class="report-form"')]
    assert 'role="alert" tabindex="-1" autofocus' in summary
    assert f'<li><a href="#id_message">{escape(error)}</a></li>' in summary


def test_line_breaks_count_once_against_the_limit(client, glossary):
    message = "Line one.\r\n" * 199 + "Line one.x"  # 2,000 characters as typed, 2,199 as sent

    assert send(client, message=message).status_code == 302
    assert len(Report.objects.get().message) == 2000


def test_a_malformed_email_is_a_form_error(client, glossary):
    response = send(client, email="not an address")

    assert response.status_code == 400
    assert "Enter an email address like name@example.org, or leave it empty." in response.content.decode()
    assert not Report.objects.exists()


def test_a_body_too_big_to_read_is_refused_without_an_error_page(client, glossary, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = send(client, message="x" * 20_000)

    assert response.status_code == 413
    assert "far too long" in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"message": ["one", "two"], "email": ["a@example.org", "b"]},
        {"message": "a NUL \x00 in it"},
        {"email": "x" * 300 + "@example.org"},
        {"message": MESSAGE, "email": "", "extra": "ignored", "csrfmiddlewaretoken": "junk"},
    ],
    ids=["lists", "nul", "long-email", "extra"],
)
def test_odd_input_never_gives_a_server_error(client, glossary, data):
    response = client.post("/terms/cdmo/report/", data)

    assert response.status_code in (302, 400)


def test_odd_bodies_never_give_a_server_error(client, glossary):
    for body, content_type in [
        (b"message=%ED%A0%80%FF+not+UTF-8&email=", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b'{"message": "json"}', "application/json"),
        (b"--x\r\nbroken multipart", "multipart/form-data; boundary=x"),
    ]:
        response = client.generic("POST", "/terms/cdmo/report/", body, content_type=content_type)
        assert response.status_code in (302, 400), body
    assert Report.objects.count() <= 1


def test_reports_are_rate_limited_per_client(client, glossary, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": (2, 3600)}
    send(client)
    send(client)

    response = send(client)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many reports of problems came from your network" in response.content.decode()
    assert Report.objects.count() == 2
    other = send(Client(REMOTE_ADDR="192.0.2.7"))
    assert other.status_code == 302


def test_a_report_needs_the_csrf_token(glossary):
    response = send(Client(enforce_csrf_checks=True))

    assert response.status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/terms/no-such-term/report/",
        "/compare/no-such-comparison/report/",
        "/quiz/which-fits/no-such-question/report/",
        "/quiz/no-such-quiz/formulation-still-changing/report/",
    ],
)
def test_there_is_no_form_about_an_entry_that_does_not_exist(client, glossary, path):
    assert client.get(path).status_code == 404
    assert client.get(path + "thanks/").status_code == 404
    assert send(client, path).status_code == 404
    assert not Report.objects.exists()


def test_a_report_is_never_shown_publicly(client, glossary):
    location = send(client, message="Zebracorn mistake in CDMO")["Location"]
    other = Client()

    for path in ["/terms/cdmo/", "/terms/cdmo/report/", "/api/terms/cdmo.json", "/search/?q=zebracorn",
                 "/sitemap.xml", "/terms/cdmo/report/thanks/", "/compare/cro-vs-cmo/report/thanks/"
                 + location[location.index("?"):]]:  # fmt: skip
        assert "Zebracorn" not in other.get(path).content.decode(), path


def test_the_thanks_link_shows_the_message_only_for_a_while(client, glossary, monkeypatch):
    location = send(client)["Location"]
    monkeypatch.setattr("glossary.reports.views.THANKS_MAX_AGE", -1)

    assert sent_message(client.get(location)) is None


def test_sending_and_closing_reports_leaves_cached_pages_alone(client, cached, admin_client):
    before = client.get("/terms/cdmo/")
    version = ContentVersion.current().number

    send(client, email="reader@example.org")
    send(client)
    report, other = Report.objects.order_by("pk")
    admin_client.post(f"/admin/reports/report/{report.pk}/change/", {"closed": "on"})
    admin_client.post("/admin/reports/report/", {"action": "close_reports", "_selected_action": [other.pk]})
    after = client.get("/terms/cdmo/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert Report.objects.open().count() == 0
    assert ContentVersion.current().number == version
    assert after.status_code == 304


# The admin


def test_staff_see_the_open_reports_counted_open_ones_first(client, glossary, admin_client):
    send(client, message="First, now closed.")
    send(client, "/compare/cro-vs-cmo/report/", message="Second, still open.")
    send(client, "/quiz/which-fits/many-trial-sites/report/", message="Third, still open.")
    Report.objects.filter(message__startswith="First").update(closed=True)

    html = admin_client.get("/admin/reports/report/").content.decode()

    assert "Reports of problems: 2 open" in html
    assert re.search(r"Open\s*\(2\)", html) and re.search(r"Closed\s*\(1\)", html)
    assert html.index("Third") < html.index("Second") < html.index("First")
    assert 'Comparison <a href="/compare/cro-vs-cmo/">CRO vs CMO</a>' in html
    assert '<a href="/quiz/which-fits/#question-many-trial-sites">Which fits?: question' in html


def test_a_report_links_to_its_entry_and_to_the_entry_in_the_admin(client, glossary, admin_client):
    send(client)
    report = Report.objects.get()
    cdmo = Term.objects.get(slug="cdmo")

    html = admin_client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()

    assert '<a href="/terms/cdmo/">Contract development and manufacturing organization</a>' in html
    assert f'<a href="/admin/glossary/term/{cdmo.pk}/change/">edit it</a>' in html


def test_a_report_outlives_its_entry(client, make_term, admin_client):
    make_term("gone-soon", title="Gone soon")
    send(client, "/terms/gone-soon/report/")
    Term.objects.get(slug="gone-soon").delete()
    report = Report.objects.get()

    html = admin_client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()

    assert '<a href="/terms/gone-soon/">Gone soon</a> (no longer in the glossary)' in html


def test_closing_a_report_deletes_its_email_address(client, glossary, admin_client):
    send(client, email="reader@example.org")
    send(client, email="other@example.org")
    first, second = Report.objects.order_by("pk")

    admin_client.post(f"/admin/reports/report/{first.pk}/change/", {"closed": "on"})
    admin_client.post("/admin/reports/report/", {"action": "close_reports", "_selected_action": [second.pk]})

    staff = User.objects.get(username="admin")
    for report in Report.objects.all():
        assert (report.closed, report.email, report.closed_by) == (True, "", staff)
        assert report.closed_at is not None


def test_what_a_reader_wrote_is_escaped_everywhere_staff_or_the_reader_see_it(client, glossary, admin_client):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    location = send(client, message=script)["Location"]
    report = Report.objects.get()

    pages = [
        client.get(location).content.decode(),
        admin_client.get("/admin/reports/report/").content.decode(),
        admin_client.get(f"/admin/reports/report/{report.pk}/change/").content.decode(),
    ]

    for html in pages:
        assert '<script>alert("x")' not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
