"""Eight people taking the quiz at once on the default SQLite database, through gunicorn's processes,
while an editor saves in the admin: nobody gets a server error. (The test database pytest-django
makes cannot show this: it is one process. This runs the site as production does, on a file.)"""

import sqlite3

from bench.quiz import prepare, run
from bench.server import Gunicorn


def test_eight_quiz_takers_and_an_editor_at_once_get_no_server_error(tmp_path):
    prepare(tmp_path)
    server = Gunicorn(tmp_path, workers=4, behind_proxy=True)
    try:
        statuses, _, saves = run(server.base, takers=8, quizzes=200)
    finally:
        server.stop()

    failures = {kind: dict(c) for kind, c in statuses.items() if any(status >= 500 for status in c)}
    assert failures == {}
    assert statuses["send + result"] == {200: 200}
    assert statuses["check"] == {200: 600}
    assert saves > 0 and statuses["admin save"] == {200: saves}
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        sent = db.execute("SELECT count(*) FROM quiz_attempt WHERE submitted IS NOT NULL").fetchone()[0]
    assert sent == 200
