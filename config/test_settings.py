"""Test settings: the base, plus a fast hasher and a quiet log."""

import os

os.environ.setdefault("LEADLINE_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; production uses Argon2
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # tests run tasks explicitly
LEADLINE_SMS_BACKEND = "locmem"
LEADLINE_LINE_SECRET = "test-line-secret"  # noqa: S105 (a test fixture, not a credential)
