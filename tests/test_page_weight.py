"""Bytes per page (issue 8): a term page, with the stylesheets and scripts it loads, gzipped, within 30 KB.

Sizes, not timings: gzip at level 9 of the HTML and of every file the page references through
<link rel="stylesheet"> and <script src>, fetched through WhiteNoise under their hashed names.
"""

from bench.pages import page_weight
from glossary.models import Term

LIMIT = 30_000  # bytes


def test_the_weight_counts_the_html_the_stylesheet_and_the_scripts(client, glossary):
    weights = page_weight(client, "/terms/cmo/")

    assert "HTML" in weights
    assert any(url.endswith(".css") for url in weights)
    assert sum(url.endswith(".js") for url in weights) >= 2
    assert all(url == "HTML" or url.startswith("/static/") for url in weights)


def test_every_term_page_with_its_styles_and_scripts_weighs_at_most_30_kb_gzipped(client, glossary):
    heaviest = max(
        (sum(page_weight(client, term.get_absolute_url()).values()), term.slug) for term in Term.objects.all()
    )

    assert heaviest[0] <= LIMIT, heaviest
