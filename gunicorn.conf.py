"""gunicorn settings for production: `gunicorn glossary.wsgi` reads this file from the working directory.

Every value can be overridden from the environment (GUNICORN_CMD_ARGS, or the variables below).
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
# Sync workers suit a site whose requests are short database reads; two per core plus one is gunicorn's rule.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so that no slow leak can grow for ever; but rarely: a new worker
# imports Django again (about half a second) and starts with an empty page cache when the cache is
# the process's own memory (no CACHE_URL). At 2,000 requests a busy worker was recycled every few
# seconds under load (bench/pages.py).
max_requests = 50000
max_requests_jitter = 5000
accesslog = "-"
errorlog = "-"
# Behind a load balancer that terminates TLS: trust its X-Forwarded-* headers (set FORWARDED_ALLOW_IPS
# to its address; "*" only where nothing else can reach the instances).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
