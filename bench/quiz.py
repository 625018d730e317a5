"""People taking the quiz at once, on the default SQLite database, while an editor saves in the admin.

    .venv/bin/python -m bench.quiz                   # 8 takers, 200 quizzes, gunicorn with 4 workers

Each taker opens the quiz, checks three answers one by one (as quiz.js does), sends the rest, and reads
the result: five requests, three of them writes. An editor saves a term in the admin over and over
meanwhile. Every response is counted by status: a 5xx ("database is locked") is a failure.
tests/test_concurrency.py runs the same thing, smaller, and requires zero 5xx.
"""

import argparse
import http.cookiejar
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

from bench.server import ROOT, Gunicorn, environment

EDITOR, PASSWORD = "bench-editor", "a-long-bench-password"


def prepare(work, cache_url="", database_url=""):
    """A database (SQLite under `work` unless `database_url`) with the real content and an editor,
    as a release would make it."""
    env = {**environment(work, cache_url, database_url), "DJANGO_SUPERUSER_PASSWORD": PASSWORD}
    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput"],
        ["load_glossary"],
        ["createsuperuser", "--noinput", "--username", EDITOR, "--email", "editor@example.org"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )


class Browser:
    """One person: a cookie jar, and every response's status and time recorded."""

    def __init__(self, base, address, record):
        self.base, self.address, self.record = base, address, record
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, kind, path, data=None, headers=()):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            self.base + path, body, {"X-Forwarded-For": self.address, **dict(headers)}
        )
        if body is not None:
            request.add_header("Referer", self.base + path)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        self.record(kind, status, time.perf_counter() - started)
        return status, text


def take_quiz(browser):
    _, html = browser.request("quiz page", "/quiz/which-fits/")
    attempt = re.search(r'name="attempt" value="([^"]+)"', html).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    answers = {}
    for name, value in re.findall(r'name="(q-[\w-]+)" id="[\w-]+" value="([\w-]+)"', html):
        answers.setdefault(name, value)  # the first option shown: some right, some wrong
    for name in list(answers)[:3]:
        key = name.removeprefix("q-")
        data = {"attempt": attempt, "question": key, name: answers[name]}
        browser.request("check", "/quiz/which-fits/check/", data, {"X-CSRFToken": csrf})
    browser.request(
        "send + result", "/quiz/which-fits/", {"csrfmiddlewaretoken": csrf, "attempt": attempt, **answers}
    )
    browser.request("start again", "/quiz/which-fits/new/", {"csrfmiddlewaretoken": csrf})


class FormValues(HTMLParser):
    """What a browser would send for the admin's change form: every field as the page fills it."""

    def __init__(self, html):
        super().__init__()
        self.values, self.select, self.textarea = [], None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.values.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.values.append((self.select, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = [a.get("name"), ""]

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.values.append(tuple(self.textarea))
            self.textarea = None


def edit_terms(browser, stop):
    """Log in, then save the CMO entry again and again until `stop` is set."""
    _, page = browser.request("admin", "/admin/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    login = {"csrfmiddlewaretoken": csrf, "username": EDITOR, "password": PASSWORD, "next": "/admin/"}
    browser.request("admin", "/admin/login/?next=/admin/", login)
    _, found = browser.request("admin", "/admin/glossary/term/?q=cmo")
    change = re.search(r'href="(/admin/glossary/term/\d+/change/)[^"]*">Contract manufacturing', found).group(
        1
    )
    saves = 0
    while not stop.is_set():
        _, form = browser.request("admin", change)
        values = [(k, v) for k, v in FormValues(form).values if k != "_selected_action"]
        _, page = browser.request("admin save", change, [*values, ("_continue", "Save")])
        saves += "was changed successfully" in page
    return saves


def run(base, takers=8, quizzes=200):
    """Send `quizzes` quizzes from `takers` people at once (each from its own address, as behind a
    load balancer), with an editor saving meanwhile. Returns ({kind: Counter(status)}, {kind: [s]}, saves)."""
    statuses, times, lock = {}, {}, threading.Lock()

    def record(kind, status, seconds):
        with lock:
            statuses.setdefault(kind, Counter())[status] += 1
            times.setdefault(kind, []).append(seconds)

    stop = threading.Event()
    editor = Browser(base, "198.51.100.200", record)
    with ThreadPoolExecutor(takers + 1) as pool:
        saving = pool.submit(edit_terms, editor, stop)

        def person(n):
            browser = Browser(base, f"203.0.113.{n + 1}", record)
            for _ in range(n, quizzes, takers):
                take_quiz(browser)

        for done in [pool.submit(person, n) for n in range(takers)]:
            done.result()
        stop.set()
        saves = saving.result()
    return statuses, times, saves


def report(statuses, times, saves, seconds, takers, quizzes):
    lines = [
        f"{takers} people sent {quizzes} quizzes in {seconds:.1f} s while an editor saved a term {saves} times.",
        "",
        "| request | count | statuses | median | 95th percentile |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for kind, counted in statuses.items():
        spread = sorted(times[kind])
        p95 = spread[min(len(spread) - 1, int(len(spread) * 0.95))]
        shown = ", ".join(f"{n}× {s}" for s, n in sorted(counted.items()))
        lines.append(
            f"| {kind} | {sum(counted.values())} | {shown} | {statistics.median(spread) * 1000:.0f} ms | {p95 * 1000:.0f} ms |"
        )
    failures = sum(n for c in statuses.values() for s, n in c.items() if s >= 500)
    lines += ["", f"Server errors (5xx): {failures}."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takers", type=int, default=8)
    parser.add_argument("--quizzes", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        prepare(work)
        server = Gunicorn(work, workers=args.workers, behind_proxy=True)
        try:
            started = time.perf_counter()
            statuses, times, saves = run(server.base, args.takers, args.quizzes)
            seconds = time.perf_counter() - started
        finally:
            server.stop()
    print(
        f"gunicorn with {args.workers} sync workers, the default SQLite database (WAL, IMMEDIATE writes).\n"
    )
    print(report(statuses, times, saves, seconds, args.takers, args.quizzes))


if __name__ == "__main__":
    main()
