from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from glossary.models import Comparison, Term
from glossary.quiz.models import Quiz


class PageSitemap(Sitemap):
    def items(self):
        return [
            "glossary:home",
            "glossary:term_index",
            "glossary:term_definitions",
            "glossary:comparison_index",
            "glossary:timeline",
            "quiz:advisor",
        ]

    def location(self, item):
        return reverse(item)


class TermSitemap(Sitemap):
    def items(self):
        return Term.objects.only("slug", "updated")

    def lastmod(self, term):
        return term.updated


class ComparisonSitemap(Sitemap):
    def items(self):
        return Comparison.objects.only("slug", "updated")

    def lastmod(self, comparison):
        return comparison.updated


class QuizSitemap(Sitemap):
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
