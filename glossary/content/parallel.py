"""The processes a large load reads files and renders bodies in: one per core.

Reading files and rendering bodies are most of a load's work, and each file or body is done on its
own. From PARALLEL_FROM files on, Workers forks one process per core when a load starts, while the
loader is still small: a process forked later would share the loader's pages of parsed files, and
keep each one as it was once the loader writes to it, as the loader does to every file it writes to
the database (at 100,000 terms, over 200 MB in all). The same processes read the files, then render
the bodies: each builds its own index of names from a file the loader writes for it (share()).
"""

import collections
import concurrent.futures
import contextlib
import gc
import multiprocessing
import os
import pickle
import tempfile

from django.conf import settings

from glossary.batches import batches


class ProcessLost(Exception):
    """A process ended before its work was done: killed, say, for want of memory."""

    def __init__(self):
        super().__init__(
            "a process reading or rendering content ended before its work was done (killed, perhaps, "
            "for want of memory); LOAD_PROCESSES=1 loads in one process, with less memory"
        )


PARALLEL_FROM = 2000
# Jobs go out a window at a time, up to AHEAD windows ahead of the caller, who goes on with the last
# ones meanwhile (a window is a few megabytes).
WINDOW = 1000
AHEAD = 2


class Workers:
    """A pool of forked processes for a load of `count` files, or none: then map() runs in the loader.

    None for a small load (forking costs more than it saves), with LOAD_PROCESSES = 1, on one core,
    or where processes cannot be forked.
    """

    def __init__(self, count):
        cores = settings.LOAD_PROCESSES or (
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        )
        self.pool, self.folder = None, None
        if count >= PARALLEL_FROM and cores >= 2 and "fork" in multiprocessing.get_all_start_methods():
            # An executor, not a multiprocessing.Pool: if a process dies, a Pool waits forever for
            # its work, an executor says so. Frozen, the loader's objects are left out of the
            # processes' garbage collections, which would otherwise write to every page they share.
            with frozen_objects():
                self.pool = concurrent.futures.ProcessPoolExecutor(
                    cores, mp_context=multiprocessing.get_context("fork"), initializer=gc.enable
                )
                self.pool.submit(int).result()  # it forks at its first job: now, while the loader is small

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.pool is not None:
            # At most the jobs under way finish (a few milliseconds); the others are dropped.
            self.pool.shutdown(cancel_futures=True)
            self.pool = None
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None

    def close_if_few(self, count):
        """End the processes if `count` jobs are too few for them: a reload after a few files changed
        renders those bodies as fast in the loader, with one names index instead of one in each."""
        if count < PARALLEL_FROM:
            self.close()

    def map(self, function, jobs):
        """(job, function(job)) for each job, in order, as they are asked for."""
        if self.pool is None:
            for job in jobs:
                yield job, function(job)
            return
        pending = collections.deque()
        try:
            for window in batches(jobs, WINDOW):
                pending.append((window, self.pool.map(function, window, chunksize=50)))
                if len(pending) > AHEAD:
                    window, results = pending.popleft()
                    yield from zip(window, results, strict=True)
            for window, results in pending:
                yield from zip(window, results, strict=True)
        except concurrent.futures.process.BrokenProcessPool:
            raise ProcessLost() from None

    def share(self, items):
        """A file the processes can read `items` back from, one by one, with shared(); None when
        there are no processes."""
        if self.pool is None:
            return None
        if self.folder is None:
            self.folder = tempfile.TemporaryDirectory(prefix="glossary-load-")
        path = os.path.join(self.folder.name, f"shared-{len(os.listdir(self.folder.name))}.pickle")
        with open(path, "wb") as file:
            # In chunks, so that neither side ever holds another copy of them all.
            for chunk in batches(items, 5000):
                pickle.dump(chunk, file, protocol=pickle.HIGHEST_PROTOCOL)
        return path


def shared(path):
    """Each item that Workers.share() wrote to `path`, in order."""
    with open(path, "rb") as file:
        while True:
            try:
                yield from pickle.load(file)
            except EOFError:
                return


@contextlib.contextmanager
def frozen_objects():
    """Leave every object alive now out of garbage collection until the block ends, or, in another
    such block, until that one ends."""
    outer = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        if not outer:
            gc.unfreeze()
