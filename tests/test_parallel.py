"""The processes a large load reads and renders in (glossary/content/parallel.py)."""

import io
import multiprocessing
import os

import pytest
from django.core.management import CommandError, call_command

from glossary.content import load_content, parallel, read
from glossary.content.parallel import PARALLEL_FROM, Workers, shared
from glossary.models import Term
from tests.conftest import CONTENT_DIR, term_file


def test_workers_hand_their_processes_every_item_shared_in_order(settings):
    settings.LOAD_PROCESSES = 2
    with Workers(PARALLEL_FROM) as workers:
        path = workers.share(range(12_000))  # several chunks
        assert [n for _, n in workers.map(len, ["a", "bb"] * 1500)] == [1, 2] * 1500
        assert list(shared(path)) == list(range(12_000))
        assert workers.pool is not None

    assert not os.path.exists(path)  # the file goes with the processes
    assert multiprocessing.active_children() == []


def test_without_processes_map_runs_in_the_loader_and_nothing_is_shared(settings):
    settings.LOAD_PROCESSES = 1
    with Workers(PARALLEL_FROM) as workers:
        assert workers.pool is None
        assert workers.share(range(3)) is None
        assert [pid for _, pid in workers.map(lambda job: os.getpid(), "ab")] == [os.getpid()] * 2


def test_a_large_load_forks_before_it_reads_a_file_and_its_processes_end_with_the_rendering(
    db, monkeypatch, settings
):
    settings.LOAD_PROCESSES = 2
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    events = []
    get_context = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda name: events.append(name) or get_context(name))
    read_entries = read.read_entries
    monkeypatch.setattr(read, "read_entries", lambda *args: events.append("read") or read_entries(*args))

    load_content(CONTENT_DIR)

    assert events[0] == "fork" and events.count("fork") == 1  # once, before the first file is read
    assert multiprocessing.active_children() == []


def test_a_reload_renders_its_few_changed_bodies_in_the_loader(db, content, monkeypatch, settings):
    settings.LOAD_PROCESSES = 2
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 3)
    for slug in ("one", "two", "three"):
        content.write(slug, term_file(slug.title(), "A term."))
    load_content(content.path)
    content.write("two", term_file("Two", "A term.", body="Changed."))
    rendered = []  # by the loader: the processes' own calls are not seen here
    render_body = read.render_body
    monkeypatch.setattr(
        read, "render_body", lambda *args: rendered.append(args[1].path) or render_body(*args)
    )

    load_content(content.path)

    assert [os.path.basename(path) for path in rendered] == ["two.md"]
    assert multiprocessing.active_children() == []


def test_a_process_that_dies_fails_the_load_with_a_clear_error_and_writes_nothing(
    db, content, monkeypatch, settings
):
    settings.LOAD_PROCESSES = 2
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    for slug in ("one", "two"):
        content.write(slug, term_file(slug.title(), "A term."))
    monkeypatch.setattr(read, "render_body", lambda *args: os._exit(9))  # as if killed, in a process

    with pytest.raises(CommandError, match="ended before its work was done.*Nothing was loaded"):
        call_command("load_glossary", str(content.path), stdout=io.StringIO())

    assert not Term.objects.exists()
    assert multiprocessing.active_children() == []
