from django.conf import settings


def site(request):
    """The public address of this page (SITE_URL + path): for canonical links and Open Graph."""
    return {"canonical_url": settings.SITE_URL + request.path, "site_url": settings.SITE_URL}
