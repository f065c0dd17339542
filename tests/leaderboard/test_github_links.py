"""Profiles link to GitHub only for handles that are real GitHub accounts (never the demo accounts')."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from onboarding.contributors.models import Contributor
from onboarding.contributors.services import contributor_for_user
from tests.conftest import SHARED_DIR

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_demo_accounts_link_to_no_github_profile(client: Client) -> None:
    call_command("loaddata", str(ROOT / "fixtures" / "users.json"), stdout=io.StringIO())
    demo = list(Contributor.objects.filter(user__username__in=["maintainer", "alice", "bob"]))

    assert len(demo) == 3 and not any(c.on_github for c in demo)
    for contributor in demo:
        page = client.get(f"/leaderboard/contributors/{contributor.github_handle}/").content.decode()
        assert f"github.com/{contributor.github_handle}" not in page
        assert "no GitHub account linked" in page


@pytest.mark.django_db
def test_imported_authors_link_to_their_github_profile(tmp_path: Path, client: Client) -> None:
    entry = next(e for e in json.loads((SHARED_DIR / "github" / "cpython-jit-pulls.json").read_text()) if e["user"])
    (tmp_path / "pulls.json").write_text(json.dumps([entry]))
    call_command("import_pulls", str(tmp_path / "pulls.json"), stdout=io.StringIO())
    login = entry["user"]["login"]

    author = Contributor.objects.get(github_handle__iexact=login)
    page = client.get(f"/leaderboard/contributors/{author.github_handle}/").content.decode()

    assert author.on_github
    assert f'href="https://github.com/{author.github_handle}"' in page


@pytest.mark.django_db
def test_a_local_account_gets_a_profile_without_a_github_link() -> None:
    user = User.objects.create_user("localperson", password="x-password-1")

    assert contributor_for_user(user=user).on_github is False
