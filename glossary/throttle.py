"""Who is asking (the client's address, behind trusted proxies), and how often they may write.

The quiz's checks and submissions are the only anonymous writes; each is limited per client so that
a script can neither learn every answer at once nor flood the statistics. The login lockout
(django-axes) keys on the same address (settings.AXES_CLIENT_IP_CALLABLE).
"""

import ipaddress
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.template.loader import render_to_string


def client_address(request):
    """The visitor's address: REMOTE_ADDR, or with PROXY_HOPS trusted proxies in front, the address
    the outermost of them saw (counted from the right of X-Forwarded-For: entries further left are
    whatever the client chose to send). None when there is no valid address (a request made in code)."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.PROXY_HOPS:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= settings.PROXY_HOPS:
            address = forwarded[-settings.PROXY_HOPS]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_network(request):
    """What a limit counts by: the address, or for IPv6 its /64 (one household or one host)."""
    address = client_address(request)
    if address and ipaddress.ip_address(address).version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address or "unknown"


def wait_needed(request, scope):
    """Count one request of `scope` from this client; the seconds to wait if it is over the limit
    (settings.RATE_LIMITS: {scope: (requests, per seconds)}), else 0. Fixed windows in the "limits"
    cache: shared between processes when that is Redis, each process's own otherwise."""
    limit, window = settings.RATE_LIMITS[scope]
    now = time.time()
    start = int(now // window) * window
    key = f"limit:{scope}:{client_network(request)}:{start}"
    cache = caches["limits"]
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this request as the first
        cache.set(key, 1, window)
        count = 1
    return int(start + window - now) + 1 if count > limit else 0


# What each limited thing is called on the page that says to wait, what is kept meanwhile, and why the
# limit is there.
LIMITED = {
    "quiz": (
        "quiz answers",
        "the answers you have ticked are kept.",
        "The limit keeps the quiz’s statistics honest; a whole class answering together stays well within it.",
        "Back to the quiz",
    ),
    "explain": (
        "texts to explain",
        "your text is still in the form if you go back.",
        "The limit keeps the site quick for everyone; a person pasting text stays well within it.",
        "Back to Explain this text",
    ),
    "report": (
        "reports of problems",
        "your message is still in the form if you go back.",
        "The limit keeps the reports readable for the people who answer them; a reader reporting mistakes stays well within it.",
        "Back to the form",
    ),
}


def limited(scope):
    return LIMITED[scope.split("-")[0]]


def wait_message(wait, scope):
    minutes = max(1, -(-wait // 60))
    when = "in a minute" if minutes == 1 else f"in {minutes} minutes"
    what, kept, _, _ = limited(scope)
    return f"Too many {what} came from your network in the last few minutes. Please try again {when}; {kept}"


def too_many(request, wait, scope):
    """The 429 page: what happened, and when to try again."""
    _, _, why, back = limited(scope)
    context = {"message": wait_message(wait, scope), "why": why, "back": back}
    page = render_to_string("429.html", context, request=request)
    response = HttpResponse(page, status=429)
    response["Retry-After"] = str(wait)
    return response
