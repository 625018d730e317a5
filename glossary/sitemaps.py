from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from glossary.models import Comparison, Term
from glossary.quiz.models import Quiz


class SiteSitemap(Sitemap):
    """Addresses on SITE_URL, whatever Host the request came with: the sitemap is cached for all."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class PageSitemap(SiteSitemap):
    def items(self):
        return [
            "glossary:home",
            "glossary:term_index",
            "glossary:term_definitions",
            "glossary:comparison_index",
            "glossary:timeline",
            "quiz:advisor",
            "explain:page",
            "reports:about",
        ]

    def location(self, item):
        return reverse(item)


class TermSitemap(SiteSitemap):
    def items(self):
        return Term.objects.only("slug", "updated")

    def lastmod(self, term):
        return term.updated


class ComparisonSitemap(SiteSitemap):
    def items(self):
        return Comparison.objects.only("slug", "updated")

    def lastmod(self, comparison):
        return comparison.updated


class QuizSitemap(SiteSitemap):
    def items(self):
        return Quiz.objects.only("slug", "updated")

    def lastmod(self, quiz):
        return quiz.updated


sitemaps = {
    "pages": PageSitemap,
    "terms": TermSitemap,
    "comparisons": ComparisonSitemap,
    "quizzes": QuizSitemap,
}
