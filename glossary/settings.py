"""Settings for the glossary site, all read from the environment.

A fresh clone runs with no configuration at all: SQLite next to manage.py, DEBUG off. Production
is the same file with environment variables set (see README.md), never a second settings module.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)

# The public address, used for absolute links. An https:// address turns on the HTTPS-only settings.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an http:// or https:// address, not {SITE_URL!r}.")
HTTPS = _site.scheme == "https"

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the SECRET_KEY environment variable (or DEBUG=1 for local development)."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-local-development-only"

_default_hosts = [_site.hostname]
if DEBUG:
    _default_hosts += ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS").split(",") if h.strip()] or _default_hosts

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "markdownx",
    "reversion",
    "reversion_compare",
    "axes",
    "glossary",
    "glossary.quiz",
    "glossary.explain",
    "glossary.reports",
]

MIDDLEWARE = [
    "glossary.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed for browsers that ask (WhiteNoise serves static files compressed already).
    # Django's GZipMiddleware pads each response against BREACH; it runs outside the page cache,
    # so the cache keeps one uncompressed copy.
    "django.middleware.gzip.GZipMiddleware",
    "glossary.middleware.ContentSecurityPolicyMiddleware",
    "glossary.middleware.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Every admin save is a revision, with who made it.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Repeated failed admin logins lock that username from that address for a while.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The pause has a fixed length: attempts during it (a right password among them) don't extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "glossary.throttle.client_address"

# Behind a load balancer the client's address is in X-Forwarded-For. BEHIND_PROXY is how many
# proxies in front append to it (1 for one load balancer; "1"/"true" both mean one); each hop is
# trusted to tell who called it, so the address is read that many entries from the right.
_proxy = env("BEHIND_PROXY", "0").strip().lower()
PROXY_HOPS = 1 if _proxy in {"true", "yes", "on"} else int(_proxy or 0)

# Anonymous writes per client (throttle.py): {scope: (requests, per seconds)}. Sized for a class of
# 30 behind one school address taking the quiz together: each checks up to 23 answers and sends once
# or twice within ten minutes.
RATE_LIMITS = {
    "quiz-check": (1200, 600),
    "quiz-send": (90, 600),
    "explain": (1200, 600),  # texts explained, live updates as one types included
    "report": (20, 3600),  # reports of problems: a careful reader sends a few, a script many
}

# Who publishes this copy of the glossary, named on the About page. Without an email address the
# page sends readers to the "Report a problem" forms instead.
PUBLISHER_NAME = env("PUBLISHER_NAME", "The Outsourcing Glossary team").strip()
PUBLISHER_EMAIL = env("PUBLISHER_EMAIL").strip()
PUBLISHER_URL = env("PUBLISHER_URL").strip()
if PUBLISHER_URL and urlsplit(PUBLISHER_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(
        f"PUBLISHER_URL must be an http:// or https:// address, not {PUBLISHER_URL!r}."
    )

ROOT_URLCONF = "glossary.urls"
WSGI_APPLICATION = "glossary.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "glossary.context_processors.site",
            ],
        },
    },
]

# SQLite by default so that a fresh clone runs with no set-up; PostgreSQL when DATABASE_URL names one.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Connections are kept between requests (and checked before reuse): opening one for each
        # request cost a cached page two thirds of its speed (docs/performance.md).
        conn_max_age=int(env("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Every transaction takes the write lock when it begins, so a content load and an admin save
        # wait for each other instead of failing half-way (models.lock_content); a writer waits up to
        # 20 s for the lock rather than answering "database is locked"; and with write-ahead logging
        # readers never wait for a writer, so pages keep being served during a load.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
    # Tests get a file too, not an in-memory database: the concurrency tests need real locks.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Pages (glossary/middleware.py) are kept in each process's memory.
# With several instances, CACHE_URL names one Redis that all of them share (redis://host:6379/0): it
# holds the content version every cached page is checked against, so a change reaches every reader on
# the next request, and the rate limits' counters. Without it the version is read from the database.
_cache_url = env("CACHE_URL")
_shared_cache = _cache_url.startswith(("redis://", "rediss://"))
if not _shared_cache and _cache_url not in ("", "locmem://", "dummy://"):
    raise ImproperlyConfigured(f"CACHE_URL must be redis://…, locmem:// or dummy://, not {_cache_url!r}.")
if _cache_url == "dummy://" or (_cache_url == "" and DEBUG):
    # While developing, templates change under a running server: don't keep pages.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # A bound on each process's memory: 1,000 pages of about 35 KB.
            "OPTIONS": {"MAX_ENTRIES": 1000},
        }
    }
if _shared_cache:
    # Django's Redis backend, keeping one redis-py client (glossary/cache.py).
    CACHES["shared"] = {"BACKEND": "glossary.cache.RedisCache", "LOCATION": _cache_url}
# The rate limits' counters: the shared Redis when there is one, else each process's memory; never
# the dummy cache, which would keep no count.
CACHES["limits"] = (
    {**CACHES["shared"], "KEY_PREFIX": "limits"}
    if _shared_cache
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits"}
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes and WhiteNoise serves from (the benchmarks use a temporary folder).
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names let browsers cache static files for a year; a changed file gets a new name.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Where the loader reads content from when no path is given.
CONTENT_DIR = Path(env("CONTENT_DIR", str(BASE_DIR / "content")))

# django-markdownx's editor posts to these; views.markdown_preview answers with the renderer of
# published pages (so the preview shows exactly what will be published), to editors only.
MARKDOWNX_URLS_PATH = "/editor/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/editor/upload/"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [SITE_URL]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
