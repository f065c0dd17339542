"""Common settings, read from the environment; the defaults need no server (SQLite, in-process Celery)."""

import os
from pathlib import Path

import dj_database_url

#: The project root (the directory holding manage.py).
BASE_DIR = Path(__file__).resolve().parent.parent.parent
#: Local state (the default SQLite database); ignored by git.
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    """A boolean environment variable: 1/true/yes/on (any case) is true."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated environment variable as a list without blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-dev-only-do-not-use-in-production")
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "allauth",
    "allauth.account",
    "onboarding.snapshots",
    "onboarding.campaigns",
    "onboarding.contributors",
    "onboarding.claims",
    "onboarding.webhooks",
    "onboarding.api",
    "onboarding.web",
    "onboarding.leaderboard",
    "onboarding.speedups",
    "onboarding.history",
    "onboarding.demodata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Anonymous GET pages from the cache until a write changes the data (onboarding.web.pagecache).
    "onboarding.web.pagecache.PageCacheMiddleware",
]

ROOT_URLCONF = "onboarding.urls"
WSGI_APPLICATION = "onboarding.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide templates (base layout, allauth overrides) come before the apps' own.
        "DIRS": [BASE_DIR / "onboarding" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onboarding.demodata.context_processors.demo_data",
            ],
        },
    },
]

if not os.environ.get("DATABASE_URL"):
    # The default SQLite database lives in var/, which a fresh clone does not have yet.
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's data loader writes while the server reads: in WAL mode readers go on during a
    # write; a writer waits up to 20 s for the lock instead of failing with "database is locked",
    # and IMMEDIATE transactions take the write lock at BEGIN (a deferred one that read first
    # could not upgrade once another connection wrote).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Django's ModelBackend, reading a signed-in person's user row once per data version.
    "onboarding.web.auth.MemoizedModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "web:dashboard"

# django-allauth: local accounts by username; no e-mail round trip in the demo.
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False

# GitHub login (production): only when the OAuth app's credentials are in the environment.
GITHUB_CLIENT_ID = os.environ.get("GITHUB_CLIENT_ID", "")
if GITHUB_CLIENT_ID:
    INSTALLED_APPS += ["allauth.socialaccount", "allauth.socialaccount.providers.github"]
    SOCIALACCOUNT_PROVIDERS = {
        "github": {
            "APP": {"client_id": GITHUB_CLIENT_ID, "secret": os.environ.get("GITHUB_CLIENT_SECRET", "")},
            "SCOPE": ["read:user"],
        }
    }

# Claim rules (DESIGN.md section 6): how many active claims one contributor may hold.
CLAIMS_MAX_ACTIVE = int(os.environ.get("CLAIMS_MAX_ACTIVE", "3"))
#: The tighter limit for a contributor with no merged work yet.
CLAIMS_MAX_ACTIVE_FIRST_TIMER = int(os.environ.get("CLAIMS_MAX_ACTIVE_FIRST_TIMER", "1"))

# Leaderboard points (issue 7): a merged, re-scan-confirmed conversion earns its difficulty's
# weight (1:2:3); a review or mentoring recorded by a maintainer earns a small fixed weight.
LEADERBOARD_CONVERSION_POINTS = {"easy": 3, "medium": 6, "hard": 9}
LEADERBOARD_RECOGNITION_POINTS = {"review": 1, "mentoring": 2}

# Celery: Redis (or any broker) when CELERY_BROKER_URL is set, else jobs run in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TIMEZONE = TIME_ZONE
#: Jobs are idempotent: acknowledge a message only once its job ran, and put it back on the
#: queue when the worker running it dies (a killed scan leaves no rows and simply runs again).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
#: Periodic jobs (django-celery-beat copies these into its tables; edit times in the admin).
CELERY_BEAT_SCHEDULE = {
    "claims-remind": {"task": "onboarding.claims.jobs.claims_remind_job", "schedule": 60 * 60 * 6},
    "claims-expire": {"task": "onboarding.claims.jobs.claims_expire_job", "schedule": 60 * 60 * 6},
    # Deliveries stored while the broker was down (or whose job was lost) are queued again.
    "webhooks-retry": {"task": "onboarding.webhooks.jobs.deliveries_retry_job", "schedule": 60 * 5},
}
#: Test hook only: seconds a scan job pauses after each step, to kill a worker mid-scan.
SCAN_JOB_STEP_DELAY = float(os.environ.get("SCAN_JOB_STEP_DELAY", "0"))
#: Seconds scan_history waits for a Celery worker's analysis of one version before giving up.
HISTORY_VERSION_TIMEOUT = float(os.environ.get("HISTORY_VERSION_TIMEOUT", "900"))

# One cache shared by every worker process (throttle counts, page caching): Redis when REDIS_URL
# is set or the Celery broker is Redis, else the database (its table is made by `migrate`, see
# onboarding.api.apps). A per-process cache would let each gunicorn worker count alone.
REDIS_URL = os.environ.get("REDIS_URL", "") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}

# Claim expiry (DESIGN.md section 6): a reminder after this many days without activity on the
# claim or its pull request, and expiry (the task is free again) after this many, once reminded.
CLAIMS_REMIND_AFTER_DAYS = int(os.environ.get("CLAIMS_REMIND_AFTER_DAYS", "14"))
CLAIMS_EXPIRE_AFTER_DAYS = int(os.environ.get("CLAIMS_EXPIRE_AFTER_DAYS", "21"))

# GitHub: the webhook's shared secret (deliveries are refused while it is empty) and the token
# that publish_megaissue uses to edit issues.
GITHUB_WEBHOOK_SECRET = os.environ.get("GITHUB_WEBHOOK_SECRET", "")
#: The only repository whose pull requests move tasks (owner/name); deliveries from others are ignored.
GITHUB_WEBHOOK_REPOSITORY = os.environ.get("GITHUB_WEBHOOK_REPOSITORY", "python/cpython")
GITHUB_TOKEN = os.environ.get("GITHUB_TOKEN", "")

# This site's public root (https://jit.example.org/). Mega-issues made outside a request
# (manage.py megaissue, publish_megaissue) link each open item to its guide here; empty: no links.
SITE_URL = os.environ.get("SITE_URL", "")
#: Where this project's source code lives (the site's footer links it; empty: no link).
SOURCE_REPOSITORY_URL = os.environ.get("SOURCE_REPOSITORY_URL", "")
#: A pystats .json/.json.gz file (CPython's instruction execution counts): scans set each task's
#: impact from it. Empty: scans keep the impact tasks have (``manage.py load_pystats FILE`` sets it).
PYSTATS_FILE = os.environ.get("PYSTATS_FILE", "")
#: The demo data loader's status file (``manage.py load_demo_data``); pages show a banner while
#: it says loading is unfinished. Empty: no banner.
DEMO_DATA_STATUS_FILE = os.environ.get("DEMO_DATA_STATUS_FILE", str(VAR_DIR / "demo-data.json"))

# Django REST framework (onboarding.api): session auth for the site, tokens for bots and scripts.
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a missing login a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "onboarding.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "onboarding.api.errors.exception_handler",
    # How many proxies in front of the site append to X-Forwarded-For; throttles take the client
    # address that many hops from the right. 0 (the default) ignores the header: without a proxy
    # a client could send any X-Forwarded-For and be a new address on every request.
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
    # Writes only (reads are never throttled); each viewset names its scope.
    "DEFAULT_THROTTLE_CLASSES": ["onboarding.api.throttling.WriteScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "claims": os.environ.get("API_THROTTLE_CLAIMS", "30/min"),
        "scans": os.environ.get("API_THROTTLE_SCANS", "10/hour"),
        "tokens": os.environ.get("API_THROTTLE_TOKENS", "10/min"),
        # Token requests naming one username, from any address (guessing one account's password).
        "tokens_username": os.environ.get("API_THROTTLE_TOKENS_USERNAME", "10/min"),
        "benchmarks": os.environ.get("API_THROTTLE_BENCHMARKS", "30/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "JIT onboarding API",
    "DESCRIPTION": (
        "Campaigns, tasks, claims, pull requests, contributors and scans of the CPython JIT "
        "onboarding site. Reads are public; writes need a session or a token "
        "(`Authorization: Token <key>`). Every 4xx answers "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "onboarding.api.schema.error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "onboarding.campaigns.models.Task.Status",
        "ClaimStatusEnum": "onboarding.claims.models.Claim.Status",
        "PullRequestStateEnum": "onboarding.claims.models.PullRequest.State",
        "ScanStatusEnum": "onboarding.snapshots.models.Scan.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
