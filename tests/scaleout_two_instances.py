"""Two instances, one PostgreSQL, one Redis: the layout docs/deploy.md gives for growing past one
machine. `make test-scaleout` (run by .ci/run) starts both servers (.ci/with-postgres, .ci/with-redis)
and this runs two gunicorn instances on them. The file's name keeps it out of a plain `pytest` run,
which has neither server."""

import os
import re
import shutil
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from bench.quiz import EDITOR, PASSWORD, Browser, FormValues, prepare
from bench.server import ROOT, Gunicorn, environment


@pytest.fixture
def database():
    """A database of its own on the PostgreSQL server DATABASE_URL names, dropped afterwards."""
    url = urlsplit(os.environ["DATABASE_URL"])
    assert url.scheme.startswith("postgres"), "make test-scaleout runs on PostgreSQL"
    name = f"scaleout_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    yield urlunsplit(url._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def two_instances(tmp_path, database):
    cache = os.environ["REDIS_URL"]
    redis.Redis.from_url(cache).flushdb()
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    prepare(tmp_path, cache_url=cache, database_url=database)
    servers = [Gunicorn(tmp_path, cache_url=cache, database_url=database) for _ in range(2)]

    def load():
        env = {**environment(tmp_path, cache, database), "CONTENT_DIR": str(content)}
        subprocess.run(
            [sys.executable, "manage.py", "load_glossary"], cwd=ROOT, env=env, check=True, capture_output=True
        )

    yield servers, content, load
    for server in servers:
        server.stop()


def signed_in(server, address):
    """A browser signed in to the admin of `server` as the editor."""
    person = Browser(server.base, address, lambda *a: None)
    _, page = person.request("admin", "/admin/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    login = {"csrfmiddlewaretoken": csrf, "username": EDITOR, "password": PASSWORD, "next": "/admin/"}
    person.request("admin", "/admin/login/", login)
    return person


def summary_on(server, slug="cmo"):
    _, html = Browser(server.base, "192.0.2.1", lambda *a: None).request("page", f"/terms/{slug}/")
    return re.search(r'<p class="lead[^"]*">(.*?)</p>', html, re.S).group(1).strip()


def summaries(*servers):
    """The summaries every worker of `servers` serves: each is asked often enough to reach them all,
    and each worker keeps the pages it served."""
    return {summary_on(server) for server in servers for _ in range(12)}


def test_a_load_through_one_instance_is_seen_at_once_by_both(two_instances):
    (a, b), content, load = two_instances
    (before,) = summaries(a, b)  # cached now, by every worker of both
    cmo = content / "terms" / "cmo.md"
    cmo.write_text(cmo.read_text().replace(f"summary: {before}", "summary: Loaded while both served."))

    load()

    assert summaries(a, b) == {"Loaded while both served."}


def test_an_admin_save_on_one_instance_is_seen_at_once_on_the_other(two_instances):
    (a, b), _, _ = two_instances
    summaries(b)  # cached by b's workers
    editor = signed_in(a, "192.0.2.2")
    _, found = editor.request("admin", "/admin/glossary/term/?q=cmo")
    change = re.search(r'href="(/admin/glossary/term/\d+/change/)[^"]*">Contract manufacturing', found).group(
        1
    )
    _, form = editor.request("admin", change)
    values = [(k, "Saved on instance A." if k == "summary" else v) for k, v in FormValues(form).values]

    _, saved = editor.request("admin", change, [*values, ("_continue", "Save")])

    assert "was changed successfully" in saved
    assert summaries(b) == {"Saved on instance A."}


def test_a_login_on_one_instance_holds_on_the_other(two_instances):
    (a, b), _, _ = two_instances
    person = signed_in(a, "192.0.2.3")

    person.base = b.base  # the same browser, sent to the other instance by the load balancer
    status, html = person.request("admin", "/admin/")

    assert status == 200 and "Site administration" in html and "Log in" not in html


def test_the_content_version_is_shared_through_the_bounded_redis(two_instances):
    (a, b), _, _ = two_instances
    store = redis.Redis.from_url(os.environ["REDIS_URL"])
    for path in ("/", "/terms/", "/terms/cro/", "/compare/cro-vs-cmo/", "/timeline/"):
        for server in (a, b):
            Browser(server.base, "192.0.2.4", lambda *a: None).request("page", path)
    junk = Browser(a.base, "192.0.2.5", lambda *a: None)
    for n in range(3000):
        junk.request("page", f"/terms/cro/?utm_source=x{n}")

    # Pages stay in each worker's bounded memory; Redis holds what every instance must agree on.
    assert store.get(":1:content-version")
    assert not [key for key in store.keys() if b"page:" in key]
    memory = store.info("memory")
    assert memory["maxmemory"] == 64 * 1024 * 1024 and memory["maxmemory_policy"] == "allkeys-lru"
    assert memory["used_memory"] < memory["maxmemory"]
