"""Site-wide policies: the health check, the Content Security Policy, and the cache of public pages."""

import hashlib

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponseNotModified, JsonResponse
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


class PublicPageCacheMiddleware:
    """Serve anonymous GET requests from the cache, and let browsers revalidate with ETag.

    Keys and ETags carry the content version, a number every load and admin save increases in the
    database: so on the next request after a change, every worker on every machine builds the page
    anew, whether the cache is shared (Redis, CACHE_URL) or each process's own memory.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.cacheable_request(request):
            return self.get_response(request)
        number, changed = ContentVersion.read()
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:16]
        etag = f'"{number}-{digest}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        key = f"page:{number}:{request.method}:{digest}"
        response = cache.get(key)
        if response is None:
            response = self.get_response(request)
            if not self.cacheable_response(request, response):
                return response
            cache.set(key, response, PAGE_TIMEOUT)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(changed.timestamp())
        # Browsers may keep the page but must ask first; the ETag makes asking cheap.
        response["Cache-Control"] = "public, no-cache"
        return response

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
