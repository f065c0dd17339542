"""The command line: formats, the JSON contract, exit codes and error rendering."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analyzer.cli import main
from tests.conftest import CPYTHON_DIR, ROOT, git

NEWEST = CPYTHON_DIR / "main-2026-06"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analyzer", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_json_output_follows_the_contract(capsys):
    assert main([str(NEWEST), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"source", "counts", "warnings", "campaigns"}
    assert set(doc["source"]) >= {"bytecodes", "optimizer", "sha256"}
    assert doc["source"]["sha256"] == "c1fe70f129c18a6d7851356614200e43927e82416379f7f6ab6b789d5b4a7453"
    assert doc["counts"] == {"inst": 96, "op": 332, "macro": 139, "family": 18, "pseudo": 11, "label": 8}
    refcount = doc["campaigns"]["refcount"]
    assert (refcount["title"], refcount["issue"]) == ("Eliminate redundant refcounting in the JIT", "gh-134584")
    finding = refcount["findings"][0]
    assert set(finding) >= {"name", "kind", "status", "file", "line", "difficulty", "reasons", "evidence"}
    assert doc["campaigns"]["optimizer"]["issue"] == "gh-131798"


def test_campaign_option_selects_campaigns(capsys):
    assert main([str(NEWEST), "--format", "json", "--campaign", "optimizer"]) == 0
    assert list(json.loads(capsys.readouterr().out)["campaigns"]) == ["optimizer"]


def test_text_summary_gives_counts_and_progress(capsys):
    assert main([str(NEWEST / "Python" / "bytecodes.c")]) == 0
    out = capsys.readouterr().out
    assert "definitions: 96 inst, 332 op, 139 macro, 18 family, 11 pseudo, 8 label" in out
    assert "refcount (gh-134584" in out and " todo, " in out


def test_markdown_is_a_checklist_with_permalinks(capsys):
    sha = "0dede27d1b7e89194875eaa531383394cb6206aa"
    assert main([str(NEWEST), "--campaign", "refcount", "--format", "markdown", "--commit", sha]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Eliminate redundant refcounting in the JIT (gh-134584)")
    assert f"https://github.com/python/cpython/blob/{sha}/Python/bytecodes.c#L" in out
    assert "- [ ] `BINARY_SLICE`" in out and "<!-- task:refcount:BINARY_SLICE -->" in out


def test_markdown_links_to_the_head_of_a_git_checkout_by_default(tmp_path, capsys):
    (tmp_path / "Python").mkdir()
    (tmp_path / "Python" / "bytecodes.c").write_bytes((NEWEST / "Python" / "bytecodes.c").read_bytes())
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "snapshot")
    head = git(tmp_path, "rev-parse", "HEAD")

    assert main([str(tmp_path), "--campaign", "refcount", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert f"https://github.com/python/cpython/blob/{head}/Python/bytecodes.c#L" in out

    # An explicit --commit wins, and a folder that is not a checkout's top gets no permalinks.
    assert main([str(tmp_path), "--campaign", "refcount", "--format", "markdown", "--commit", "a" * 40]) == 0
    assert f"/blob/{'a' * 40}/" in capsys.readouterr().out
    assert main([str(tmp_path / "Python" / "bytecodes.c"), "--campaign", "refcount", "--format", "markdown"]) == 0
    assert "/blob/" not in capsys.readouterr().out


def test_malformed_input_exits_2_with_location_line_and_caret(tmp_path):
    bad = tmp_path / "bytecodes.c"
    bad.write_text("// BEGIN BYTECODES //\nop(_A, (value -- res) {\n}\n// END BYTECODES //\n")
    proc = run(str(bad))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"{bad}:2:23: expected ')' to close the op(_A, ...) header, found '{{'",
        "    op(_A, (value -- res) {",
        "                          ^",
    ]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("make", ["missing", "directory", "binary"])
def test_unreadable_input_exits_2_with_a_clear_message(tmp_path, make):
    target = tmp_path / "x"
    if make == "directory":
        target.mkdir()
    elif make == "binary":
        target.write_bytes(b"\xff\xfe\x00")
    proc = run(str(target))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    expected = {
        "missing": "no such file or directory",
        "directory": "not a CPython source tree",
        "binary": "not UTF-8 text",
    }[make]
    assert proc.stderr.startswith(f"error: {target}: {expected}")


def test_unknown_campaign_is_a_usage_error():
    proc = run(str(NEWEST), "--campaign", "nope")
    assert proc.returncode == 2 and "invalid choice: 'nope'" in proc.stderr


def test_model_errors_exit_1_and_are_located(tmp_path):
    src = tmp_path / "bytecodes.c"
    src.write_text("// BEGIN BYTECODES //\nmacro(A) = _MISSING;\n// END BYTECODES //\n")
    proc = run(str(src), "--format", "json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["errors"][0]["line"] == 2
    assert f"{src}:2:12: error: macro(A) uses '_MISSING', which is not a defined op or inst" in proc.stderr


def test_guide_prints_the_task_of_that_name_or_uop_in_each_campaign(capsys):
    assert main([str(NEWEST), "--guide", "_is_op"]) == 0
    out = capsys.readouterr().out
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings == [
        "## `IS_OP`: Eliminate redundant refcounting in the JIT (gh-134584)",
        "## `_IS_OP`: Better uop coverage in the JIT optimizer (gh-131798)",
        "## `IS_OP`: More JIT bytecode op coverage (gh-143339)",
    ]
    assert "\n---\n" in out


def test_guide_history_adds_a_worked_example(capsys):
    older = CPYTHON_DIR / "3.15a-2026-02"
    assert main([str(NEWEST), "--campaign", "refcount", "--guide", "FORMAT_SIMPLE", "--history", str(older)]) == 0
    out = capsys.readouterr().out
    # The example names the two snapshots it was mined from (the folders; neither is a git checkout).
    assert "### Worked example" in out and "was converted between `3.15a-2026-02` and `main-2026-06`. Before:" in out
    assert "the two scanned snapshots" not in out


def test_an_unknown_guide_name_exits_2_and_suggests_close_names(capsys):
    assert main([str(NEWEST), "--guide", "FORMAT_SIMPEL"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no task named 'FORMAT_SIMPEL' in campaign(s) refcount, optimizer")
    assert "did you mean FORMAT_SIMPLE" in err
