from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from glossary.models import Term


class PageSitemap(Sitemap):
    def items(self):
        return ["glossary:home", "glossary:term_index", "glossary:term_definitions"]

    def location(self, item):
        return reverse(item)


class TermSitemap(Sitemap):
    def items(self):
        return Term.objects.only("slug", "updated")

    def lastmod(self, term):
        return term.updated


sitemaps = {"pages": PageSitemap, "terms": TermSitemap}
