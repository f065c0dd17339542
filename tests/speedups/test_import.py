"""Importing real pyperf result files: metadata, raw values, builds, re-import and refusals."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable
from pathlib import Path

import pyperf
import pytest

from onboarding.speedups.errors import BenchmarkFileInvalid
from onboarding.speedups.models import BenchmarkResult, BenchmarkRun
from onboarding.speedups.pyperf_files import build_from_config_args
from onboarding.speedups.services import benchmark_run_import
from tests.speedups.conftest import FC_20221119, GZ_PY27, JIT_DEFAULT, JIT_JIT, MULT_LIST_36

pytestmark = pytest.mark.django_db


def test_import_reads_the_commit_machine_and_compiler_from_the_metadata(import_file: Callable) -> None:
    run = import_file(JIT_JIT)

    assert run.commit_id == "0edaa75d86fbd8907f132ae567e4df8d31691849"
    assert run.commit_branch == "main"
    assert run.commit_date == dt.datetime(2026, 8, 11, 6, 9, 43, tzinfo=dt.UTC)
    assert run.python_version == "3.14.7 (64-bit)"
    assert run.compiler == "GCC 12.2.0"
    assert run.cpu_model_name == "Intel(R) Xeon(R) Processor"
    assert (run.hostname, run.machine) == ("vm", "vm")
    assert run.config_args == "'--enable-experimental-jit=yes' 'CC=gcc'"
    assert (run.performance_version, run.pyperf_version) == ("1.14.0", "2.10.0")
    assert run.file_name == "20260811-0edaa75-jit-gcc-x86_64.json"
    assert run.started_at is not None and run.started_at.date() == dt.date(2026, 11, 22)


def test_import_keeps_every_raw_value_per_process_and_pyperfs_exact_mean(
    import_file: Callable, benchmarks_dir: Path
) -> None:
    default, jit = import_file(JIT_DEFAULT), import_file(JIT_JIT)
    suite = pyperf.BenchmarkSuite.load(str(benchmarks_dir / JIT_JIT))

    assert jit.results.count() == 15
    deltablue = jit.results.get(name="deltablue")
    expected = suite.get_benchmark("deltablue")
    assert [value for process in deltablue.values for value in process] == list(expected.get_values())
    assert deltablue.mean == expected.mean()
    assert deltablue.stdev == expected.stdev()
    # The JIT build ran 6 processes x 10 values per pass, the default 20 x 3: same 120 values.
    assert (deltablue.nvalue, deltablue.nprocess) == (120, 12)
    assert (default.results.get(name="deltablue").nvalue, default.results.get(name="deltablue").nprocess) == (120, 40)
    assert list(jit.results.values_list("name", flat=True)[:4]) == ["deltablue", "float", "nbody", "richards"]


def test_import_keeps_benchmark_metadata_such_as_tags_and_loops(import_file: Callable) -> None:
    run = import_file(JIT_DEFAULT)

    result = run.results.get(name="float")
    assert result.metadata["tags"] == ["math"]
    assert result.metadata["loops"] == 2
    assert run.metadata["performance_version"] == "1.14.0"


def test_the_jit_pair_differs_only_in_configure_arguments_and_is_told_apart_by_them(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun],
) -> None:
    default, jit = jit_pair

    assert (default.build, jit.build) == ("default", "jit")
    assert (default.detected_build, jit.detected_build) == ("default", "jit")
    differing = {
        key
        for key in default.metadata.keys() | jit.metadata.keys()
        if default.metadata.get(key) != jit.metadata.get(key)
    }
    # python_executable is pyperformance's throwaway venv path, not a property of the build.
    assert differing == {"python_config_args", "python_executable"}


def test_reimporting_the_same_file_changes_nothing(import_file: Callable, benchmarks_dir: Path) -> None:
    first = import_file(JIT_JIT)
    results_before = BenchmarkResult.objects.count()

    outcome = benchmark_run_import(
        content=(benchmarks_dir / JIT_JIT).read_bytes(), file_name="renamed.json", machine="other", build="default"
    )

    assert outcome.created is False
    assert outcome.run.pk == first.pk
    assert BenchmarkRun.objects.count() == 1
    assert BenchmarkResult.objects.count() == results_before
    first.refresh_from_db()
    assert (first.machine, first.build, first.file_name) == ("vm", "jit", "20260811-0edaa75-jit-gcc-x86_64.json")


def test_the_gzipped_copy_of_an_imported_file_is_the_same_run(import_file: Callable, benchmarks_dir: Path) -> None:
    run = import_file(FC_20221119)

    outcome = benchmark_run_import(
        content=gzip.compress((benchmarks_dir / FC_20221119).read_bytes()), file_name="copy.json.gz"
    )

    assert (outcome.created, outcome.run.pk) == (False, run.pk)


def test_json_gz_import_reads_a_file_whose_name_is_only_in_the_top_level_metadata(import_file: Callable) -> None:
    run = import_file(GZ_PY27)

    assert run.file_name.endswith(".json.gz")
    assert list(run.results.values_list("name", "nvalue", "nprocess")) == [("timeit", 60, 20)]
    assert run.python_version == "2.7.13 (64-bit)"
    assert (run.machine, run.build, run.compiler, run.commit_id) == ("selma", "default", "", "")
    assert round(run.results.get().mean * 1e6, 2) == 4.70  # pyperf prints "4.70 us"


def test_bench_runner_metadata_is_read_and_the_commit_id_trusted_over_the_version_string(
    import_file: Callable,
) -> None:
    run = import_file("pyperf/fc-20211208-2e91dba-3.11.0a3-nojit-linux-x86_64.json")

    assert run.benchmark_hash == "aea5ad"
    assert run.commit_id.startswith("2e91dba437fe")
    assert "b948add791" in run.python_version  # the version string names another revision
    assert run.compiler == "GCC 9.4.0"
    assert run.performance_version == "1.0.4"


def test_machine_and_build_can_be_named_on_import(import_file: Callable) -> None:
    run = import_file(MULT_LIST_36, machine="laptop", build="tailcall")

    assert (run.machine, run.hostname) == ("laptop", "apu")
    assert (run.build, run.detected_build) == ("tailcall", "default")


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"# Real pyperf results\n", "it is not JSON"),
        (b'{"results": []}', "pyperf cannot read it"),
        (b'{"version": "1.0", "benchmarks": []}', "pyperf cannot read it"),
        (b"[1, 2, 3]", "pyperf cannot read it"),
        (b"\xff\xfe\x00junk", "it is not UTF-8 text"),
        (gzip.compress(b"not json at all")[:12], "it looks gzipped but does not decompress"),
    ],
)
def test_a_file_that_is_not_pyperf_output_is_refused_with_a_clear_message_and_nothing_stored(
    content: bytes, why: str
) -> None:
    with pytest.raises(BenchmarkFileInvalid) as caught:
        benchmark_run_import(content=content, file_name="notes.json")

    assert caught.value.message.startswith(f"notes.json is not a pyperf result file: {why}")
    assert "pyperformance run -o results.json" in caught.value.message
    assert BenchmarkRun.objects.count() == 0


def test_the_corpus_readme_is_refused(benchmarks_dir: Path) -> None:
    with pytest.raises(BenchmarkFileInvalid, match=r"README\.md is not a pyperf result file"):
        benchmark_run_import(content=(benchmarks_dir / "README.md").read_bytes(), file_name="README.md")


@pytest.mark.parametrize(
    ("config_args", "build"),
    [
        ("'--enable-experimental-jit=yes' 'CC=gcc'", "jit"),
        ("'CC=gcc'", "default"),
        ("", "default"),
        ("--enable-experimental-jit", "jit"),
        ("'--enable-experimental-jit=yes-off'", "jit-off"),
        ("'--enable-experimental-jit=interpreter'", "tier2-interpreter"),
        ("'--enable-experimental-jit=no'", "default"),
        ("'--with-tail-call-interp' '--enable-optimizations' 'CC=clang-19'", "tailcall"),
        ("'--disable-gil'", "free-threading"),
        ("'--disable-gil' '--enable-experimental-jit'", "free-threading+jit"),
        ("'--with-lto' '--enable-optimizations'", "default"),
    ],
)
def test_build_is_read_from_the_configure_arguments(config_args: str, build: str) -> None:
    assert build_from_config_args(config_args) == build
