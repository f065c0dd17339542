"""Issue #14, item 6: benchmark files cannot take the server down.

Gzip bombs stop at a bound while streaming, non-finite or non-positive timings are a 400 that
writes nothing, and an accepted run with extreme values (1e308 s) leaves every comparison,
page, chart and API answer working.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from onboarding.speedups.models import BenchmarkResult, BenchmarkRun, ComparisonRecord
from onboarding.speedups.pyperf_files import MAX_CONTENT_BYTES
from tests.speedups.conftest import JIT_DEFAULT, JIT_JIT

pytestmark = [pytest.mark.django_db, pytest.mark.reliability]


@pytest.fixture
def signed_in_api(api: APIClient, django_user_model: type[User]) -> APIClient:
    api.force_authenticate(django_user_model.objects.create_user("uploader"))
    return api


def upload(api: APIClient, name: str, content: bytes) -> object:
    return api.post("/api/benchmark-runs/", {"file": SimpleUploadedFile(name, content)}, format="multipart")


def real_file(benchmarks_dir: Path, name: str, change: Callable[[dict[str, object]], None]) -> bytes:
    data = json.loads((benchmarks_dir / name).read_text())
    change(data)
    return json.dumps(data).encode()


def set_first_value(value: object) -> Callable[[dict[str, object]], None]:
    def change(data: dict[str, object]) -> None:
        bench = data["benchmarks"][0]  # type: ignore[index]
        run = next(run for run in bench["runs"] if "values" in run)
        run["values"][0] = value

    return change


def assert_nothing_stored() -> None:
    assert BenchmarkRun.objects.count() == 0
    assert BenchmarkResult.objects.count() == 0


def test_a_gzip_bomb_is_refused_while_decompressing(signed_in_api: APIClient) -> None:
    bomb = gzip.compress(b'{"version": "1.0", "benchmarks": [' + b" " * (MAX_CONTENT_BYTES + 1024))
    assert len(bomb) < 100_000  # tiny on the wire

    response = upload(signed_in_api, "bomb.json.gz", bomb)

    assert response.status_code == 400  # type: ignore[attr-defined]
    message = response.json()["error"]["fields"]["file"][0]  # type: ignore[attr-defined]
    assert "decompresses to more than 32 MB" in message and message.startswith("bomb.json.gz")
    assert_nothing_stored()


def test_a_gzip_bomb_in_a_tree_is_skipped_by_name(tmp_path: Path, benchmarks_dir: Path) -> None:
    from django.core.management import CommandError, call_command

    (tmp_path / "bomb.json.gz").write_bytes(gzip.compress(b"[" * 10 + b" " * (MAX_CONTENT_BYTES + 1)))

    with pytest.raises(CommandError, match=r"bomb\.json\.gz is not a pyperf result file: it decompresses to more"):
        call_command("import_benchmarks", str(tmp_path), verbosity=0)
    assert_nothing_stored()


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (float("inf"), "value inf is not a finite number"),
        (float("nan"), "value nan is not a finite number"),
        (0.0, "timing 0.0 s is not positive"),
        (-1e-3, "timing -0.001 s is not positive"),
    ],
)
def test_non_finite_or_non_positive_timings_are_a_400_that_stores_nothing(
    signed_in_api: APIClient, benchmarks_dir: Path, value: float, why: str
) -> None:
    content = real_file(benchmarks_dir, JIT_JIT, set_first_value(value))  # json.dumps writes Infinity / NaN

    response = upload(signed_in_api, "bad.json", content)

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert why in response.json()["error"]["fields"]["file"][0]  # type: ignore[attr-defined]
    assert_nothing_stored()


def test_the_upload_page_refuses_infinity_with_a_400_too(benchmarks_dir: Path, django_user_model: type[User]) -> None:
    client = Client()
    client.force_login(django_user_model.objects.create_user("uploader"))
    content = real_file(benchmarks_dir, JIT_JIT, set_first_value(float("inf")))

    response = client.post(reverse("speedups:run-upload"), {"file": SimpleUploadedFile("bad.json", content)})

    assert response.status_code == 400
    assert "is not a finite number" in response.content.decode()
    assert_nothing_stored()


@pytest.fixture
def extreme_pair(benchmarks_dir: Path, signed_in_api: APIClient) -> tuple[int, int]:
    """The real 0edaa75 default run, and its JIT run with every value of one benchmark set to 1e308 s."""

    def huge(data: dict[str, object]) -> None:
        for run in data["benchmarks"][0]["runs"]:  # type: ignore[index]
            if "values" in run:
                run["values"] = [1e308] * len(run["values"])

    default = upload(signed_in_api, "default.json", (benchmarks_dir / JIT_DEFAULT).read_bytes())
    jit = upload(signed_in_api, "jit.json", real_file(benchmarks_dir, JIT_JIT, huge))
    assert default.status_code == jit.status_code == 201  # type: ignore[attr-defined]
    return default.json()["id"], jit.json()["id"]  # type: ignore[attr-defined]


def test_a_run_with_extreme_values_leaves_every_page_and_answer_working(
    extreme_pair: tuple[int, int], api: APIClient
) -> None:
    baseline, candidate = extreme_pair
    client = Client()
    name = BenchmarkResult.objects.filter(run_id=candidate).order_by("position").first().name  # type: ignore[union-attr]

    pages = {
        "overview": client.get(reverse("speedups:overview")),
        "compare": client.get(reverse("speedups:compare", args=[baseline, candidate])),
        "run": client.get(reverse("speedups:run", args=[candidate])),
        "benchmark": client.get(reverse("speedups:benchmark", args=[name])),
        "runs": client.get(reverse("speedups:runs")),
        "csv": client.get(reverse("speedups:summary-csv")),
        "feed": client.get(reverse("speedups:regressions-feed")),
    }
    answers = {
        "compare": api.get(f"/api/benchmark-runs/{baseline}/compare/{candidate}/"),
        "series": api.get("/api/speedup-series/"),
        "summary": api.get("/api/speedup-summary/"),
        "regressions": api.get("/api/speedup-regressions/"),
        "run": api.get(f"/api/benchmark-runs/{candidate}/"),
    }

    assert {key: response.status_code for key, response in pages.items()} == dict.fromkeys(pages, 200)
    assert {key: response.status_code for key, response in answers.items()} == dict.fromkeys(answers, 200)
    comparison = answers["compare"].json()
    assert name not in [bench["name"] for bench in comparison["benchmarks"]]  # left out, not a crash
    assert f"{name} left out: its values are too extreme to compare" in pages["compare"].content.decode()
    assert "<svg" in pages["overview"].content.decode()
    [night] = answers["series"].json()["machines"]["vm"]
    assert {"name": name, "why": "values too extreme to compute a ratio"} in night["benchmarks_left_out"]
    assert ComparisonRecord.objects.filter(baseline_id=baseline, candidate_id=candidate).exists()


@pytest.mark.parametrize("query", ["?end=0001-01-02", "?start=9999-12-31", "?start=0001-01-01&end=9999-12-31"])
def test_windows_at_the_ends_of_the_calendar_answer(query: str, api: APIClient) -> None:
    assert api.get("/api/speedup-summary/" + query).status_code == 200
    assert Client().get(reverse("speedups:summary-csv") + query).status_code == 200
