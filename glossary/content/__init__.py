"""Loading content/ into the database, in four stages, each a module with one function:

    read.py     read_content(root)          read every file and check it, alone and against others
    plan.py     make_plan(content)          compare with the database: what to create, update, keep
    render.py   render_plan(content, plan)  render the Markdown of what will be written
    write.py    write_plan(content, plan)   write it in one transaction, under the content lock

Reading, checking and rendering happen before the lock is taken, so an admin save waits only for
the writing. export.py is the way back: the admin's edits written out as content files.
"""

from glossary.content.plan import EditConflict, make_plan
from glossary.content.read import ContentError, Problem, display_path, read_content
from glossary.content.render import render_plan
from glossary.content.write import write_plan


def load_content(root, dry_run=False, overwrite_edits=False, prune=False, take=()):
    """Bring the database in line with the files under `root`; returns a write.Report.

    Raises ContentError (every problem, nothing written) when a file is wrong, and EditConflict when
    an entry changed in the admin and in its file. `overwrite_edits` lets the files win (a revision
    of each edit is kept); `take` does so for the given (model, slug) pairs alone. Entries whose
    files are gone are removed only with `prune`.
    """
    options = {"overwrite_edits": overwrite_edits, "prune": prune, "take": take}
    content = read_content(root)
    plan = make_plan(content, **options)
    plan.refuse()  # early, before rendering; write_plan checks again once it holds the lock
    render_plan(content, plan)
    return write_plan(content, plan, dry_run=dry_run, **options)


__all__ = ["ContentError", "EditConflict", "Problem", "display_path", "load_content", "read_content"]
