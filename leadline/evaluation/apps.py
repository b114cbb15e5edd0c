from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "leadline.evaluation"
    label = "evaluation"
    verbose_name = "Evaluation"
