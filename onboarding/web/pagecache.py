"""Whole-page caching for anonymous visitors that is never stale after a write.

**Invalidation.** Every ``INSERT``, ``UPDATE`` or ``DELETE`` on a table of the site's data
(any model of an ``onboarding.*`` app, their many-to-many tables, and ``auth_user``) bumps
the one row of `SiteDataVersion`, through a database execute wrapper installed on every
connection: at once in autocommit mode, else once per transaction right after it commits
(``transaction.on_commit``; a rolled-back transaction bumps nothing). Scans, claims, pull
requests, webhook deliveries, benchmark imports, the admin and bulk ``update()`` calls all go
through it; no code path has to remember to invalidate. By the time a write call returns
to its caller the version has moved, so no page cached before it is served again. (A reader
racing the commit may cache the new data under the old version; the bump then retires it.
If the process dies between commit and bump, entries live at most `PAGE_CACHE_SECONDS`.)

**Caching.** `PageCacheMiddleware` keeps the HTML of a ``GET`` answered ``200`` to an
anonymous visitor, keyed by (data version, host, path and query, ``HX-Request``), for
`PAGE_CACHE_SECONDS` or ``settings.PAGE_CACHE_SECONDS`` (relative times such as a claim's
age still move on). It skips signed-in people (their pages show their claims and forms),
requests carrying flash messages, responses that set a cookie or use a CSRF token, and
``/api/``, ``/admin/``, ``/accounts/`` and ``/static/``. The cache is
``django.core.cache.cache`` (the ``default`` alias); per-process caches are fine because the
version lives in the database.

The cost of a hit is one primary-key ``SELECT`` and one cache read. Within one request (inside
the middleware) the version is read once for all memoized parts and forgotten at once when
this process writes to the site's data. The cost of a write is
one upsert per writing transaction, after its commit.

**Memos.** `memoize` keeps a page's parts under the same version. In front of the shared cache,
each process keeps the memos it last read or built in memory (`LOCAL_MEMO_ENTRIES`, least
recently used dropped first, each until the shared entry's own expiry), so a memoized part
costs no cache read. That is safe across processes because the version is still read from the
database on every request that uses a memo: a write by any process moves it, and no memo of
an older version is looked up again. Parts that depend on who is looking (``shared=False``,
keyed by the person) stay in this memory only.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse

__all__ = [
    "LOCAL_MEMO_ENTRIES",
    "PAGE_CACHE_SECONDS",
    "DataVersionBump",
    "PageCacheMiddleware",
    "bump_data_version",
    "clear_local_memos",
    "data_version",
    "install_write_tracking",
    "memoize",
    "tracked_tables",
]

#: How long a cached page is served at most, in seconds, even without writes
#: (``settings.PAGE_CACHE_SECONDS`` overrides it; 0 turns page caching off, as the test settings do).
PAGE_CACHE_SECONDS = 300
#: How many memos each process keeps in memory in front of the shared cache (see `memoize`).
LOCAL_MEMO_ENTRIES = 256
#: Path prefixes never cached.
UNCACHED_PREFIXES = ("/api/", "/admin/", "/accounts/", "/static/")
VERSION_TABLE = "web_sitedataversion"
_WRITE_RE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+["`]?(\w+)', re.IGNORECASE)
_BUMP_SQL = (
    f"INSERT INTO {VERSION_TABLE} (id, version, epoch) VALUES (1, 1, %s) "
    f"ON CONFLICT (id) DO UPDATE SET version = {VERSION_TABLE}.version + 1"
)
T = TypeVar("T")
_tables: frozenset[str] | None = None
#: Bumped when a setting changes (``override_settings``): pages may depend on settings too.
_settings_generation = 0
#: Whether the version table is known to exist (a database not migrated yet has none).
_table_ready = False
#: Set while ``migrate`` runs: the version table may not exist yet, and nothing is cached then.
_migrating = False


def tracked_tables() -> frozenset[str]:
    """Tables whose writes bump the version: every ``onboarding.*`` model's (and M2M) table, and ``auth_user``."""
    global _tables
    if _tables is None:
        names = {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model.__module__.startswith("onboarding.") and model._meta.db_table != VERSION_TABLE
        }
        names.add(apps.get_model("auth", "User")._meta.db_table)
        _tables = frozenset(names)
    return _tables


def _version_table_ready(connection: BaseDatabaseWrapper) -> bool:
    global _table_ready
    if not _table_ready:
        _table_ready = VERSION_TABLE in connection.introspection.table_names()
    return _table_ready


class _RequestVersions(threading.local):
    """Data versions read during the current request, per database alias (``None`` outside a request)."""

    seen: dict[str, str | None] | None = None


#: Set by `PageCacheMiddleware` for the length of a request: a page with several memoized parts
#: reads the version once; any write this process makes forgets it at once.
_request_versions = _RequestVersions()


def _forget_request_versions() -> None:
    if _request_versions.seen is not None:
        _request_versions.seen = {}


def _bump(connection: BaseDatabaseWrapper) -> None:
    _forget_request_versions()
    if not _version_table_ready(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(_BUMP_SQL, [secrets.token_hex(16)])


class DataVersionBump:
    """The on-commit callback of one transaction that wrote to the site's data (tests tell it
    from other on-commit callbacks, e.g. a queued job's, by this type)."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.pending = True

    def __call__(self) -> None:
        self.pending = False
        _bump(self.connection)


def bump_data_version(using: str = DEFAULT_DB_ALIAS) -> None:
    """Move the data version now (for a change the database does not see, e.g. a status file
    the pages show): every page and memo cached before it is retired. No-op before ``migrate``."""
    _bump(connections[using])


def _schedule_bump(connection: BaseDatabaseWrapper) -> None:
    if not connection.in_atomic_block:
        _bump(connection)  # autocommit: the write is already committed
        return
    # One bump per transaction, after it commits (a rolled-back transaction drops it). Bumping
    # inside the transaction would lock the version row until commit and could deadlock two
    # writers on PostgreSQL.
    if not any(isinstance(entry[1], DataVersionBump) and entry[1].pending for entry in connection.run_on_commit):
        transaction.on_commit(DataVersionBump(connection), using=connection.alias)


def _track_writes(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    result = execute(sql, params, many, context)
    if not _migrating:
        match = _WRITE_RE.match(sql)
        if match is not None and match.group(1) in tracked_tables():
            _forget_request_versions()
            _schedule_bump(context["connection"])
    return result


def install_write_tracking(*, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """``connection_created`` receiver: add the write-tracking execute wrapper once per connection."""
    if _track_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_track_writes)


def migration_started(**kwargs: object) -> None:
    """``pre_migrate`` receiver: stop tracking (the version table may not exist yet)."""
    global _migrating
    _migrating = True


def migration_finished(**kwargs: object) -> None:
    """``post_migrate`` receiver: track writes again."""
    global _migrating
    _migrating = False


def settings_changed(**kwargs: object) -> None:
    """``setting_changed`` receiver: pages cached under the old settings are not served again."""
    global _settings_generation
    _settings_generation += 1
    clear_local_memos()


def _timeout() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", PAGE_CACHE_SECONDS))


def data_version(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """``"<epoch>.<version>"`` of the data as this connection sees it, or ``None`` (no row yet, or migrating)."""
    connection = connections[using]
    if _migrating or not _version_table_ready(connection):
        return None
    seen = _request_versions.seen
    if seen is not None and using in seen:
        return seen[using]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT epoch, version FROM {VERSION_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    version = None if row is None else f"{row[0]}.{row[1]}"
    if seen is not None:
        seen[using] = version
    return version


class _LocalMemos:
    """This process's memos in memory: pickled values by key, each with its expiry (Unix time).

    Only the data version last seen is kept: a new version empties it (no entry of an older
    one could be looked up again). Pickled, so every caller gets its own copy, as from the
    shared cache. Thread-safe.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._version: str | None = None
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version: str, key: str) -> bytes | None:
        with self._lock:
            if version != self._version:
                return None
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= time.time():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, version: str, key: str, data: bytes, expires: float) -> None:
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version = version
            self._entries[key] = (expires, data)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._version = None


_local_memos = _LocalMemos(LOCAL_MEMO_ENTRIES)


def clear_local_memos() -> None:
    """Forget the memos this process keeps in memory (the shared cache keeps its own)."""
    _local_memos.clear()


def memoize(name: str, build: Callable[[], T], *, timeout: int | None = None, shared: bool = True) -> T:
    """``build()``'s result, kept under ``name`` until the next write to the data.

    For the costly parts of a page that do not depend on who is looking (charts, the
    celebration list, highlighted code), so signed-in people and the first visitor after a
    write pay for them once. ``name`` must identify everything the result depends on apart
    from the data (a campaign's slug, a filter's value). The result must be picklable; each
    call returns its own copy. It is kept for ``timeout`` seconds at most (default
    ``PAGE_CACHE_SECONDS``) in this process's memory and, when ``shared``, in the cache every
    process reads; ``shared=False`` suits cheap parts that depend on the person (``name``
    then holds their id), which the shared cache would only fill with one entry per person.
    Without a version (no write yet, or ``PAGE_CACHE_SECONDS`` is 0) it simply builds.
    """
    seconds = _timeout() if timeout is None else timeout
    version = data_version() if seconds > 0 else None
    if version is None:
        return build()
    # "memo2": the cached shape is (expiry, pickled value); the "memo:" entries held the value alone.
    key = f"memo2:{version}.{_settings_generation}:{hashlib.sha256(name.encode()).hexdigest()}"
    data = _local_memos.get(version, key)
    if data is not None:
        return cast(T, pickle.loads(data))
    now = time.time()
    if shared:
        # (expiry, pickled value): this process keeps it in memory no longer than the cache does.
        hit = cache.get(key)
        if hit is not None and hit[0] > now:
            _local_memos.set(version, key, hit[1], hit[0])
            return cast(T, pickle.loads(hit[1]))
    value = build()
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    if shared:
        cache.set(key, (now + seconds, data), seconds)
    _local_memos.set(version, key, data, now + seconds)
    return value


class PageCacheMiddleware:
    """Serve anonymous ``GET`` pages from the cache until the data changes (see the module docstring).

    Place it after the authentication and message middleware. Responses say
    ``X-Page-Cache: hit`` or ``miss`` when the page was cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _request_versions.seen = {}
        try:
            return self._respond(request)
        finally:
            _request_versions.seen = None

    def _respond(self, request: HttpRequest) -> HttpResponse:
        timeout = _timeout()
        if timeout <= 0 or not self._cacheable_request(request):
            return self.get_response(request)
        version = data_version()
        if version is None:
            return self.get_response(request)
        where = f"{request.get_host()}{request.get_full_path()}|{request.headers.get('HX-Request', '')}"
        key = f"page:{version}.{_settings_generation}:{hashlib.sha256(where.encode()).hexdigest()}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self._cacheable_response(request, response):
            cache.set(key, (response.content, response["Content-Type"]), timeout)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _cacheable_request(request: HttpRequest) -> bool:
        if request.method != "GET" or request.path.startswith(UNCACHED_PREFIXES):
            return False
        if request.user.is_authenticated:
            return False
        return len(messages.get_messages(request)) == 0

    @staticmethod
    def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not request.session.modified
        )
