import string

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from markdownx.views import MarkdownifyView

from glossary.models import CORE_SLUGS, Category, Term

LETTERS = list(string.ascii_uppercase)


def home(request):
    core = {t.slug: t for t in Term.objects.filter(slug__in=CORE_SLUGS)}
    return render(
        request,
        "glossary/home.html",
        {
            "core_terms": [core[slug] for slug in CORE_SLUGS if slug in core],
            "categories": Category.objects.annotate(term_count=Count("terms")),
            "term_count": Term.objects.count(),
        },
    )


def term_index(request):
    """The A–Z index, optionally narrowed to one category (?category=<slug>)."""
    categories = list(Category.objects.annotate(term_count=Count("terms")))
    terms = Term.objects.only("slug", "title", "abbreviation", "category_id")
    wanted = request.GET.get("category", "")
    selected = next((c for c in categories if c.slug == wanted), None)
    if selected:
        terms = terms.filter(category=selected)
    groups = terms.alphabetical()
    return render(
        request,
        "glossary/term_list.html",
        {
            "nav": "index",
            "groups": groups,
            "letters": LETTERS,
            "present_letters": {letter for letter, _ in groups},
            "categories": categories,
            "selected": selected,
            # An unknown category is answered with the whole index and a note, not an error page.
            "unknown_category": wanted if wanted and not selected else "",
        },
        status=404 if wanted and not selected else 200,
    )


def term_definitions(request):
    """Every term with its summary, on one page."""
    terms = Term.objects.select_related("category").only(
        "slug", "title", "abbreviation", "summary", "category__name", "category__slug"
    )
    groups = [
        (letter, [e for e in entries if not e.is_abbreviation]) for letter, entries in terms.alphabetical()
    ]
    groups = [(letter, entries) for letter, entries in groups if entries]
    return render(
        request,
        "glossary/term_definitions.html",
        {
            "nav": "definitions",
            "groups": groups,
            "letters": LETTERS,
            "present_letters": {letter for letter, _ in groups},
        },
    )


def term_detail(request, slug):
    term = get_object_or_404(
        Term.objects.select_related("category").prefetch_related("aliases", "sources"), slug=slug
    )
    related = Term.objects.related_to(term).only("slug", "title", "abbreviation", "summary")
    return render(request, "glossary/term_detail.html", {"term": term, "related": related})


# The admin editor's endpoints (django-markdownx). The library mounts them for anyone; here they
# are for staff only, and image upload is switched off because entries have no images.


markdown_preview = staff_member_required(MarkdownifyView.as_view())


@staff_member_required
def markdown_upload(request):
    return HttpResponseForbidden("Image upload is switched off for this glossary.")
