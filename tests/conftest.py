import os
import shutil
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import override_settings

from glossary.content import ContentError, load_content
from glossary.models import Category, Term

# pytest-playwright runs an event loop; without this, creating the live server's database fails
# with SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Tests run with the production static storage (hashed names), which needs collectstatic."""
    static_root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=static_root):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield static_root


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def glossary(db):
    """The real content of content/, loaded."""
    load_content(CONTENT_DIR)


def term_file(title="A term", summary="What it is.", body="", **keys):
    """The text of a term file; extra keys are written as YAML as given (strings are raw YAML)."""
    lines = [f"title: {title}", f"summary: {summary}"]
    lines += [f"{key}: {value}" for key, value in keys.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + textwrap.dedent(body)


def problems_of(path):
    """The problems a load of `path` reports, as "path:line: message" lines."""
    with pytest.raises(ContentError) as caught:
        load_content(path)
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def content(tmp_path):
    """A content directory to write files into: content.write("cmo", text) or content.raw(...)."""

    class ContentDir:
        path = tmp_path

        def __init__(self):
            (tmp_path / "terms").mkdir()
            (tmp_path / "categories.yml").write_text(
                "- slug: organizations\n  name: Organizations and roles\n  description: Who does what.\n"
                "- slug: quality\n  name: Manufacturing and quality\n  description: How it is made.\n"
            )

        def write(self, slug, text, folder="terms"):
            (tmp_path / folder).mkdir(exist_ok=True)
            (tmp_path / folder / f"{slug}.md").write_text(text, encoding="utf-8")

        def file(self, name, text):
            (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")

        def raw(self, name, data):
            (tmp_path / "terms" / name).write_bytes(data)

        def remove(self, slug, folder="terms"):
            (tmp_path / folder / f"{slug}.md").unlink()

    return ContentDir()


@pytest.fixture
def make_term(db):
    """Create a term straight in the database (its save renders the body)."""

    def make(slug, title=None, abbreviation="", summary="A summary.", body="", category=None, **fields):
        term = Term(
            slug=slug,
            title=title or slug.replace("-", " ").capitalize(),
            abbreviation=abbreviation,
            summary=summary,
            body=body,
            category=category,
            **fields,
        )
        term.save()
        return term

    return make


@pytest.fixture
def authored(tmp_path, db):
    """A copy of the real content/, loaded: the files an author keeps in git."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    load_content(root)
    return root


@pytest.fixture
def editor(client, db):
    """The test client, logged in as a superuser called "editor"."""
    User.objects.create_superuser("editor", "editor@example.org", "a-long-password")
    client.force_login(User.objects.get(username="editor"))
    return client


@pytest.fixture
def category(db):
    return Category.objects.create(slug="quality", name="Manufacturing and quality", description="How.")


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def term_form(term, **changes):
    """The admin's change form for `term` as the browser would send it, with `changes` applied."""
    data = {
        "title": term.title,
        "slug": term.slug,
        "abbreviation": term.abbreviation,
        "sense": term.sense,
        "summary": term.summary,
        "category": term.category_id or "",
        "body": term.body,
        "autolink": "on" if term.autolink else "",
        "related": [t.pk for t in term.related.all()] if term.pk else [],
        "reviewed": term.reviewed or "",
        "seen": type(term).objects.get(pk=term.pk).updated.isoformat() if term.pk else "",
        **{
            f"{name}-{f}": "0"
            for name in ("aliases", "sources", "facets", "former_slugs")
            for f in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }
    data.update(changes)
    return data


@pytest.fixture(autouse=True)
def fresh_rate_limits(monkeypatch):
    """Each test starts with no requests counted against any client, and the limits' clock stands
    still at the start of an hour: a test's requests never straddle two counting windows."""
    from django.core.cache import caches

    from glossary import throttle

    caches["limits"].clear()
    monkeypatch.setattr(throttle, "time", SimpleNamespace(time=lambda: 500_000 * 3600 + 1.0))


@pytest.fixture
def cached(settings, glossary):
    """The real content with the page cache on (tests run with the dummy cache otherwise); returns it."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
    }
    from django.core.cache import cache

    cache.clear()
    return cache
