"""The editorial workflow: loads never silently overwrite admin edits; every change is a revision."""

from io import StringIO

import pytest
import reversion
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.test import Client
from reversion.models import Version

from glossary.content import load_content
from glossary.models import Term
from glossary.reports.models import Report
from tests.conftest import term_file, term_form
from tests.test_reports import send

CRO = term_file("Contract research organization", "Runs trials for a sponsor.", abbreviation="CRO")
SPONSOR = term_file("Sponsor", "Takes responsibility for a trial.")


@pytest.fixture
def loaded(content, db):
    content.write("cro", CRO)
    content.write("sponsor", SPONSOR)
    load_content(content.path)
    return content


@pytest.fixture
def editor(db):
    return User.objects.create_superuser("editor", "editor@example.org", "a-long-password")


def edit_in_admin(client, user, slug, **changes):
    client.force_login(user)
    term = Term.objects.get(slug=slug)
    data = term_form(term, **changes)
    response = client.post(f"/admin/glossary/term/{term.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def load(path, *args):
    out, err = StringIO(), StringIO()
    call_command("load_glossary", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


def test_a_load_records_the_file_and_version_each_entry_came_from(loaded):
    cro = Term.objects.get(slug="cro")

    assert cro.source_file == "terms/cro.md"
    assert len(cro.source_hash) == 64
    assert cro.loaded is not None
    assert not cro.edited_since_load


def test_an_edit_whose_file_changed_too_is_a_conflict_and_nothing_is_written(client, editor, loaded):
    edit_in_admin(client, editor, "cro", summary="Edited by an editor.")
    loaded.write("cro", CRO.replace("Runs trials", "Runs clinical trials"))
    loaded.write("sponsor", SPONSOR.replace("Takes", "Holds"))
    err = StringIO()

    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_glossary", str(loaded.path), stdout=StringIO(), stderr=err)

    assert "terms/cro.md:1: “cro” was edited in the admin by editor at" in err.getvalue()
    assert "and this file has changed too" in err.getvalue()
    assert Term.objects.get(slug="cro").summary == "Edited by an editor."
    assert Term.objects.get(slug="sponsor").summary == "Takes responsibility for a trial."


def test_an_edit_whose_file_did_not_change_is_kept(client, editor, loaded):
    edit_in_admin(client, editor, "cro", summary="Edited by an editor.")

    out = load(loaded.path)

    assert "kept the admin edit of cro" in out
    assert "1 kept as edited in the admin" in out
    assert Term.objects.get(slug="cro").summary == "Edited by an editor."


def test_overwrite_edits_replaces_the_edit_and_keeps_a_revision_of_it(client, editor, loaded):
    edit_in_admin(client, editor, "cro", summary="Edited by an editor.")
    loaded.write("cro", CRO.replace("Runs trials", "Runs clinical trials"))

    load(loaded.path, "--overwrite-edits")

    cro = Term.objects.get(slug="cro")
    assert cro.summary == "Runs clinical trials for a sponsor."
    assert not cro.edited_since_load
    kept = [
        v for v in Version.objects.get_for_object(cro) if v.field_dict["summary"] == "Edited by an editor."
    ]
    assert kept
    assert any("kept before load_glossary replaced it" in v.revision.comment for v in kept)


def test_an_entry_created_in_the_admin_is_never_removed_by_a_load(client, editor, loaded):
    client.force_login(editor)
    data = term_form(
        Term(slug="quality-agreement", title="Quality agreement", summary="A written agreement.")
    )
    assert client.post("/admin/glossary/term/add/", data).status_code == 302

    load(loaded.path, "--prune")

    assert Term.objects.filter(slug="quality-agreement", source_file="").exists()


def test_a_file_for_an_entry_created_in_the_admin_is_a_conflict(client, editor, loaded):
    Term.objects.create(
        slug="gmp", title="Good manufacturing practice", summary="Made in the admin.", edited_by=editor
    )
    loaded.write("gmp", term_file("Good manufacturing practice", "From a file."))

    with pytest.raises(CommandError):
        call_command("load_glossary", str(loaded.path), stdout=StringIO(), stderr=StringIO())

    assert Term.objects.get(slug="gmp").summary == "Made in the admin."


def test_a_deleted_file_is_listed_and_removed_only_with_prune(loaded):
    loaded.remove("sponsor")

    out = load(loaded.path)

    assert "sponsor has no file any more; it stays until you load with --prune" in out
    assert Term.objects.filter(slug="sponsor").exists()

    out = load(loaded.path, "--prune")

    assert "1 removed" in out
    assert not Term.objects.filter(slug="sponsor").exists()


def test_a_renamed_file_while_the_old_entry_stays_is_explained(loaded):
    loaded.remove("sponsor")
    loaded.write("trial-sponsor", SPONSOR)
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("load_glossary", str(loaded.path), stdout=StringIO(), stderr=err)

    assert (
        "title “Sponsor” is still used by “sponsor”, whose file is gone: load with --prune" in err.getvalue()
    )


def test_every_load_and_admin_save_is_a_revision_with_who_and_why(client, editor, loaded):
    edit_in_admin(client, editor, "cro", summary="Edited by an editor.")

    versions = list(Version.objects.get_for_object(Term.objects.get(slug="cro")))

    assert len(versions) == 2
    newest, first = versions
    assert newest.revision.user == editor
    assert newest.field_dict["summary"] == "Edited by an editor."
    assert "load_glossary" in first.revision.comment


def test_a_load_keeps_a_version_of_what_it_updates_and_none_of_what_it_creates(loaded):
    cro = Term.objects.get(slug="cro")
    assert not Version.objects.get_for_object(cro).exists()  # its file is its record

    loaded.write("cro", CRO.replace("Runs trials", "Runs clinical trials"))
    load(loaded.path)

    (version,) = Version.objects.get_for_object(cro)
    assert version.field_dict["summary"] == "Runs clinical trials for a sponsor."
    assert "load_glossary" in version.revision.comment


def test_a_loaded_term_deleted_in_the_admin_can_be_recovered_as_loaded(client, editor, loaded):
    client.force_login(editor)
    sponsor = Term.objects.get(slug="sponsor")

    response = client.post(f"/admin/glossary/term/{sponsor.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    (deleted,) = Version.objects.get_deleted(Term)
    assert deleted.field_dict["title"] == "Sponsor"
    assert deleted.revision.comment == "Loaded from terms/sponsor.md by load_glossary"
    assert deleted.revision.date_created == sponsor.loaded


def test_an_unchanged_reload_makes_no_revision(loaded):
    before = Version.objects.count()

    load(loaded.path)

    assert Version.objects.count() == before


def test_staff_see_what_changed_between_two_revisions(client, editor, loaded):
    edit_in_admin(client, editor, "cro", summary="A mistaken edit.")
    cro = Term.objects.get(slug="cro")
    newest, original = list(Version.objects.get_for_object(cro))

    history = client.get(f"/admin/glossary/term/{cro.pk}/history/").content.decode()
    diff = client.get(
        f"/admin/glossary/term/{cro.pk}/history/compare/",
        {"version_id1": original.pk, "version_id2": newest.pk},
    ).content.decode()
    old = client.get(f"/admin/glossary/term/{cro.pk}/history/{original.pk}/").content.decode()

    assert "Loaded from" in history and "editor" in history
    assert "mistaken" in diff and "Runs trials" in diff
    assert "Runs trials for a sponsor." in old  # the form to revert to, filled with the old version


def test_revisions_follow_what_a_term_owns(loaded):
    with reversion.create_revision():
        reversion.add_to_revision(Term.objects.get(slug="cro"))
    version = Version.objects.get_for_object(Term.objects.get(slug="cro")).first()

    assert version.revision.version_set.count() >= 1


def test_the_editors_group_has_exactly_the_content_permissions(db):
    group = Group.objects.get(name="Editors")
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert ("glossary", "change_term") in codenames
    assert ("quiz", "change_question") in codenames
    assert ("auth", "change_user") not in codenames
    assert not any(app in {"auth", "sessions", "contenttypes", "admin"} for app, _ in codenames)
    assert ("quiz", "change_attempt") not in codenames


def test_staff_without_the_permission_cannot_edit(client, loaded):
    staff = User.objects.create_user("visitor", password="a-long-password", is_staff=True)
    client.force_login(staff)

    assert client.get("/admin/glossary/term/").status_code == 403


def test_an_editor_can_edit_terms_but_not_users(client, loaded):
    user = User.objects.create_user("writer", password="a-long-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)

    assert client.get("/admin/glossary/term/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403


# Content health


def test_the_report_lists_what_needs_an_editor(loaded):
    from glossary.health import report

    Term.objects.filter(slug="sponsor").update(reviewed="2020-01-01")
    Term.objects.filter(slug="cro").update(
        body_html='<p>The FDA and the FDA again, an NDA, and <span class="missing-term">gone</span>.</p>'
        "<p>Under the FD&amp;C Act, a Type II file, Part III.</p>"
    )
    Term.objects.create(slug="ema", title="EMA", summary="x", body="The FDA and the NDA, FD&C, Part III.")
    cro = Term.objects.get(slug="cro")
    cro.sources.create(title="Broken", url="not a url")

    sections = {s.title: [label for label, _ in s.items] for s in report()}

    # Roman numerals and pieces of longer names are not abbreviations to define.
    assert not any(
        label.startswith(("II,", "III,", "FD,", "C,")) for label in sections["Used but not defined"]
    )
    # Which entries, not only how many.
    assert "[[gone]], in 1 entry: Contract research organization" in sections["Used but not defined"]
    assert "FDA, in 2 entries: Contract research organization, EMA" in sections["Used but not defined"]
    assert "NDA, in 2 entries: Contract research organization, EMA" in sections["Used but not defined"]
    assert set(sections["Not linked from any other entry"]) == {
        "Contract research organization",
        "Sponsor",
        "EMA",
    }
    assert "Sponsor" in sections["Without a primary source"]
    assert "Sponsor (2020-01-01)" in sections["Not reviewed for over a year"]
    assert "Contract research organization: not a url" in sections["Malformed source addresses"]


def test_the_report_command_prints_every_section(loaded):
    out = StringIO()

    call_command("glossary_report", stdout=out)

    for title in (
        "Used but not defined",
        "Not linked from any other entry",
        "Without a primary source",
        "Not reviewed for over a year",
        "Malformed source addresses",
    ):
        assert title in out.getvalue()


def test_the_admin_shows_content_health_to_editors_only(client, loaded):
    writer = User.objects.create_user("writer", password="a-long-password", is_staff=True)
    writer.groups.add(Group.objects.get(name="Editors"))
    client.force_login(writer)

    page = client.get("/admin/glossary/term/health/").content.decode()
    changelist = client.get("/admin/glossary/term/").content.decode()

    assert "Not linked from any other entry" in page
    assert 'href="/admin/glossary/term/health/"' in changelist
    client.force_login(User.objects.create_user("visitor", password="a-long-password", is_staff=True))
    assert client.get("/admin/glossary/term/health/").status_code == 403


# Reports of problems (glossary/reports): editors read and close them.


def test_an_editor_sees_and_closes_reports_but_cannot_delete_them(client, glossary):
    send(client, email="reader@example.org")
    report = Report.objects.get()
    user = User.objects.create_user("writer", password="a-long-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    editor = Client()
    editor.force_login(user)

    assert "Reports of problems: 1 open" in editor.get("/admin/reports/report/").content.decode()
    assert editor.get(f"/admin/reports/report/{report.pk}/delete/").status_code == 403
    response = editor.post(f"/admin/reports/report/{report.pk}/change/", {"closed": "on"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.closed, report.email, report.closed_by) == (True, "", user)


def test_the_editors_group_may_view_and_change_reports_only(db):
    codenames = set(
        Group.objects.get(name="Editors")
        .permissions.filter(content_type__app_label="reports")
        .values_list("codename", flat=True)
    )

    assert codenames == {"view_report", "change_report"}
    assert Permission.objects.filter(content_type__app_label="reports", codename="delete_report").exists()
