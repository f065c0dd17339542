"""The management commands: ``import_benchmarks`` and ``compare_runs``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from onboarding.speedups.models import BenchmarkRun
from tests.speedups.conftest import FC_310_REFERENCE, FC_20221119, GZ_PY27, JIT_DEFAULT, JIT_JIT

pytestmark = pytest.mark.django_db


def run_command(*args: str, **options: object) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_import_benchmarks_prints_the_id_of_each_run_it_created(benchmarks_dir: Path) -> None:
    out = run_command("import_benchmarks", str(benchmarks_dir / JIT_DEFAULT), str(benchmarks_dir / GZ_PY27))

    default = BenchmarkRun.objects.get(file_name=Path(JIT_DEFAULT).name)
    gz = BenchmarkRun.objects.get(file_name=Path(GZ_PY27).name)
    assert f"Created run {default.pk} from {benchmarks_dir / JIT_DEFAULT}: default on vm, 15 benchmarks" in out
    assert f"Created run {gz.pk} from {benchmarks_dir / GZ_PY27}: default on selma, 1 benchmark\n" in out


def test_import_benchmarks_prints_only_the_ids_at_verbosity_0(benchmarks_dir: Path) -> None:
    out = run_command("import_benchmarks", str(benchmarks_dir / "pyperf-jit"), verbosity=0)

    ids = sorted(BenchmarkRun.objects.values_list("pk", flat=True))
    assert out.split() == [str(pk) for pk in ids]
    assert BenchmarkRun.objects.count() == 2  # the directory's README.md is not a result file


def test_import_benchmarks_of_a_directory_imports_every_result_file_in_name_order(benchmarks_dir: Path) -> None:
    run_command("import_benchmarks", str(benchmarks_dir / "pyperf"), verbosity=0)

    names = list(BenchmarkRun.objects.order_by("pk").values_list("file_name", flat=True))
    assert names == sorted(p.name for p in (benchmarks_dir / "pyperf").iterdir())
    assert len(names) == 16


def test_import_benchmarks_twice_changes_nothing_and_says_so(benchmarks_dir: Path) -> None:
    path = str(benchmarks_dir / JIT_JIT)
    run_command("import_benchmarks", path)

    out = run_command("import_benchmarks", path, "--machine", "other", "--build", "default")

    run = BenchmarkRun.objects.get()
    assert out == f"Unchanged: {path} is already run {run.pk}\n"
    assert (run.machine, run.build) == ("vm", "jit")


def test_import_benchmarks_takes_the_machine_and_build_from_the_options(benchmarks_dir: Path) -> None:
    run_command("import_benchmarks", str(benchmarks_dir / JIT_DEFAULT), "--machine", "ci-x86", "--build", "tailcall")

    run = BenchmarkRun.objects.get()
    assert (run.machine, run.build, run.detected_build) == ("ci-x86", "tailcall", "default")


def test_import_benchmarks_fails_on_a_non_pyperf_file_but_imports_the_others(benchmarks_dir: Path) -> None:
    readme = benchmarks_dir / "pyperf-jit" / "README.md"

    with pytest.raises(CommandError) as caught:
        run_command("import_benchmarks", str(readme), str(benchmarks_dir / JIT_JIT))

    assert str(caught.value).startswith(
        "1 of 2 files not imported:\n  README.md is not a pyperf result file: it is not JSON"
    )
    assert BenchmarkRun.objects.get().build == "jit"


def test_import_benchmarks_exits_with_status_1_and_the_message_on_stderr(benchmarks_dir: Path, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}

    done = subprocess.run(
        [sys.executable, "manage.py", "import_benchmarks", str(benchmarks_dir / "README.md")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 1
    assert "README.md is not a pyperf result file: it is not JSON" in done.stderr
    assert done.stdout == ""


def test_import_benchmarks_fails_on_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"missing\.json: cannot read it"):
        run_command("import_benchmarks", str(tmp_path / "missing.json"))


def test_compare_runs_prints_the_table_with_the_convention(jit_pair: tuple[BenchmarkRun, BenchmarkRun]) -> None:
    default, jit = jit_pair

    out = run_command("compare_runs", str(default.pk), str(jit.pk))

    lines = out.splitlines()
    assert lines[0] == f"Run {jit.pk} (jit on vm) against run {default.pk} (default on vm)"
    assert lines[1].startswith("Ratio = baseline mean ÷ candidate mean: above 1.00 the candidate is faster")
    assert any(
        line.split() == ["richards", "64.0", "ms", "48.0", "ms", "1.334", "1.33x", "faster", "yes"] for line in lines
    )
    assert any(line.split()[:2] == ["fannkuch", "523"] and line.endswith("not significant") for line in lines)
    assert any(line.split() == ["Geometric", "mean", "(baseline)", "0.993", "1.01x", "slower"] for line in lines)
    assert "13 of 15 benchmarks differ significantly" in out
    assert "FORCED" not in out


def test_compare_runs_json_has_the_geometric_mean_and_each_benchmark(
    jit_pair: tuple[BenchmarkRun, BenchmarkRun],
) -> None:
    default, jit = jit_pair

    data = json.loads(run_command("compare_runs", str(default.pk), str(jit.pk), "--json"))

    assert isinstance(data["geometric_mean"], float)
    assert round(1 / data["geometric_mean"], 5) == 1.00698
    assert data["forced"] is False
    assert len(data["benchmarks"]) == 15
    richards = next(bench for bench in data["benchmarks"] if bench["name"] == "richards")
    assert richards["significant"] is True
    assert round(richards["ratio"], 3) == 1.334
    assert {"name", "ratio", "significant"} <= set(richards)
    assert (data["baseline"]["id"], data["candidate"]["id"]) == (default.pk, jit.pk)


def test_compare_runs_refuses_runs_of_different_benchmark_definitions(import_file: Callable[..., BenchmarkRun]) -> None:
    reference, recent = import_file(FC_310_REFERENCE), import_file(FC_20221119)

    with pytest.raises(CommandError, match=r"cannot be compared fairly.*benchmark_hash\) differs: '215d35'"):
        run_command("compare_runs", str(reference.pk), str(recent.pk))


def test_compare_runs_forced_is_labelled_in_the_table_and_the_json(import_file: Callable[..., BenchmarkRun]) -> None:
    reference, recent = import_file(FC_310_REFERENCE), import_file(FC_20221119)

    table = run_command("compare_runs", str(reference.pk), str(recent.pk), "--force")
    data = json.loads(run_command("compare_runs", str(reference.pk), str(recent.pk), "--force", "--json"))

    assert "FORCED COMPARISON, not like for like:" in table
    assert any(line.split()[:4] == ["Geometric", "mean", "(forced)", "(baseline)"] for line in table.splitlines())
    assert data["forced"] is True
    assert len(data["mismatches"]) == 2
    assert round(data["geometric_mean"], 2) == 1.70


def test_compare_runs_names_a_missing_run(import_file: Callable[..., BenchmarkRun]) -> None:
    run = import_file(JIT_JIT)

    with pytest.raises(CommandError, match="There is no benchmark run 999 \\(the candidate\\)"):
        run_command("compare_runs", str(run.pk), "999")
