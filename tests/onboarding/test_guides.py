"""Task guides: written by the scan from the real code, shown on the task page as Markdown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from onboarding.campaigns.models import Task
from tests.conftest import git

pytestmark = pytest.mark.usefixtures("demo_history")


def test_scan_writes_a_guide_with_a_worked_example_from_the_previous_snapshot(db):
    task = Task.objects.get(campaign__slug="refcount", name="FORMAT_SIMPLE")
    assert task.status == Task.Status.TODO
    assert task.guide.startswith("## `FORMAT_SIMPLE`: Eliminate redundant refcounting in the JIT (gh-134584)")
    assert "Target: `op(_FORMAT_SIMPLE, (value -- res, v))`" in task.guide
    # main-2026-06 was scanned after 3.15a-2026-02: its conversions are the examples, and it says so.
    assert task.last_snapshot.label == "main-2026-06"
    assert "### Worked example" in task.guide
    assert "was converted between `3.15a-2026-02` and `main-2026-06`. Before:" in task.guide


def test_not_applicable_tasks_get_no_guide(db):
    task = Task.objects.filter(campaign__slug="refcount", status=Task.Status.NOT_APPLICABLE).first()
    assert task is not None and task.guide == ""


def test_task_page_renders_the_guide_with_highlighted_code_and_no_raw_html(client, db):
    task = Task.objects.get(campaign__slug="refcount", name="FORMAT_SIMPLE")
    response = client.get(reverse("web:task", args=["refcount", task.name]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="guide-heading"' in html
    assert '<pre class="highlight"><code><span class="n">macro</span>' in html
    assert "<!-- task:" not in html


def test_task_page_links_the_definition_at_the_scanned_commit(client, db):
    task = Task.objects.get(campaign__slug="refcount", name="FORMAT_SIMPLE")
    snapshot = task.last_snapshot
    html = client.get(reverse("web:task", args=["refcount", task.name])).content.decode()
    expected = (
        f"https://github.com/{snapshot.repository}/blob/{snapshot.commit}/Python/bytecodes.c"
        f"#L{task.line}-L{task.end_line}"
    )
    assert snapshot.commit and f'href="{expected}"' in html


def test_the_reasons_and_evidence_show_once_in_the_guide_or_else_on_their_own(client, db):
    guided = Task.objects.get(campaign__slug="refcount", name="FORMAT_SIMPLE")
    html = client.get(reverse("web:task", args=["refcount", guided.name])).content.decode()
    assert 'id="guide-heading"' in html and 'id="reasons-heading"' not in html and 'id="evidence-heading"' not in html
    assert html.count("escaping call: <code>PyObject_Format</code>") == 1

    unguided = Task.objects.filter(campaign__slug="refcount", status=Task.Status.NOT_APPLICABLE).first()
    html = client.get(reverse("web:task", args=["refcount", unguided.name])).content.decode()
    assert 'id="guide-heading"' not in html and 'id="reasons-heading"' in html and 'id="evidence-heading"' in html


def test_the_api_serves_the_same_guide(client, db):
    task = Task.objects.get(campaign__slug="refcount", name="FORMAT_SIMPLE")
    body = client.get(f"/api/tasks/{task.pk}/").json()
    assert body["guide"] == task.guide and body["guide"].startswith("## `FORMAT_SIMPLE`")


def _forget_the_demo_history() -> None:
    """Only this test's own scans may serve as the previous snapshot."""
    from onboarding.snapshots.models import Scan, Snapshot

    Task.objects.all().delete()
    Scan.objects.all().delete()
    Snapshot.objects.all().delete()


def _checkout_at(root, snapshot, message: str) -> str:
    """Copy a shared snapshot's DSL files into the git checkout ``root``, commit, return the commit."""
    from tests.conftest import CPYTHON_DIR

    (root / "Python").mkdir(exist_ok=True)
    for name in ("bytecodes.c", "optimizer_bytecodes.c"):
        (root / "Python" / name).write_bytes((CPYTHON_DIR / snapshot / "Python" / name).read_bytes())
    git(root, "add", ".")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD")


@pytest.mark.django_db
def test_one_checkout_moved_on_by_git_still_gives_worked_examples(tmp_path):
    """Production scans one checkout again after `git pull`: the old sources come from git."""
    import datetime as dt

    from onboarding.snapshots.services import scan_run

    _forget_the_demo_history()
    root = tmp_path / "cpython"
    root.mkdir()
    git(root, "init", "-q")
    older = _checkout_at(root, "3.15a-2026-02", "February")
    scan_run(path=root, commit=older, date=dt.date(2026, 2, 14))
    newer = _checkout_at(root, "main-2026-06", "June")
    scan_run(path=root, commit=newer, date=dt.date(2026, 6, 8))

    from onboarding.snapshots.models import Scan

    guide = Task.objects.get(campaign__slug="refcount", name="FORMAT_SIMPLE").guide
    february, june = (Scan.objects.get(commit=commit).label for commit in (older, newer))
    assert february != june
    assert "### Worked example" in guide and f"converted between `{february}` and `{june}`. Before:" in guide


@pytest.mark.django_db
def test_a_folder_rescanned_in_place_without_git_gives_no_wrong_example(tmp_path):
    import datetime as dt
    import shutil

    from onboarding.snapshots.services import scan_run
    from tests.conftest import CPYTHON_DIR

    _forget_the_demo_history()
    root = tmp_path / "cpython"
    shutil.copytree(CPYTHON_DIR / "3.15a-2026-02", root)
    scan_run(path=root, label="february", date=dt.date(2026, 2, 14))
    shutil.rmtree(root)
    shutil.copytree(CPYTHON_DIR / "main-2026-06", root)
    scan_run(path=root, label="june", date=dt.date(2026, 6, 8))

    # The February sources are gone: the guide has no example rather than one from June itself.
    guide = Task.objects.get(campaign__slug="refcount", name="FORMAT_SIMPLE").guide
    assert guide.startswith("## `FORMAT_SIMPLE`") and "### Worked example" not in guide
