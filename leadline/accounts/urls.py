from django.contrib.auth import views as auth_views
from django.urls import path

from leadline.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("mfa/", views.mfa, name="mfa"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("reset/", views.reset_password, name="reset_password"),
    path("reset/<str:secret>/", views.reset_link, name="reset_link"),
]
