from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from glossary import api, views
from glossary.sitemaps import sitemaps

glossary_patterns = [
    path("", views.home, name="home"),
    path("terms/", views.term_index, name="term_index"),
    path("terms/<slug:slug>/", views.term_detail, name="term_detail"),
    path("terms/<slug:slug>/preview.json", views.term_preview, name="term_preview"),
    path("search/", views.search_page, name="search"),
    path("search/suggest/", views.search_suggestions, name="search_suggestions"),
    path("definitions/", views.term_definitions, name="term_definitions"),
    path("compare/", views.comparison_index, name="comparison_index"),
    path("compare/<slug:slug>/", views.comparison_detail, name="comparison_detail"),
    path("timeline/", views.timeline_page, name="timeline"),
    path("api/terms.json", api.terms_json, name="api_terms"),
    path("api/terms.csv", api.terms_csv, name="api_terms_csv"),
    path("api/terms/<slug:slug>.json", api.term_json, name="api_term"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
]

urlpatterns = [
    path("", include((glossary_patterns, "glossary"))),
    # Before the quiz's: quiz/<slug>/result/report/ is the report form of a question keyed "result"
    # (a result's token is signed, never "report").
    path("", include("glossary.reports.urls")),
    path("", include("glossary.quiz.urls")),
    path("", include("glossary.explain.urls")),
    path("admin/", admin.site.urls),
    # Under the names django-markdownx's editor expects; paths set in settings.MARKDOWNX_*_PATH.
    path("editor/markdownify/", views.markdown_preview, name="markdownx_markdownify"),
    path("editor/upload/", views.markdown_upload, name="markdownx_upload"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="django.contrib.sitemaps.views.sitemap"),
]
