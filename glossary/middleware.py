"""Site-wide policies: the health check, the Content Security Policy, and the cache of public pages."""

import hashlib
import re
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponseNotModified, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.http import http_date

from glossary.models import ContentVersion

# Everything the public site loads comes from itself: no inline scripts, no event-handler attributes,
# no other hosts. (JSON-LD blocks are data, never executed, so script-src does not apply to them.)
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The admin and its editor are Django's and django-markdownx's pages, with their own inline code.
UNCACHED_PREFIXES = ("/admin/", "/editor/", "/healthz")
PAGE_TIMEOUT = 60 * 60 * 24


class HealthCheckMiddleware:
    """GET /healthz, for load balancers: 200 when this instance reaches its database, 503 when not.

    First in MIDDLEWARE, so it answers before anything reads the Host header or the scheme: a
    balancer asks each instance by its own address, over plain HTTP, and must not get a 400 (host
    not allowed) or a 301 (to https). No other path is answered this way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != "/healthz" or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            response = JsonResponse({"status": "error", "database": "unreachable"}, status=503)
        else:
            response = JsonResponse({"status": "ok", "database": "ok"})
        response["Cache-Control"] = "no-store"
        return response


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(("/admin/", "/editor/")):
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def cached_by(**params):
    """Declare the query parameters a view's pages depend on, each with the pattern a value must
    match to be cached: cached_by(letter=r"[A-Z#]"). The page cache keys on these alone, so junk
    parameters share one entry; a value that doesn't match is answered but not kept. A view that
    reads free text (a search) is not cached at all: it says so with never_cache."""

    def declare(view):
        view.cached_by = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in params.items()}
        return view

    return declare


class PublicPageCacheMiddleware:
    """Serve anonymous GET requests from the cache, and let browsers revalidate with ETag.

    Each process keeps the pages it served in its own memory (the default cache, bounded), each with
    the content version it was built under, and serves one only while that is the version still
    (ContentVersion.latest(), read on every request): every load and admin save changes it, so on
    the next request after a change every worker on every machine builds the page anew. Keys are the
    path and the query parameters the view declares (cached_by), never the Host header: pages take
    their absolute addresses from SITE_URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = self.key(request) if self.cacheable_request(request) else None
        if key is None:
            return self.get_response(request)
        version = ContentVersion.latest()
        etag = f'"{version}-{key[-16:]}"'
        if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        kept = cache.get(key)
        if kept and kept[0] == version:
            response = kept[1]
        else:
            response = self.get_response(request)
            if not self.cacheable_response(request, response):
                return response
            response["Last-Modified"] = http_date()
            cache.set(key, (version, response), PAGE_TIMEOUT)
        response["ETag"] = etag
        # Browsers may keep the page but must ask first; the ETag makes asking cheap.
        response["Cache-Control"] = "public, no-cache"
        return response

    @staticmethod
    def key(request):
        """The page's cache key, or None if its query can't be cached (a value of the wrong form)."""
        declared = {}
        if request.GET:  # most requests have no query: no need to ask the view what it reads
            try:
                declared = getattr(resolve(request.path_info).func, "cached_by", {})
            except Resolver404:
                return None
        kept = []
        for name, pattern in sorted(declared.items()):
            for value in request.GET.getlist(name):
                if not pattern.fullmatch(value):
                    return None
                kept.append((name, value))
        digest = hashlib.sha256(f"{request.path}?{urlencode(kept)}".encode()).hexdigest()
        return f"page:{request.method}:{digest}"

    @staticmethod
    def cacheable_request(request):
        return (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(UNCACHED_PREFIXES)
            # Someone logged in, or with messages waiting, sees a page of their own.
            and "sessionid" not in request.COOKIES
            and "messages" not in request.COOKIES
        )

    @staticmethod
    def cacheable_response(request, response):
        return (
            response.status_code == 200
            and not response.cookies
            and not response.streaming
            # A page with a CSRF token in it, or marked private (the quiz), belongs to one visitor.
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and "private" not in response.get("Cache-Control", "")
        )
