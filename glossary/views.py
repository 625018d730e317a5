import html
import string

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import strip_tags
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from glossary.middleware import cached_by
from glossary.models import (
    CORE_SLUGS,
    MAX_BODY,
    MAX_COMPARED,
    MAX_SUGGESTED,
    Aspect,
    Category,
    Comparison,
    Deletion,
    FormerSlug,
    Source,
    Term,
    alphabetical,
    comparison_rows,
    worth_comparing,
)
from glossary.rendering import render_preview
from glossary.search import compared, highlight, search, suggestions
from glossary.timeline import timeline

LETTERS = list(string.ascii_uppercase)
SET_NAME = "Drug Development Outsourcing Glossary"


def term_set(request, terms=()):
    """schema.org DefinedTermSet: the glossary, with its terms when a page lists them."""
    data = {
        "@context": "https://schema.org",
        "@type": "DefinedTermSet",
        "name": SET_NAME,
        "url": settings.SITE_URL + reverse("glossary:term_index"),
    }
    if terms:
        data["hasDefinedTerm"] = [
            {
                "@type": "DefinedTerm",
                "name": t.title,
                **({"termCode": t.abbreviation} if t.abbreviation else {}),
                "url": settings.SITE_URL + t.get_absolute_url(),
            }
            for t in terms
        ]
    return data


def defined_term(term, aliases):
    data = {
        "@context": "https://schema.org",
        "@type": "DefinedTerm",
        "name": term.title,
        "description": term.summary,
        "url": settings.SITE_URL + term.get_absolute_url(),
        "inDefinedTermSet": {k: v for k, v in term_set(None).items() if k != "@context"},
    }
    if term.abbreviation:
        data["termCode"] = term.abbreviation
    if aliases:
        data["alternateName"] = [a.name for a in aliases]
    return data


def home(request):
    core = {t.slug: t for t in Term.objects.filter(slug__in=CORE_SLUGS)}
    return render(
        request,
        "glossary/home.html",
        {
            "core_terms": [core[slug] for slug in CORE_SLUGS if slug in core],
            "categories": Category.objects.annotate(term_count=Count("terms")),
            "term_count": Term.objects.count(),
            "comparisons": Comparison.objects.only("slug", "title", "summary"),
            "timeline": timeline(),
        },
    )


# The A–Z listings' parameters, as the page cache may keep them (middleware.cached_by).
LISTING = {"letter": r"[A-Z#]", "page": r"\d{1,4}"}


@cached_by(category=r"[a-z0-9-]{1,100}", **LISTING)
def term_index(request):
    """The A–Z index, optionally narrowed to one category (?category=<slug>)."""
    categories = list(Category.objects.annotate(term_count=Count("terms")))
    terms = Term.objects.only("slug", "title", "abbreviation", "category_id")
    wanted = request.GET.get("category", "")
    selected = next((c for c in categories if c.slug == wanted), None)
    if selected:
        terms = terms.filter(category=selected)
    index = letter_pages(request, terms)
    return render(
        request,
        "glossary/term_list.html",
        {
            "nav": "index",
            **index,
            "categories": categories,
            "selected": selected,
            "query_prefix": f"category={selected.slug}&" if selected else "",
            # An unknown category is answered with the whole index and a note, not an error page.
            "unknown_category": wanted if wanted and not selected else "",
            "structured_data": term_set(
                request, [e.term for _, entries in index["groups"] for e in entries if not e.is_abbreviation]
            ),
        },
        status=404 if (wanted and not selected) or index["unknown_letter"] else 200,
    )


@cached_by(**LISTING)
def term_definitions(request):
    """Every term with its summary: on one page, or a letter at a time in a large glossary."""
    terms = Term.objects.select_related("category").only(
        "slug", "title", "abbreviation", "summary", "category__name", "category__slug"
    )
    index = letter_pages(request, terms, abbreviations=False)
    return render(
        request,
        "glossary/term_definitions.html",
        {
            "nav": "definitions",
            **index,
            "structured_data": term_set(request, [e.term for _, entries in index["groups"] for e in entries]),
        },
        status=404 if index["unknown_letter"] else 200,
    )


# A glossary up to this many terms is listed on one page; a larger one a letter at a time (?letter=),
# this many entries a page (?page=): a page of 100,000 terms would weigh 45 MB and take seconds.
INDEX_PAGE = 300


def letter_pages(request, terms, abbreviations=True):
    """The context of an A–Z listing: the groups to show, the letters, and where we are."""
    first = list(terms[: INDEX_PAGE + 1])
    if len(first) <= INDEX_PAGE:
        groups = alphabetical(first, abbreviations)
        return {
            "groups": groups,
            "letters": LETTERS,
            "present_letters": {letter for letter, _ in groups},
            "paged": False,
            "letter": "",
            "page": None,
            "unknown_letter": "",
        }
    present = terms.initials(abbreviations)
    asked = request.GET.get("letter", "").upper()
    unknown = asked if asked and asked not in [*LETTERS, "#"] else ""
    letter = asked if asked and not unknown else min(present - {"#"}, default="#")
    groups = terms.under_letter(letter, abbreviations).alphabetical(abbreviations, letter)
    entries = groups[0][1] if groups else []
    page = Paginator(entries, INDEX_PAGE).get_page(request.GET.get("page"))
    return {
        "groups": [(letter, list(page))] if entries else [],
        "letters": LETTERS,
        "present_letters": present,
        "paged": True,
        "letter": letter,
        "page": page if page.paginator.num_pages > 1 else None,
        "unknown_letter": unknown[:10],
    }


def moved_or_gone(request, kind, slug):
    """For an address that names no entry: a permanent redirect if a term was renamed from it, a
    410 page if the entry was deleted, and otherwise a 404."""
    moved = FormerSlug.objects.filter(slug=slug).select_related("term").first() if kind == "term" else None
    if moved:
        return redirect(moved.term, permanent=True)
    deletion = Deletion.objects.filter(kind=kind, slug=slug).first()
    if deletion:
        words = slug.replace("-", " ")
        return render(request, "410.html", {"deletion": deletion, "words": words}, status=410)
    raise Http404(f"No {kind} “{slug}”")


def term_detail(request, slug):
    term = (
        Term.objects.select_related("category")
        .prefetch_related("aliases", "sources")
        .filter(slug=slug)
        .first()
    )
    if term is None:
        return moved_or_gone(request, "term", slug)
    related = Term.objects.related_to(term).only("slug", "title", "abbreviation", "summary")
    facets = list(term.facets.select_related("aspect"))
    drawing = timeline(current_term=term)
    return render(
        request,
        "glossary/term_detail.html",
        {
            "term": term,
            "related": related,
            "facets": facets,
            "structured_data": defined_term(term, term.aliases.all()),
            "comparisons": term.comparisons.only("slug", "title", "summary"),
            # Only the terms worth comparing with it: a choice that leads to an empty table is none.
            "comparable": Term.objects.comparable_with(term)
            .only("slug", "title", "abbreviation")
            .order_by(Lower("title"))
            if facets
            else [],
            "timeline": drawing if drawing and drawing.shows_current else None,
            # Other meanings of the same abbreviation ("CMO" is also a chief medical officer).
            "same_abbreviation": Term.objects.same_abbreviation(term).only(
                "slug", "title", "abbreviation", "sense"
            ),
        },
    )


# The admin editor's endpoints (django-markdownx). The library mounts them for anyone; here the
# preview is for those who may change an entry, and image upload is off: entries have no images.

# Whoever holds one of these may edit a text the editor previews.
EDITING = ["glossary.change_term", "glossary.change_comparison", "quiz.change_quiz", "quiz.change_question"]


@require_POST
def markdown_preview(request):
    """The editor's live preview of `content`, rendered as the page will show it. A refusal is a 200
    with the reason as the preview: django-markdownx's widget shows nothing for an error status."""
    user = request.user
    if not (user.is_active and user.is_staff and any(user.has_perm(p) for p in EDITING)):
        raise PermissionDenied
    text = request.POST.get("content", "")
    if len(text) > MAX_BODY:
        return HttpResponse(
            f'<p class="errornote">No preview: this text has {len(text):,} characters, and an entry '
            f"may have at most {MAX_BODY:,}. Shorten it, or split it into two entries.</p>"
        )
    return HttpResponse(render_preview(text))


@staff_member_required
def markdown_upload(request):
    return HttpResponseForbidden("Image upload is switched off for this glossary.")


def comparison_index(request):
    """/compare/: the authored comparisons, and a form to compare any terms (?terms=a,b)."""
    if "terms" in request.GET:
        return compare_terms(request)
    return render(request, "glossary/comparison_list.html", comparison_index_context())


def comparison_index_context(**extra):
    return {
        "nav": "compare",
        "comparisons": Comparison.objects.only("slug", "title", "summary"),
        "comparable": Term.objects.filter(facets__isnull=False)
        .distinct()
        .only("slug", "title", "abbreviation"),
        **extra,
    }


def requested_slugs(request):
    """The slugs of ?terms=a,b or ?terms=a&terms=b, in order; raises ValueError with a reason."""
    values = request.GET.getlist("terms")
    if len(values) > MAX_COMPARED or any(len(v) > 500 for v in values):
        raise ValueError(f"Choose at most {MAX_COMPARED} terms.")
    slugs = [s.strip() for v in values for s in v.split(",") if s.strip()]
    if len(slugs) < 2:
        raise ValueError("Choose two different terms to compare.")
    if len(slugs) > MAX_COMPARED:
        raise ValueError(f"Choose at most {MAX_COMPARED} terms.")
    if len(set(slugs)) != len(slugs):
        raise ValueError("Choose two different terms to compare.")
    return slugs


@never_cache  # any terms a visitor names: not kept
def compare_terms(request):
    """Any terms side by side, from the facets they share; an authored comparison if there is one."""
    try:
        slugs = requested_slugs(request)
        found = Term.objects.in_bulk(slugs, field_name="slug")
        unknown = [s for s in slugs if s not in found]
        if unknown:
            raise ValueError(f"There is no term “{unknown[0]}” in the glossary.")
    except ValueError as e:
        return render(
            request, "glossary/comparison_list.html", comparison_index_context(error=str(e)), status=400
        )
    authored = Comparison.objects.for_terms(slugs)
    if authored:
        return redirect(authored, permanent=True)
    terms = [found[s] for s in slugs]
    answered = list(Aspect.objects.answered_by(terms))
    shared = [a for a in answered if a.answered == len(terms)]
    worth = worth_comparing(shared, answered)
    return render(
        request,
        "glossary/comparison_generated.html",
        {
            "nav": "compare",
            "terms": terms,
            "rows": comparison_rows(terms, shared) if worth else [],
            "title": " vs ".join(t.abbreviation or t.title for t in terms),
            "sources": sources_of(terms),
            "other_comparisons": Comparison.objects.sharing_a_term_with(terms).only("slug", "title"),
            "suggested": None if worth else suggested_for(terms[0]),
        },
    )


def suggested_for(term):
    """Instead of a table with nothing to tell them apart: terms of `term`'s kind, those already
    compared with it first, then those of its category; others as alike only when there are none.
    (A CAPA answers the same questions as a CDMO, but a CMO or a CRO is what a reader means to
    compare it with, and the table of a CDMO and a CAPA would contradict the page that offers it.)"""
    alike = list(
        Term.objects.comparable_with(term)
        .only("slug", "title", "abbreviation")
        .order_by("-compared", "-kin", "-shared", Lower("title"))[:MAX_SUGGESTED]
    )
    return [t for t in alike if t.compared or t.kin] or alike


def sources_of(terms):
    """The sources of `terms`, grouped in the order of the terms (one query)."""
    order = {t.pk: i for i, t in enumerate(terms)}
    return sorted(
        Source.objects.filter(term__in=terms).select_related("term"), key=lambda s: (order[s.term_id], s.pk)
    )


def comparison_detail(request, slug):
    comparison = Comparison.objects.filter(slug=slug).first()
    if comparison is None:
        # Another order of an authored comparison's terms ("cmo-vs-cro") redirects to it; terms
        # without a page of their own are compared from their facets.
        slugs = slug.split("-vs-")
        authored = Comparison.objects.for_terms(slugs)
        if authored:
            return redirect(authored, permanent=True)
        if 2 <= len(slugs) <= MAX_COMPARED and Term.objects.filter(slug__in=slugs).count() == len(set(slugs)):
            return redirect(reverse("glossary:comparison_index") + "?terms=" + ",".join(slugs))
        return moved_or_gone(request, "comparison", slug)
    terms = comparison.ordered_terms()
    return render(
        request,
        "glossary/comparison_detail.html",
        {
            "nav": "compare",
            "comparison": comparison,
            "terms": terms,
            "rows": comparison_rows(terms, comparison.ordered_aspects()),
            "sources": sources_of(terms),
            "other_comparisons": Comparison.objects.sharing_a_term_with(terms)
            .exclude(pk=comparison.pk)
            .only("slug", "title"),
        },
    )


def timeline_page(request):
    return render(request, "glossary/timeline.html", {"nav": "timeline", "timeline": timeline()})


@never_cache  # free text: not kept
def search_page(request):
    """/search/?q=: ranked results with the reason each matched; a lone exact match goes straight there."""
    if pair := compared(request.GET.get("q", "")):
        return redirect(f"{reverse('glossary:comparison_index')}?terms={','.join(pair)}")
    results = search(request.GET.get("q", ""))
    if results.single:
        return redirect(results.single)
    for hit in results.hits:
        # Text matches show where the word is, from the published text (links and markup resolved).
        text = (
            hit.term.summary
            if hit.rank < 3
            else f"{hit.term.summary} {html.unescape(strip_tags(hit.term.body_html))}"
        )
        hit.snippet = highlight(text, results.corrected or results.query)
    nearest = [] if results.hits else suggestions(results.query[:2])
    return render(
        request,
        "glossary/search.html",
        {"nav": "search", "results": results, "nearest": nearest, "query": results.query},
    )


@never_cache
def search_suggestions(request):
    """The search box's suggestions as you type (search.js): a few names, exact matches first."""
    return JsonResponse(
        {
            "results": [
                {
                    "title": name.term.title,
                    "abbreviation": name.term.abbreviation,
                    "sense": name.term.sense,
                    "matched": name.name,
                    "url": name.term.get_absolute_url(),
                }
                for name in suggestions(request.GET.get("q", ""))
            ]
        }
    )


def term_preview(request, slug):
    """What a term link's preview shows (previews.js)."""
    term = get_object_or_404(
        Term.objects.only("slug", "title", "abbreviation", "summary", "sense"), slug=slug
    )
    return JsonResponse(
        {"title": term.title, "abbreviation": term.abbreviation, "sense": term.sense, "summary": term.summary}
    )


def robots_txt(request):
    sitemap = settings.SITE_URL + reverse("django.contrib.sitemaps.views.sitemap")
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /editor/",
        "Disallow: /search/",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name none (the admin's): send them the site's icon."""
    return redirect(static("img/favicon.svg"), permanent=True)
