"""Open data: the glossary as JSON and CSV, built from the same rows the pages show."""

import csv

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404

from glossary.models import Term


def term_data(term, request):
    return {
        "slug": term.slug,
        "title": term.title,
        "abbreviation": term.abbreviation,
        "sense": term.sense,
        "aliases": [a.name for a in term.aliases.all()],
        "summary": term.summary,
        "category": term.category.name if term.category else "",
        "related": sorted({t.slug for t in term.related.all()}),
        "sources": [{"title": s.title, "url": s.url} for s in term.sources.all()],
        "reviewed": term.reviewed.isoformat() if term.reviewed else None,
        "url": settings.SITE_URL + term.get_absolute_url(),
    }


def terms_for_export():
    return Term.objects.select_related("category").prefetch_related("aliases", "sources", "related")


def terms_json(request):
    terms = [term_data(t, request) for t in terms_for_export()]
    return JsonResponse({"count": len(terms), "terms": terms}, json_dumps_params={"ensure_ascii": False})


def term_json(request, slug):
    term = get_object_or_404(terms_for_export(), slug=slug)
    data = {**term_data(term, request), "body_markdown": term.body, "body_html": term.body_html}
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


CSV_COLUMNS = [
    "slug",
    "title",
    "abbreviation",
    "sense",
    "aliases",
    "summary",
    "category",
    "related",
    "sources",
    "reviewed",
    "url",
]


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading quote."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def terms_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="glossary-terms.csv"'
    writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for term in terms_for_export():
        row = term_data(term, request)
        # Lists in one cell, separated by " | " (a character no name or URL here contains).
        row["aliases"] = " | ".join(row["aliases"])
        row["related"] = " | ".join(row["related"])
        row["sources"] = " | ".join(s["url"] for s in row["sources"])
        row["reviewed"] = row["reviewed"] or ""
        writer.writerow({column: spreadsheet_safe(value) for column, value in row.items()})
    return response
