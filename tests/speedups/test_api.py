"""The API of benchmark runs: upload, read, compare, in the API's one error shape."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from onboarding.speedups.models import BenchmarkRun
from tests.speedups.conftest import FC_310_REFERENCE, FC_20221119, GZ_PY35, JIT_JIT

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in_api(api: APIClient, django_user_model: type[User]) -> APIClient:
    api.force_authenticate(django_user_model.objects.create_user(username="keeper", password="pw"))
    return api


def upload(api: APIClient, name: str, content: bytes, **fields: str) -> object:
    return api.post(
        reverse("api:benchmarkrun-list"), {"file": SimpleUploadedFile(name, content), **fields}, format="multipart"
    )


class TestUpload:
    def test_creates_a_run_and_answers_201_with_it(self, signed_in_api: APIClient, benchmarks_dir: Path) -> None:
        response = upload(signed_in_api, "jit.json", (benchmarks_dir / JIT_JIT).read_bytes())

        assert response.status_code == 201
        data = response.json()
        assert (data["build"], data["machine"], data["commit_id"][:7]) == ("jit", "vm", "0edaa75")
        assert len(data["benchmarks"]) == 15
        assert data["id"] == BenchmarkRun.objects.get().pk

    def test_the_same_file_again_answers_200_with_the_existing_run(
        self, signed_in_api: APIClient, benchmarks_dir: Path
    ) -> None:
        first = upload(signed_in_api, "py35.json.gz", (benchmarks_dir / GZ_PY35).read_bytes())

        again = upload(signed_in_api, "again.json.gz", (benchmarks_dir / GZ_PY35).read_bytes(), build="jit")

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["build"] == "default"

    def test_uploads_are_throttled_with_the_benchmarks_rate(self, signed_in_api: APIClient) -> None:
        from rest_framework.settings import api_settings

        rates = {**api_settings.DEFAULT_THROTTLE_RATES, "benchmarks": "2/hour"}
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("rest_framework.throttling.SimpleRateThrottle.THROTTLE_RATES", rates)
            responses = [upload(signed_in_api, f"n{i}.txt", b"x") for i in range(3)]
            listing = signed_in_api.get(reverse("api:benchmarkrun-list"))

        assert [r.status_code for r in responses] == [400, 400, 429]
        assert responses[2].json()["error"]["code"] == "throttled"
        assert listing.status_code == 200  # reads are never throttled

    def test_a_non_pyperf_file_is_a_400_keyed_by_the_file_field(self, signed_in_api: APIClient) -> None:
        response = upload(signed_in_api, "notes.txt", b"hello")

        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "benchmark_file_invalid"
        assert error["fields"]["file"][0].startswith("notes.txt is not a pyperf result file: it is not JSON")
        assert BenchmarkRun.objects.count() == 0

    def test_needs_authentication(self, api: APIClient, benchmarks_dir: Path) -> None:
        response = upload(api, "jit.json", (benchmarks_dir / JIT_JIT).read_bytes())

        assert response.status_code in (401, 403)
        assert "error" in response.json()
        assert BenchmarkRun.objects.count() == 0


class TestReadAndCompare:
    def test_lists_runs_with_their_benchmarks_means(
        self, api: APIClient, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        data = api.get(reverse("api:benchmarkrun-list")).json()

        runs = data["results"] if isinstance(data, dict) else data
        assert [run["build"] for run in runs] == ["jit", "default"]
        richards = next(bench for bench in runs[0]["benchmarks"] if bench["name"] == "richards")
        assert round(richards["mean"], 4) == 0.048

    def test_compare_answers_the_compare_runs_json(
        self, api: APIClient, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        default, jit = jit_pair

        response = api.get(reverse("api:benchmarkrun-compare", args=[default.pk, jit.pk]))

        assert response.status_code == 200
        data = response.json()
        assert round(1 / data["geometric_mean"], 5) == 1.00698
        assert data["forced"] is False
        assert [bench["name"] for bench in data["benchmarks"] if not bench["significant"]] == ["fannkuch", "json_dumps"]

    def test_compare_of_mismatched_runs_is_a_409_unless_forced(
        self, api: APIClient, import_file: Callable[..., BenchmarkRun]
    ) -> None:
        reference, recent = import_file(FC_310_REFERENCE), import_file(FC_20221119)
        url = reverse("api:benchmarkrun-compare", args=[reference.pk, recent.pk])

        refused = api.get(url)
        forced = api.get(url, {"force": "1"})

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "runs_not_comparable"
        assert "benchmark_hash) differs: '215d35'" in refused.json()["error"]["message"]
        assert forced.status_code == 200
        assert forced.json()["forced"] is True
        assert len(forced.json()["mismatches"]) == 2

    def test_compare_with_an_unknown_run_is_a_404(
        self, api: APIClient, import_file: Callable[..., BenchmarkRun]
    ) -> None:
        run = import_file(JIT_JIT)

        response = api.get(reverse("api:benchmarkrun-compare", args=[run.pk, 999]))

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
