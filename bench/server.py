"""The site as production serves it, for the benchmarks that load it over HTTP (pages, lighthouse)."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def environment(work, cache_url="", database_url=""):
    """Production settings as a fresh install has them (DEBUG off, nothing tuned), with the static
    folder under `work` and the database there too (SQLite) unless `database_url` names one."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "glossary.settings",
        "DATABASE_URL": database_url or f"sqlite:///{work / 'db.sqlite3'}",
        "STATIC_ROOT": str(work / "static"),
        "SECRET_KEY": "benchmark-only",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CACHE_URL": cache_url,
    }


def on_postgres():
    """`make bench DATABASE=postgres` runs every benchmark on a throwaway PostgreSQL server, and
    serves pages with a throwaway Redis shared by the workers: the scale-out layout of docs/deploy.md."""
    return os.environ.get("BENCH_DATABASE") == "postgres"


def fresh_database(work):
    """A new, empty database for one benchmark: a SQLite file under `work`, or a database of its own
    on the PostgreSQL server DATABASE_URL names (the throwaway one, removed with the whole server)."""
    if not on_postgres():
        return f"sqlite:///{work / 'db.sqlite3'}"
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(urlunsplit(url._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return urlunsplit(url._replace(path=f"/{name}"))


def shared_cache():
    """CACHE_URL of the layout benchmarked: the throwaway Redis on PostgreSQL, else none."""
    return os.environ["REDIS_URL"] if on_postgres() else ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py on 127.0.0.1, stopped with SIGTERM. It starts as
    many workers as that file gives a fresh install (twice the cores, plus one) unless told `workers`."""

    def __init__(
        self, work, cache_url="", own_site_url=False, workers=None, behind_proxy=False, database_url=""
    ):
        """`own_site_url`: SITE_URL is the server's own address (canonical links point at it);
        `behind_proxy`: clients are told apart by X-Forwarded-For, as behind a load balancer."""
        self.base = f"http://127.0.0.1:{free_port()}"
        env = {
            **environment(work, cache_url, database_url),
            "BIND": self.base[7:],
        }
        if workers:
            env["WEB_CONCURRENCY"] = str(workers)
        env["BEHIND_PROXY"] = "1" if behind_proxy else "0"
        if own_site_url:
            env["SITE_URL"] = self.base
        self.log = open(work / "gunicorn.log", "ab")  # closed in stop()
        self.process = subprocess.Popen(
            [ROOT / ".venv/bin/gunicorn", "glossary.wsgi", "-c", ROOT / "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # the access log
            stderr=self.log,
        )
        for _ in range(300):
            try:
                if urllib.request.urlopen(self.base + "/healthz", timeout=2).status == 200:
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start; see {work / 'gunicorn.log'}")

    def drained(self):
        """Wait until requests left queued by a finished wrk run are served (a sync worker serves each)."""
        urllib.request.urlopen(self.base + "/healthz", timeout=600).read()

    def size(self, path):
        with urllib.request.urlopen(self.base + path, timeout=60) as response:
            return len(response.read())

    def stop(self):
        self.process.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
