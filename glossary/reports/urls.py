from django.urls import path

from glossary.reports import views

app_name = "reports"

# A report's form lives under the address of what it is about.
urlpatterns = [
    path("about/", views.about, name="about"),
    path("terms/<slug:slug>/report/", views.report_form, {"kind": "term"}, name="term"),
    path("terms/<slug:slug>/report/thanks/", views.report_thanks, {"kind": "term"}, name="term_thanks"),
    path("compare/<slug:slug>/report/", views.report_form, {"kind": "comparison"}, name="comparison"),
    path(
        "compare/<slug:slug>/report/thanks/",
        views.report_thanks,
        {"kind": "comparison"},
        name="comparison_thanks",
    ),
    path("quiz/<slug:slug>/<slug:key>/report/", views.report_form, {"kind": "question"}, name="question"),
    path(
        "quiz/<slug:slug>/<slug:key>/report/thanks/",
        views.report_thanks,
        {"kind": "question"},
        name="question_thanks",
    ),
]
