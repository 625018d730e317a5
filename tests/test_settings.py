"""Settings come from the environment; unsafe defaults never reach production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def django(code, **env):
    """Run `code` in a fresh interpreter with only the given environment (plus PATH)."""
    environment = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "glossary.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_debug_is_off_unless_asked():
    result = django("from django.conf import settings; print(settings.DEBUG)", SECRET_KEY="x" * 50)

    assert result.stdout.strip() == "False"


def test_without_debug_a_secret_key_is_required():
    result = django("pass")

    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_debug_runs_with_no_configuration_on_sqlite():
    result = django(
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], settings.ALLOWED_HOSTS)",
        DEBUG="1",
    )

    assert result.returncode == 0, result.stderr
    assert "django.db.backends.sqlite3" in result.stdout
    assert "127.0.0.1" in result.stdout


def test_database_url_selects_postgresql():
    result = django(
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://app:app@127.0.0.1:5432/app",
    )

    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_an_https_site_url_passes_the_deployment_checks():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP",
            "SITE_URL": "https://glossary.example.org",
        },
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "cache_url, pages_in, counted_in",
    [
        ("", "LocMemCache", "LocMemCache"),
        ("locmem://", "LocMemCache", "LocMemCache"),
        ("dummy://", "DummyCache", "LocMemCache"),  # the page cache may be off; the rate limits still count
        # Pages stay in each process; the shared Redis holds the content version and the counters.
        ("redis://127.0.0.1:6379/0", "LocMemCache", "RedisCache"),
    ],
)
def test_every_cache_setting_passes_the_deployment_checks_and_keeps_rate_limits(
    cache_url, pages_in, counted_in
):
    environment = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP",
        "SITE_URL": "https://glossary.example.org",
        "CACHE_URL": cache_url,
    }
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    caches = django(
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'], settings.CACHES['limits']['BACKEND'])",
        **environment,
    )

    assert check.returncode == 0, check.stdout + check.stderr
    pages, limits = caches.stdout.split()
    assert pages.endswith(pages_in) and limits.endswith(counted_in)
