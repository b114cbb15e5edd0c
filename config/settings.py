"""Leadline settings: one base, read from the environment.

LEADLINE_ENV=embedded (default) runs on SQLite with an in-process worker and may seed a demo site.
LEADLINE_ENV=production requires a secret key, HTTPS and MFA for everybody.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LEADLINE_VAR_DIR", str(BASE_DIR / "var")))

LEADLINE_ENV = env_str("LEADLINE_ENV", "embedded")
PRODUCTION = LEADLINE_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", default=False)


def _secret_key() -> str:
    key = env_str("DJANGO_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set in production.")
    # Embedded mode: a random key kept beside the database, so sessions survive a restart.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "leadline.core",
    "leadline.accounts",
    "leadline.audit",
    "leadline.sites",
    "leadline.referrals",
    "leadline.participants",
    "leadline.consents",
    "leadline.cases",
    "leadline.legal",
    "leadline.evaluation",
    "leadline.directory",
    "leadline.notifications",
    "leadline.messaging",
    "leadline.workgroup",
    "leadline.oversight",
    "leadline.operations",
    "leadline.web",
    "leadline.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "leadline.core.middleware.DatabaseUnavailableMiddleware",  # a view without its database: the static 503
    "leadline.core.middleware.PermissionsPolicyMiddleware",  # every response, static files included
    "leadline.core.middleware.NulFreeQueryMiddleware",  # no NUL reaches a view's query (PostgreSQL: a 500)
    "leadline.audit.middleware.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "leadline.sites.middleware.SiteTimeZoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "leadline.accounts.middleware.SessionLifetimeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "leadline.accounts.middleware.MFARequiredMiddleware",
    "leadline.accounts.middleware.RoleLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "leadline.core.middleware.PrivateCacheMiddleware",
    "leadline.core.middleware.FriendlyErrorsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "leadline" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leadline.web.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'leadline.sqlite3'}"),
        # Persistent connections: opening a PostgreSQL connection per request costs more than the request.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# The embedded SQLite database, shared by the web server's threads and the task worker (decision 0030):
# WAL, so readers never wait for the writer; IMMEDIATE, so a transaction takes the write lock at BEGIN
# (a read-then-write transaction cannot fail to upgrade, which no busy wait can cure); a 30 s busy wait
# (5 s failed bursts of a dozen writers). synchronous stays FULL: NORMAL measured no better here
# (bench/sqlite_concurrency.py) and would let a power cut take the last commits, audit rows included.
LEADLINE_SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL;",
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(LEADLINE_SQLITE_OPTIONS)
# The session store: a session update the database could not take after the view's work was saved does
# not turn the answer into a 400 (leadline/accounts/sessions.py).
SESSION_ENGINE = "leadline.accounts.sessions"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Sign-in security (CJIS 5.6, OWASP ASVS L2 §6/§7) -------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "leadline.accounts.passwords.BreachedPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout: 5 failures by username, then a timed cool-off (django-axes).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LEADLINE_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("LEADLINE_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
AXES_VERBOSE = False

# Sessions: 30-minute idle lock (SessionLifetimeMiddleware) and an absolute lifetime.
LEADLINE_IDLE_TIMEOUT = timedelta(minutes=env_int("LEADLINE_IDLE_MINUTES", 30))
# An administrator account (or role) younger than this approves no reset or role grant unless two
# administrators gave the role; a password link is not sent to an email changed this recently (decision 0034).
LEADLINE_NEW_ADMIN_DAYS = env_int("LEADLINE_NEW_ADMIN_DAYS", 14)
LEADLINE_SESSION_ABSOLUTE = timedelta(hours=env_int("LEADLINE_SESSION_HOURS", 12))
SESSION_COOKIE_AGE = int(LEADLINE_SESSION_ABSOLUTE.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# MFA: required for every staff account on every view. The embedded demo may let its seeded
# demo users skip it, visibly, and only while DEBUG is on (see accounts/middleware.py).
LEADLINE_DEMO_MFA_SKIP = env_bool("LEADLINE_DEMO_MFA_SKIP", default=not PRODUCTION)
OTP_TOTP_ISSUER = env_str("LEADLINE_OTP_ISSUER", "Leadline")

# --- Security headers ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "leadline" / "locale"]
# Every language writes dates and times into form inputs in ISO (an <input type=date> takes nothing else),
# and still reads its own formats; what people read is localised as usual (decision 0027).
FORMAT_MODULE_PATH = ["leadline.core.formats"]
USE_I18N = True
TIME_ZONE = "UTC"  # stored in UTC; shown in the site's zone (Site.time_zone)
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "leadline" / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Background work (Django's tasks API, database backend) ------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The worker's heartbeat, its lease on a running task, and what /healthz calls late (decision 0031).
LEADLINE_WORKER_BEAT_SECONDS = env_int("LEADLINE_WORKER_BEAT_SECONDS", 10)
LEADLINE_WORKER_LEASE_SECONDS = env_int("LEADLINE_WORKER_LEASE_SECONDS", 120)
LEADLINE_TASK_TIMEOUT_SECONDS = env_int("LEADLINE_TASK_TIMEOUT_SECONDS", 3600)
LEADLINE_TASK_OVERDUE_SECONDS = env_int("LEADLINE_TASK_OVERDUE_SECONDS", 300)
LEADLINE_TASK_MAX_CLAIMS = env_int("LEADLINE_TASK_MAX_CLAIMS", 3)

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "leadline.accounts.api_auth.ScopedTokenAuthentication",
        "leadline.accounts.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "leadline.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Leadline API",
    "DESCRIPTION": "The REST API of Leadline, for police records systems, providers and researchers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Mail and SMS (provider interfaces; console in the embedded mode) --------------------------
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "leadline@localhost")
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)  # seconds: a hung mail server never hangs a request

# --- Break-glass --------------------------------------------------------------------------------
LEADLINE_BREAK_GLASS_MAX_MINUTES = env_int("LEADLINE_BREAK_GLASS_MAX_MINUTES", 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query": {"()": "leadline.core.logging.StripQueryStrings"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_query"]}},
    "root": {"handlers": ["console"], "level": env_str("LEADLINE_LOG_LEVEL", "INFO")},
    # Participant content never goes to logs; request lines are logged without their query strings.
    "loggers": {
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # subsetting the PDFs' font logs hundreds of INFO lines per PDF
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
LEADLINE_PWNED_PASSWORDS_URL = env_str("LEADLINE_PWNED_PASSWORDS_URL", "")

# Lockout is by username on purpose (issue #2): officers share station and mobile-carrier addresses, so an
# IP lockout would lock out a whole precinct. See docs/decisions/0003-sign-in-security.md.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# SMS provider interface (leadline/core/sms.py): console in the embedded mode, http in production.
LEADLINE_SMS_BACKEND = env_str("LEADLINE_SMS_BACKEND", "console")
LEADLINE_SMS_URL = env_str("LEADLINE_SMS_URL", "")
LEADLINE_SMS_TOKEN = env_str("LEADLINE_SMS_TOKEN", "")
# The LEAD number as a phone line (leadline/referrals/line_views.py): the phone provider signs each
# inbound text or call with this shared secret. Empty: the webhook is off (404).
LEADLINE_LINE_SECRET = env_str("LEADLINE_LINE_SECRET", "")
LEADLINE_LINE_MAX_SKEW_SECONDS = env_int("LEADLINE_LINE_MAX_SKEW_SECONDS", 300)
LEADLINE_LOOKUPS_PER_HOUR = env_int("LEADLINE_LOOKUPS_PER_HOUR", 30)


# Where people reach Leadline, for links in emails sent without a request (a provider's answer link).
# In production: set it, or the first allowed host is used when it is a plain host name.
def _public_url() -> str:
    url = env_str("LEADLINE_PUBLIC_URL")
    if url:
        return url.rstrip("/")
    if not PRODUCTION:
        return f"http://localhost:{env_int('PORT', 8000)}"
    host = ALLOWED_HOSTS[0] if ALLOWED_HOSTS else ""
    if not host or host.startswith(".") or "*" in host:
        raise RuntimeError("Set LEADLINE_PUBLIC_URL (e.g. https://lead.example.org) in production.")
    return f"https://{host}"


LEADLINE_PUBLIC_URL = _public_url()
# The identifier system of this site's referrals in FHIR bundles: it must never change once bundles have
# gone out (a provider's system matches its Tasks by it).
LEADLINE_FHIR_SYSTEM = env_str("LEADLINE_FHIR_SYSTEM", f"{LEADLINE_PUBLIC_URL}/directory/referrals")
# How long an emailed answer link works (days); a reminder or the program sends a fresh one.
LEADLINE_ANSWER_LINK_DAYS = env_int("LEADLINE_ANSWER_LINK_DAYS", 30)
