"""
Django settings for the tests of the Django app (pytest-django's ``DJANGO_SETTINGS_MODULE``).

Two databases: ``default`` on SQLite, and ``postgresql`` on the throwaway server the
tests start; tests/contrib/django/conftest.py points both at where the session's test
databases live before pytest-django creates them. SQLite is set up as the how-to page
advises: WAL, full synchronous commits, a busy timeout, and transactions that take the
write lock when they begin. Only the tests marked for Django's databases touch them.
"""

from __future__ import annotations

SECRET_KEY = "fictional-key-for-tests-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Europe/London"
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "tests.contrib.django.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "safeguarding_workflow.contrib.django",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "",  # the tests use only the test database, named by the conftest
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
        },
        "TEST": {"NAME": ""},
    },
    "postgresql": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "sw",
        "HOST": "127.0.0.1",
        "PORT": "",  # the session's server, filled in by the conftest
        "TEST": {"NAME": "sw_django_tests", "DEPENDENCIES": []},
    },
}
