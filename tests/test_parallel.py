"""The processes a large load reads and renders in (glossary/content/parallel.py)."""

import multiprocessing
import os

from glossary.content import load_content, parallel, read
from glossary.content.parallel import PARALLEL_FROM, Workers, shared
from tests.conftest import CONTENT_DIR


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
