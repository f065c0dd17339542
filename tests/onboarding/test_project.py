"""Project wiring: migrations, settings per environment, Celery, fixtures, management commands."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from onboarding.contributors.models import Contributor
from onboarding.web.highlight import pygments_css

from .conftest import MANIFEST, ROOT


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run Python in a fresh process with the project's settings environment (no DATABASE_* leaks)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "GITHUB_", "SECRET", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_python(
        f"import sys; sys.argv = ['manage.py', *{list(args)!r}]; import runpy; "
        "runpy.run_path('manage.py', run_name='__main__')",
        **env,
    )


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_settings_pass_the_deploy_check() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="onboarding.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="jit.example.org",
        DATABASE_URL="postgres://u@127.0.0.1:5432/none",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_keeps_database_connections_and_checks_them() -> None:
    show = (
        "import django, os; from django.conf import settings as s; "
        "print(s.DATABASES['default']['CONN_MAX_AGE'], s.DATABASES['default']['CONN_HEALTH_CHECKS'])"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "onboarding.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/none",
    }

    assert run_python(show, **env).stdout.split() == ["60", "True"]
    assert run_python(show, **env, DATABASE_CONN_MAX_AGE="0").stdout.split() == ["0", "True"]


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = manage("check", DJANGO_SETTINGS_MODULE="onboarding.settings.production")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


SHOW_SETTINGS = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'onboarding.settings.base'); "
    "from django.conf import settings as s; "
    "print(s.CELERY_TASK_ALWAYS_EAGER, s.DATABASES['default']['ENGINE'], "
    "'allauth.socialaccount.providers.github' in s.INSTALLED_APPS)"
)


def test_the_default_needs_no_server() -> None:
    result = run_python(SHOW_SETTINGS)

    assert result.stdout.split() == ["True", "django.db.backends.sqlite3", "False"], result.stderr


def test_the_environment_switches_on_postgresql_redis_and_github_login() -> None:
    result = run_python(
        SHOW_SETTINGS,
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        GITHUB_CLIENT_ID="abc",
    )

    assert result.stdout.split() == ["False", "django.db.backends.postgresql", "True"], result.stderr


def test_github_login_passes_the_system_checks_when_configured() -> None:
    result = manage("check", GITHUB_CLIENT_ID="abc", GITHUB_CLIENT_SECRET="def")

    assert result.returncode == 0, result.stderr


def test_the_celery_app_reads_django_settings() -> None:
    from onboarding import celery_app

    assert celery_app.main == "onboarding"
    assert celery_app.conf.task_always_eager is True


@pytest.mark.django_db
def test_the_demo_users_load_twice_without_duplicates() -> None:
    for _ in range(2):
        call_command("loaddata", str(ROOT / "fixtures" / "users.json"), verbosity=0)

    assert sorted(User.objects.values_list("username", flat=True)) == ["alice", "bob", "maintainer"]
    assert Contributor.objects.get(is_maintainer=True).user.is_superuser
    assert User.objects.get(username="alice").check_password("demo-password")


def test_the_demo_manifest_matches_provenance(shared_dir: Path) -> None:
    provenance = (shared_dir / "cpython" / "PROVENANCE.md").read_text()

    assert [e["label"] for e in MANIFEST] == [
        "3.14a-2024-06",
        "3.15a-2025-07",
        "3.15a-2025-08",
        "3.15a-2026-02",
        "main-2026-06",
    ]
    assert [e["date"] for e in MANIFEST] == sorted(e["date"] for e in MANIFEST)
    for entry in MANIFEST:
        row = re.search(rf"^\| {re.escape(entry['label'])} \|.*{entry['commit']}", provenance, re.MULTILINE)
        assert row, entry["label"]
        assert entry["repository"] in row.group(0)


def test_the_pygments_stylesheet_is_up_to_date() -> None:
    css = (ROOT / "onboarding" / "web" / "static" / "web" / "pygments.css").read_text()

    assert css.split("\n", 1)[1].strip() == pygments_css().strip()


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_history")
class TestMegaissueCommand:
    def test_prints_the_checklist_with_claimants_and_pull_requests(self) -> None:
        from onboarding.campaigns.models import Task
        from onboarding.claims.services import claim_create, claim_link_pull_request

        task = Task.objects.filter(campaign__slug="refcount", status="todo").first()
        bob = Contributor.objects.get(github_handle="demo-bob")
        claim_link_pull_request(
            claim=claim_create(task=task, contributor=bob),
            url="https://github.com/python/cpython/pull/140001",
            actor=bob.user,
        )
        out = StringIO()

        call_command("megaissue", "refcount", stdout=out)

        text = out.getvalue()
        assert text.startswith("# Eliminate redundant refcounting in the JIT (gh-134584)")
        assert "- [x] `BINARY_OP_ADD_INT`" in text
        line = next(li for li in text.splitlines() if li.startswith(f"- [ ] `{task.name}`"))
        assert "@demo-bob" in line and "https://github.com/python/cpython/pull/140001" in line
        assert "_BINARY_OP_ADD_FLOAT__NO_DECREF_INPUTS" not in text  # retired
        assert "[guide](" not in text  # no SITE_URL: no site to link

    def test_with_site_url_open_items_link_their_guide(self, settings: Any) -> None:
        from onboarding.campaigns.models import Task

        settings.SITE_URL = "https://jit.example.org/"
        task = Task.objects.filter(campaign__slug="refcount", status="todo").order_by("name").first()
        out = StringIO()

        call_command("megaissue", "refcount", stdout=out)

        line = next(li for li in out.getvalue().splitlines() if li.startswith(f"- [ ] `{task.name}`"))
        assert f"· [guide](https://jit.example.org/tasks/refcount/{task.name}/) <!--" in line

    def test_an_unknown_campaign_names_the_known_ones(self) -> None:
        from analyzer.campaigns import REGISTRY

        known = ", ".join(REGISTRY)  # the scan stores every registered campaign, in registry order
        with pytest.raises(CommandError, match=rf"unknown campaign 'nope' \(known: {re.escape(known)}\)$"):
            call_command("megaissue", "nope")


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_code_follows_the_house_style(command: list[str]) -> None:
    """ruff (pinned in requirements-dev.txt, configured in pyproject.toml) finds nothing to change."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr
