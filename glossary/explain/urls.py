from django.urls import path

from glossary.explain import views

app_name = "explain"

urlpatterns = [
    path("explain/", views.explain_page, name="page"),
    path("api/explain", views.explain_api, name="api"),
]
