"""import_pulls and sync_pulls: GitHub-shaped pull requests, linked by the webhook's matcher, credited on re-scan."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import responses
from django.conf import settings
from django.core.management import CommandError, call_command
from responses import matchers

from onboarding.campaigns.models import Campaign, Task, TaskStatusChange
from onboarding.claims import matching
from onboarding.claims.imports import PullRequestDataInvalid, pull_entries_parse, pull_requests_import
from onboarding.claims.matching import campaigns_for_issues, task_match
from onboarding.claims.models import PullRequest
from onboarding.claims.selectors import pull_request_uncredited_groups
from onboarding.contributors.models import Contributor
from onboarding.leaderboard.selectors import leaderboard_list
from onboarding.snapshots.models import Scan, Snapshot
from onboarding.webhooks import services as webhook_services
from tests.onboarding.conftest import make_contributor, make_task, scan_label  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

GITHUB = Path(__file__).parent / "github"
#: PyGithub spells the port out.
API = "https://api.github.com:443"
MakeTask = Callable[..., Task]


def entry(number: int = 142712, **fields: Any) -> dict[str, Any]:
    """One pull request in the shared file's shape (GitHub's names, day-precision dates)."""
    data: dict[str, Any] = {
        "number": number,
        "title": "gh-134584: Eliminate redundant refcounting from _STORE_SUBSCR_DICT",
        "html_url": f"https://github.com/python/cpython/pull/{number}",
        "user": {"login": "corona10"},
        "state": "closed",
        "merged": True,
        "merged_at": "2025-12-15",
        "created_at": "2025-12-14",
        "issue": 134584,
        "changed_files": ["Python/bytecodes.c"],
        "author_verified": True,
    }
    data.update(fields)
    return data


def write(tmp_path: Path, entries: object) -> str:
    path = tmp_path / "pulls.json"
    path.write_text(json.dumps(entries))
    return str(path)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def refcount(make_task: MakeTask) -> Campaign:  # noqa: F811
    make_task("STORE_SUBSCR_DICT", uop="_STORE_SUBSCR_DICT")
    campaign = Campaign.objects.get(slug="refcount")
    campaign.issue = "gh-134584"
    campaign.save()
    return campaign


def scanned(task: Task, *, day: str, to: str = Task.Status.DONE, first_sighting: bool = False) -> Snapshot:
    """What a scan of a snapshot dated ``day`` writes when it finds ``task`` at ``to``."""
    date = dt.date.fromisoformat(day)
    at = dt.datetime.combine(date, dt.time(12), tzinfo=dt.UTC)
    snapshot, _ = Snapshot.objects.get_or_create(
        label=f"s-{day}", defaults={"date": date, "bytecodes_sha256": "0" * 64}
    )
    scan = Scan.objects.create(snapshot=snapshot, label=snapshot.label, path="/cpython", status="succeeded")
    TaskStatusChange.objects.create(
        task=task, from_status="" if first_sighting else task.status, to_status=to, scan=scan, snapshot=snapshot, at=at
    )
    Task.objects.filter(pk=task.pk).update(status=to)
    task.refresh_from_db()
    return snapshot


class TestMalformedInput:
    @pytest.mark.parametrize(
        ("bad", "message"),
        [
            ({"number": "12"}, "entry 1: 'number' must be a positive integer, got '12'"),
            ({"merged_at": "15/12/2025"}, "entry 1 (#142712): 'merged_at' '15/12/2025' is not a date"),
            (
                {"user": {"login": "not a handle"}},
                "entry 1 (#142712): 'user.login' 'not a handle' is not a GitHub handle",
            ),
            ({"html_url": "https://example.com/pull/142712"}, "entry 1 (#142712): 'html_url' must be"),
            ({"state": "merged"}, "entry 1 (#142712): 'state' must be 'open' or 'closed'"),
            ({"merged": False}, "entry 1 (#142712): 'merged' is false but 'merged_at' is set"),
        ],
    )
    def test_the_error_names_the_file_the_entry_and_the_field_and_nothing_is_written(
        self, tmp_path: Path, bad: dict[str, Any], message: str
    ) -> None:
        path = write(tmp_path, [entry(1), entry(**bad)])

        with pytest.raises(CommandError) as error:
            run("import_pulls", path)

        assert str(error.value).startswith(f"{path}: ")
        assert message in str(error.value)
        assert PullRequest.objects.count() == 0 and Contributor.objects.count() == 0

    def test_bad_json_gives_its_line_and_column(self, tmp_path: Path) -> None:
        path = tmp_path / "pulls.json"
        path.write_text('[{"number": 1,\n  "title": }]')

        with pytest.raises(CommandError, match=re.escape(f"{path}:2:12: not JSON")):
            run("import_pulls", str(path))

    def test_a_missing_file_and_a_pull_request_listed_twice_are_refused(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="cannot read"):
            run("import_pulls", str(tmp_path / "nowhere.json"))
        with pytest.raises(CommandError, match=r"listed twice: python/cpython#7"):
            run("import_pulls", write(tmp_path, [entry(7), entry(7)]))


class TestImport:
    def test_rows_people_and_unknowns(self, tmp_path: Path, refcount: Campaign) -> None:
        path = write(
            tmp_path,
            [
                entry(),
                entry(143330, title="Eliminate redundant refcounting from _CALL_X", user=None, author_verified=False),
                entry(999, merged_at=None, created_at=None, changed_files=[]),
                entry(1000, state="open", merged=False, merged_at=None, issue=145866, user={"login": "Corona10"}),
                entry(1001, user={"login": "dependabot[bot]"}),
            ],
        )

        out = run("import_pulls", path)

        assert out.splitlines()[0] == "5 pull request(s): 5 created, 0 updated, 0 unchanged; 1 new contributor(s)"
        pr = PullRequest.objects.get(number=142712)
        assert (pr.author.github_handle, pr.author.user, pr.state) == ("corona10", None, PullRequest.State.MERGED)
        assert (pr.merged_at, pr.opened_at) == (
            dt.datetime(2025, 12, 15, tzinfo=dt.UTC),
            dt.datetime(2025, 12, 14, tzinfo=dt.UTC),
        )
        assert (pr.issue, pr.campaign, pr.changed_files) == (134584, refcount, ["Python/bytecodes.c"])
        unknown = PullRequest.objects.get(number=143330)
        assert unknown.author is None and not unknown.author_verified
        undated = PullRequest.objects.get(number=999)
        assert undated.state == PullRequest.State.MERGED and not undated.merge_date_known and undated.opened_at is None
        # gh-145866 is a follow-up the refcount campaign lists; handles are one person in any case.
        follow_up = PullRequest.objects.get(number=1000)
        assert follow_up.campaign == refcount and follow_up.author == pr.author
        bot = PullRequest.objects.get(number=1001)
        assert bot.author is None and not bot.author_verified

    def test_a_saved_search_api_answer_imports_with_its_merge_dates(self, refcount: Campaign) -> None:
        out = run("import_pulls", str(GITHUB / "search_issues_gh-134584.json"))

        assert out.splitlines()[0] == "2 pull request(s): 2 created, 0 updated, 0 unchanged; 1 new contributor(s)"
        merged, closed = PullRequest.objects.get(number=142712), PullRequest.objects.get(number=135907)
        assert (merged.state, merged.merged_at) == (
            PullRequest.State.MERGED,
            dt.datetime(2025, 12, 15, 3, 41, 5, tzinfo=dt.UTC),
        )
        assert (closed.state, closed.merged_at, closed.changed_files) == (PullRequest.State.CLOSED, None, [])

    def test_importing_again_changes_nothing(self, tmp_path: Path, refcount: Campaign) -> None:
        path = write(tmp_path, [entry(), entry(5, title="gh-130415: Narrow `str`", issue=130415)])
        run("import_pulls", path)
        stamps = list(PullRequest.objects.order_by("pk").values_list("updated_at", flat=True))

        out = run("import_pulls", path)

        assert out.splitlines()[0] == "2 pull request(s): 0 created, 0 updated, 2 unchanged; 0 new contributor(s)"
        assert list(PullRequest.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps

    def test_unlinked_pull_requests_say_why(self, tmp_path: Path, refcount: Campaign) -> None:
        path = write(
            tmp_path,
            [
                entry(1, title='gh-130415: Narrow `str` to `""`', issue=130415),
                entry(2, title="gh-134584: JIT: Eliminate redundant refcount ops for X_INT"),
                entry(3, title="gh-134584: Decref elimination for float ops in the JIT"),
                entry(4, title="Some cleanup", issue=None),
            ],
        )

        out = run("import_pulls", path)

        notes = dict(PullRequest.objects.values_list("number", "link_note"))
        assert notes[1] == "gh-130415 is not the issue of any campaign here, nor a follow-up a campaign lists"
        assert notes[2] == "names X_INT, which are not tasks of the refcount campaign"
        assert notes[3] == "its title names no instruction or uop"
        assert notes[4] == "no mega-issue: the title cites none and none was given"
        assert "0 linked to tasks (0 merged and confirmed done by a later scan), 4 linked to none" in out


class TestMatcher:
    def test_the_webhook_and_the_import_share_one_matcher(self) -> None:
        assert webhook_services.tasks_named_in is matching.tasks_named_in

    def test_a_leading_underscore_names_the_same_task(self, make_task: MakeTask) -> None:  # noqa: F811
        inst = make_task("STORE_SUBSCR_DICT", uop="STORE_SUBSCR_DICT")  # a 3.13-era inst: no uop of its own

        assert task_match(title="Eliminate redundant refcounting from `_STORE_SUBSCR_DICT`").tasks == [inst]
        assert task_match(title="Convert STORE_SUBSCR_DICT").tasks == [inst]

    def test_shorthands_name_several_tasks(self, make_task: MakeTask) -> None:  # noqa: F811
        ints = [make_task(f"BINARY_OP_{op}_INT", uop=f"_BINARY_OP_{op}_INT") for op in ("ADD", "MULTIPLY")]
        unary = [make_task(n, uop=n) for n in ("UNARY_INVERT", "UNARY_NEGATIVE")]
        calls = [make_task(f"CALL{s}", uop=f"_CALL{s}") for s in ("_BUILTIN_O", "_METHOD_DESCRIPTOR_O")]
        make_task("CALL", uop="_CALL")
        make_task("BINARY_OP_ADD_FLOAT", uop="_BINARY_OP_ADD_FLOAT")

        assert task_match(title="Eliminate redundant refcounting from `_BINARY_OP_X_INT`").tasks == ints
        assert task_match(title="Remove redundant refcounting for UNARY_{INVERT|NEGATIVE}").tasks == unary
        assert (
            task_match(title="Eliminate redundant refcounting from _CALL{_BUILTIN_O, _METHOD_DESCRIPTOR_O}").tasks
            == calls
        )
        assert task_match(title="refcount ops for X_INT").tasks == []

    def test_a_family_names_its_members_and_prose_names_nothing(self, make_task: MakeTask) -> None:  # noqa: F811
        members = [make_task(n, family="UNPACK_SEQUENCE") for n in ("UNPACK_SEQUENCE", "UNPACK_SEQUENCE_LIST")]
        make_task("_GUARD_TOS_TUPLE", family="UNPACK_SEQUENCE")
        make_task("_JIT")

        assert task_match(title="Eliminate redundant refcounting from `UNPACK_SEQUENCE` family").tasks == members
        assert task_match(title="Narrow types more aggressively in the JIT").tasks == []

    def test_campaigns_by_issue_include_the_follow_ups_the_registry_lists(self, refcount: Campaign) -> None:
        from analyzer.campaigns import REGISTRY

        related = REGISTRY["refcount"].related_issues
        assert related and campaigns_for_issues([related[0]]) == [refcount]
        assert campaigns_for_issues([134584]) == [refcount]
        assert campaigns_for_issues(["gh-1"]) == []


class TestConfirmationAndPoints:
    def test_a_scan_after_the_merge_confirms_and_credits_the_author(self, refcount: Campaign) -> None:
        task = Task.objects.get(name="STORE_SUBSCR_DICT")
        scanned(task, day="2025-08-15", to=Task.Status.TODO, first_sighting=True)
        scanned(task, day="2025-11-01", to=Task.Status.TODO)
        later = scanned(task, day="2026-02-20")

        pull_requests_import(pull_entries_parse([entry()], source="test"))

        pr = PullRequest.objects.get()
        assert list(pr.tasks.all()) == [task] and pr.confirmed_snapshot == later
        easy = settings.LEADERBOARD_CONVERSION_POINTS[Task.Difficulty.EASY]
        assert [(s.github_handle, s.conversions, s.points) for s in leaderboard_list()] == [("corona10", 1, easy)]

    @pytest.mark.parametrize(
        "change",
        [
            {"merged_at": "2026-03-01"},  # merged after the only scan that shows it done
            {"merged_at": None},  # merge date unknown
            {"user": {"login": "aisk"}, "author_verified": False},  # author not confirmed
            {"user": None},  # author unknown
        ],
    )
    def test_no_credit_without_a_confirmed_author_and_a_later_scan(
        self, refcount: Campaign, change: dict[str, Any]
    ) -> None:
        task = Task.objects.get(name="STORE_SUBSCR_DICT")
        scanned(task, day="2025-08-15", to=Task.Status.TODO, first_sighting=True)
        scanned(task, day="2026-02-20")

        pull_requests_import(pull_entries_parse([entry(**change)], source="test"))

        assert PullRequest.objects.get().tasks.count() == 1
        assert list(leaderboard_list()) == []

    def test_the_maintainers_list_says_why_a_linked_merge_earns_nothing(self, refcount: Campaign) -> None:
        task = Task.objects.get(name="STORE_SUBSCR_DICT")
        scanned(task, day="2025-08-15", to=Task.Status.TODO, first_sighting=True)
        scanned(task, day="2026-02-20")
        entries = [entry(1, merged_at=None), entry(2, merged_at="2026-03-01"), entry(3, user=None), entry(4)]

        pull_requests_import(pull_entries_parse(entries, source="test"))

        groups = {g.reason: [pr.number for pr in g.pull_requests] for g in pull_request_uncredited_groups()}
        assert groups == {
            "merged, but the merge date is unknown, so no scan can be said to confirm it": [1],
            "no scan of a snapshot dated after the merge shows its tasks turning done "
            "(they were done when first scanned, or no later snapshot yet)": [2],
            "the author is unknown": [3],
        }

    def test_a_real_scan_after_the_import_records_the_confirmation(
        self,
        scan_label: Callable[..., Scan],  # noqa: F811
    ) -> None:
        # _STORE_SUBSCR_DICT was converted in December 2025 (gh-142712): to do in the August
        # snapshot, done in February's. The PR is imported between the two scans.
        scan_label("3.15a-2025-08")
        pull_requests_import(pull_entries_parse([entry()], source="test"))
        pr = PullRequest.objects.get()
        assert [t.name for t in pr.tasks.all()] == ["STORE_SUBSCR_DICT"] and pr.confirmed_snapshot is None

        scan = scan_label("3.15a-2026-02")

        pr.refresh_from_db()
        assert pr.confirmed_snapshot is not None and pr.confirmed_snapshot.label == "3.15a-2026-02"
        assert scan.changes["pull_requests_confirmed"] == 1
        assert "1 merged pull request confirmed" in scan.change_summary
        assert [(s.github_handle, s.conversions) for s in leaderboard_list()] == [("corona10", 1)]
        # A later scan keeps the confirmation it found.
        scan_label("main-2026-06")
        pr.refresh_from_db()
        assert pr.confirmed_snapshot.label == "3.15a-2026-02"

    def test_an_impossible_time_is_a_located_error(self) -> None:
        with pytest.raises(
            PullRequestDataInvalid, match=r"test: entry 0 \(#142712\): 'created_at' '2025-13-45T25:61:00Z'"
        ):
            pull_entries_parse([entry(created_at="2025-13-45T25:61:00Z")], source="test")

    def test_a_task_first_seen_done_earns_nothing(self, refcount: Campaign) -> None:
        task = Task.objects.get(name="STORE_SUBSCR_DICT")
        scanned(task, day="2026-02-20", first_sighting=True)

        pull_requests_import(pull_entries_parse([entry()], source="test"))

        assert PullRequest.objects.get().confirmed_snapshot is None
        assert list(leaderboard_list()) == []


def _recorded(name: str) -> Any:
    return json.loads((GITHUB / name).read_text())


class TestSyncPulls:
    @responses.activate
    def test_it_searches_reads_each_pull_request_and_its_files_and_imports_them(self, refcount: Campaign) -> None:
        responses.get(
            f"{API}/search/issues",
            json=_recorded("search_issues_gh-134584.json"),
            match=[matchers.query_param_matcher({"q": 'repo:python/cpython is:pr "gh-134584" in:title,body'})],
        )
        for number in (135907, 142712):
            responses.get(f"{API}/repos/python/cpython/pulls/{number}", json=_recorded(f"pulls_{number}.json"))
            responses.get(
                f"{API}/repos/python/cpython/pulls/{number}/files", json=_recorded(f"pulls_{number}_files.json")
            )

        out = run("sync_pulls", "--repo", "python/cpython", "--issue", "134584")

        assert out.splitlines()[0] == "2 pull request(s): 2 created, 0 updated, 0 unchanged; 1 new contributor(s)"
        merged = PullRequest.objects.get(number=142712)
        assert merged.state == PullRequest.State.MERGED
        assert merged.merged_at == dt.datetime(2025, 12, 15, 3, 41, 5, tzinfo=dt.UTC)
        assert merged.changed_files == ["Lib/test/test_capi/test_opt.py", "Python/bytecodes.c"]
        assert [t.name for t in merged.tasks.all()] == ["STORE_SUBSCR_DICT"]
        closed = PullRequest.objects.get(number=135907)
        assert (closed.state, closed.merged_at, closed.issue) == (PullRequest.State.CLOSED, None, 134584)
        assert run("sync_pulls", "--repo", "python/cpython", "--issue", "134584").startswith(
            "2 pull request(s): 0 created, 0 updated, 2 unchanged"
        )

    @responses.activate
    def test_a_rate_limit_is_reported_and_nothing_is_written(self, refcount: Campaign) -> None:
        responses.get(
            f"{API}/search/issues",
            status=403,
            json=_recorded("rate_limited.json"),
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1765800000"},
        )

        with pytest.raises(CommandError, match="rate limit is exhausted while searching python/cpython for gh-134584"):
            run("sync_pulls", "--repo", "python/cpython", "--issue", "134584")

        assert PullRequest.objects.count() == 0


class TestApi:
    def test_imported_fields_and_the_linked_filter(self, tmp_path: Path, refcount: Campaign, client: Any) -> None:
        path = write(tmp_path, [entry(), entry(7, title="gh-130415: Narrow types", issue=130415, user=None)])
        run("import_pulls", path)

        linked = client.get("/api/pull-requests/", {"linked": "true"}).json()["results"]
        unlinked = client.get("/api/pull-requests/", {"linked": "false"}).json()["results"]

        assert [(p["number"], p["author"], p["campaign"], p["issue"]) for p in linked] == [
            (142712, "corona10", "refcount", 134584)
        ]
        assert (
            linked[0]["changed_files"] == ["Python/bytecodes.c"]
            and linked[0]["tasks"][0]["name"] == "STORE_SUBSCR_DICT"
        )
        assert [(p["number"], p["author"], p["link_note"]) for p in unlinked] == [
            (7, None, "gh-130415 is not the issue of any campaign here, nor a follow-up a campaign lists")
        ]
