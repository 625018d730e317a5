from django.apps import AppConfig


class QuizConfig(AppConfig):
    name = "glossary.quiz"
    label = "quiz"
    verbose_name = "Quiz and advisor"
