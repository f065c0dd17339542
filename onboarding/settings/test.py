"""Test settings: the base, with a fast password hasher and no environment-dependent surprises."""

from onboarding.settings.base import *  # noqa: F403

# Fast hashing for users made in tests; PBKDF2 still checks the demo fixture's passwords.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CLAIMS_MAX_ACTIVE = 3
CLAIMS_MAX_ACTIVE_FIRST_TIMER = 1
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Serve static files from the apps (no collectstatic in tests; avoids "No directory at" warnings).
WHITENOISE_AUTOREFRESH = True
# No whole-page cache by default: tests read response.context; tests/onboarding/test_pagecache.py turns it on.
PAGE_CACHE_SECONDS = 0
# No demo-data banner from a developer's var/demo-data.json (tests set their own file).
DEMO_DATA_STATUS_FILE = ""
