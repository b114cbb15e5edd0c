from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "leadline.referrals"
    label = "referrals"
    verbose_name = "Referrals"
