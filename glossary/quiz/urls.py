from django.urls import path

from glossary.quiz import views

app_name = "quiz"

urlpatterns = [
    path("quiz/<slug:slug>/", views.quiz_detail, name="detail"),
    path("quiz/<slug:slug>/check/", views.check_answer, name="check"),
    path("quiz/<slug:slug>/new/", views.start_again, name="start_again"),
    path("quiz/<slug:slug>/result/<str:token>/", views.quiz_result, name="result"),
    path("advisor/", views.advisor, name="advisor"),
]
