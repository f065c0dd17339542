"""Production settings: PostgreSQL and Redis from the environment, HTTPS only, no default secret."""

import os

from django.core.exceptions import ImproperlyConfigured

from onboarding.settings.base import *  # noqa: F403
from onboarding.settings.base import DATABASES, env_bool

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production settings")

DEBUG = False

# Persistent database connections, checked before each reuse (a connection the server dropped is
# replaced, not reported as an error). A new PostgreSQL connection per request cost more than a
# page: benchmarks/load_site.py, 10,000 contributors and 50,000 claims, 2 gunicorn workers x 4
# threads, measured 136 -> 486 requests/s for a trivial view and 125 -> 274 for the signed-in
# task list at 60 s. ``DATABASE_CONN_MAX_AGE=0`` closes each connection after its request again.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
