"""Impact from pystats: shares checked against the shared pystats file, read independently here.

The expected values are computed in this file straight from the JSON and from a plain
regular expression over bytecodes.c (not the analyzer's parser), then compared exactly.
"""

from __future__ import annotations

import gzip
import json
import re
from fractions import Fraction

import pytest

from analyzer.analysis import analyze
from analyzer.campaigns import run_all
from analyzer.cli import main
from analyzer.errors import SourceError
from analyzer.impact import expansion, format_share, read_pystats, uop_impact, with_impact
from tests.conftest import CPYTHON_DIR, SHARED_DIR

NEWEST = CPYTHON_DIR / "main-2026-06"
PYSTATS = next((SHARED_DIR / "pystats").glob("*.json.gz"))


@pytest.fixture(scope="module")
def raw_counts() -> dict[str, int]:
    data = json.loads(gzip.decompress(PYSTATS.read_bytes()))
    found = {}
    for key, value in data.items():
        m = re.fullmatch(r"opcode\[(\w+)\]\.execution_count", key)
        if m:
            found[m.group(1)] = value
    return found


@pytest.fixture(scope="module")
def macro_parts() -> dict[str, list[str]]:
    """macro(NAME) = part + part ...; read with a regex, comments removed first."""
    text = (NEWEST / "Python" / "bytecodes.c").read_text()
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    parts = {}
    for m in re.finditer(r"\bmacro\s*\(\s*(\w+)\s*\)\s*=\s*([^;]*);", text):
        parts[m.group(1)] = [p.strip() for p in m.group(2).split("+")]
    return parts


@pytest.fixture(scope="module")
def analysis():
    return analyze(NEWEST)


@pytest.fixture(scope="module")
def counts():
    return read_pystats(PYSTATS)


def expected_share(uop: str, raw: dict[str, int], parts: dict[str, list[str]], insts: set[str]) -> float:
    containing = [m for m, ps in parts.items() if uop in ps]
    if uop in insts or uop.removeprefix("_") in insts:
        containing.append(uop if uop in insts else uop.removeprefix("_"))
    hits = sum(raw.get(name, 0) for name in containing)
    return float(Fraction(hits, sum(raw.values())))


def test_read_pystats_takes_every_execution_count(counts, raw_counts):
    assert dict(counts.counts) == raw_counts
    assert len(raw_counts) == 200  # README: 200 names
    assert counts.total == sum(raw_counts.values()) == 214_527_839_164


@pytest.mark.parametrize(
    "uop",
    [
        "_GUARD_TOS_INT",  # a guard shared by several BINARY_OP/COMPARE_OP specializations
        "_BINARY_OP",  # the generic instruction's own uop, not in its specializations
        "_PUSH_NULL_CONDITIONAL",  # part of LOAD_GLOBAL and LOAD_ATTR forms
        "_CHECK_PERIODIC",
        "_LOAD_ATTR_INSTANCE_VALUE",
    ],
)
def test_macro_uop_share_matches_the_json(uop, analysis, counts, raw_counts, macro_parts):
    shares = uop_impact(analysis, counts)
    insts = set(analysis.insts)
    want = expected_share(uop, raw_counts, macro_parts, insts)
    assert want > 0
    assert shares[uop] == pytest.approx(want, rel=1e-12)


def test_an_inst_counts_under_both_of_its_names(analysis, counts, raw_counts):
    assert "BUILD_TUPLE" in analysis.insts
    shares = uop_impact(analysis, counts)
    want = raw_counts["BUILD_TUPLE"] / sum(raw_counts.values())
    assert shares["BUILD_TUPLE"] == shares["_BUILD_TUPLE"] == pytest.approx(want, rel=1e-12)
    assert expansion(analysis, "BUILD_TUPLE") == {"BUILD_TUPLE", "_BUILD_TUPLE"}


def test_an_instruction_absent_from_the_file_has_no_share(analysis, counts, raw_counts):
    # pystats leaves out what never ran: GET_LEN is defined but not executed by pyperformance.
    assert "GET_LEN" in analysis.insts and "GET_LEN" not in raw_counts
    results = with_impact(run_all(analysis, ["refcount"]), analysis, counts)
    (get_len,) = [f for f in results["refcount"].findings if f.name == "GET_LEN"]
    assert get_len.impact == 0.0


def test_expansion_of_a_macro_is_its_uops_without_caches(analysis, macro_parts):
    uops = {p for p in macro_parts["BINARY_OP_ADD_INT"] if "/" not in p}
    assert expansion(analysis, "BINARY_OP_ADD_INT") == uops
    assert expansion(analysis, "NOT_AN_INSTRUCTION") == frozenset()


def test_findings_get_impact_by_their_uop(analysis, counts, raw_counts, macro_parts):
    results = with_impact(run_all(analysis), analysis, counts)
    insts = set(analysis.insts)
    findings = [f for r in results.values() for f in r.findings]
    assert findings and all(f.impact is not None and 0.0 <= f.impact <= 1.0 for f in findings)
    for f in findings:
        if f.uop in ("_GUARD_TOS_INT", "_BINARY_OP", "BUILD_TUPLE", "_BUILD_TUPLE"):
            assert f.impact == pytest.approx(expected_share(f.uop, raw_counts, macro_parts, insts), rel=1e-12)
    # Without pystats the field stays null.
    assert all(f.impact is None for r in run_all(analysis).values() for f in r.findings)


def test_format_share():
    assert format_share(0.01) == "1.0%"
    assert format_share(0.0832) == "8.3%"
    assert format_share(0.0) == "0.0%"
    assert format_share(0.0001) == "<0.1%"


def test_cli_json_has_impact_only_with_pystats(capsys, raw_counts, macro_parts, analysis):
    assert main([str(NEWEST), "--format", "json", "--campaign", "refcount", "--pystats", str(PYSTATS)]) == 0
    doc = json.loads(capsys.readouterr().out)
    by_name = {f["name"]: f for f in doc["campaigns"]["refcount"]["findings"]}
    want = expected_share("_BINARY_OP", raw_counts, macro_parts, set(analysis.insts))
    assert by_name["BINARY_OP"]["impact"] == pytest.approx(want, rel=1e-12)
    assert main([str(NEWEST), "--format", "json", "--campaign", "refcount"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert all(f["impact"] is None for f in doc["campaigns"]["refcount"]["findings"])


def test_cli_order_impact_sorts_the_checklist_and_shows_percentages(capsys, counts, analysis):
    args = [str(NEWEST), "--format", "markdown", "--campaign", "optimizer", "--pystats", str(PYSTATS)]
    assert main([*args, "--order", "impact"]) == 0
    out = capsys.readouterr().out
    items = re.findall(r"^- \[[ x]\] `(\w+)`.*?\((\d+\.\d|<0\.1)%\)", out, flags=re.M)
    listed = [f for f in run_all(analysis, ["optimizer"])["optimizer"].findings if f.status != "not_applicable"]
    assert len(items) == len(listed)
    shares = uop_impact(analysis, counts)
    # A task's impact is its definition's (`uop`): `inst(BUILD_LIST)` for the task `_BUILD_LIST`.
    uop_of = {f.name: f.uop for f in listed}
    values = [shares.get(uop_of[name], 0.0) for name, _ in items]
    assert values == sorted(values, reverse=True)
    first_name, first_pct = items[0]
    assert first_pct == f"{100 * max(values):.1f}" and shares[uop_of[first_name]] == max(values)
    # The default order keeps the family/area groups and still shows the share.
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "### By share of executed instructions" not in out and re.search(r"` \(\d+\.\d%\) · ", out)


def test_cli_order_impact_needs_pystats(capsys):
    with pytest.raises(SystemExit) as exc:
        main([str(NEWEST), "--format", "markdown", "--order", "impact"])
    assert exc.value.code == 2
    assert "--order impact needs --pystats FILE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "line 1 column 2: not JSON"),
        (b"\x1f\x8b\x08\x00garbage", "corrupt gzip data"),
        (b'{"opcode[X].pair_count[Y]": 3}', "no 'opcode[NAME].execution_count' keys"),
        (b'{"opcode[X].execution_count": -1}', "expected a non-negative integer"),
        (b"[1, 2]", "expected a JSON object, found list"),
    ],
)
def test_bad_pystats_is_a_located_error_not_a_traceback(tmp_path, capsys, content, message):
    bad = tmp_path / "stats.json"
    bad.write_bytes(content)
    with pytest.raises(SourceError, match=re.escape(message)):
        read_pystats(bad)
    assert main([str(NEWEST), "--pystats", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: ") and message in err and "Traceback" not in err


def test_missing_pystats_file(tmp_path, capsys):
    assert main([str(NEWEST), "--pystats", str(tmp_path / "nope.json")]) == 2
    assert "nope.json: no such file" in capsys.readouterr().err
