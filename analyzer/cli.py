"""The analyzer's command line (see README, "Command line")."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from analyzer.analysis import Analysis, analyze
from analyzer.campaigns import REGISTRY, CampaignResult, run_all
from analyzer.errors import AnalyzerError, DSLSyntaxError
from analyzer.gitinfo import checkout_head
from analyzer.history import conversions_between, simplest_conversion, worked_example
from analyzer.impact import read_pystats, with_impact
from analyzer.markdown import render_guide, render_megaissue
from analyzer.markdown.megaissue import ORDERS
from analyzer.report import to_json, to_text
from analyzer.testopt import scan_test_opt

__all__ = ["EXIT_INPUT_ERROR", "EXIT_MODEL_ERRORS", "EXIT_OK", "main"]

EXIT_OK = 0
#: The analysis ran, but definitions contradict each other (model errors on stderr).
EXIT_MODEL_ERRORS = 1
#: Unreadable or malformed input (``file:line:col: message`` on stderr); also bad usage.
EXIT_INPUT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analyzer",
        description="Find CPython instructions and uops still to convert for each JIT campaign.",
    )
    parser.add_argument("path", help="a CPython checkout (holding Python/bytecodes.c) or a bytecodes.c file")
    parser.add_argument(
        "--campaign",
        action="append",
        choices=sorted(REGISTRY),
        metavar="SLUG",
        help=f"campaign to report (repeatable; default: all of {', '.join(REGISTRY)})",
    )
    parser.add_argument(
        "--format", choices=("json", "markdown", "text"), default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--commit",
        help="commit SHA of the sources, for permalinks in markdown (default: HEAD when PATH is a git checkout)",
    )
    parser.add_argument(
        "--repository",
        default="python/cpython",
        metavar="OWNER/NAME",
        help="the GitHub repository holding --commit (default: python/cpython)",
    )
    parser.add_argument(
        "--guide", metavar="NAME", help="print the step-by-step guide for one task (markdown) instead of the report"
    )
    parser.add_argument(
        "--history",
        metavar="OLDER_PATH",
        help="an older snapshot: conversions between it and PATH give worked examples (guides, and the "
        "mega-issue with --format markdown)",
    )
    parser.add_argument(
        "--tests",
        metavar="TEST_OPT_PY",
        help="Lib/test/test_capi/test_opt.py to point guides at (default: the one in PATH, if any)",
    )
    parser.add_argument(
        "--pystats",
        metavar="FILE",
        help="a pystats .json or .json.gz file: adds each finding's impact, the share of executed "
        "instructions whose expansion contains its uop",
    )
    parser.add_argument(
        "--order",
        choices=ORDERS,
        default="difficulty",
        help="mega-issue checklist order: by family and difficulty (default), or by impact, "
        "highest first (needs --pystats)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 model errors, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.order == "impact" and not args.pystats:
        parser.error("--order impact needs --pystats FILE (the execution counts to sort by)")
    try:
        analysis = analyze(args.path)
        counts = read_pystats(args.pystats) if args.pystats else None
    except AnalyzerError as exc:
        return _input_error(exc)
    if args.commit is None:
        head = checkout_head(args.path)
        args.commit = head.commit if head else None
    results = run_all(analysis, args.campaign)
    if counts is not None:
        results = with_impact(results, analysis, counts)
    if args.guide:
        return _print_guide(args, analysis, results)
    if args.format == "json":
        sys.stdout.write(json.dumps(to_json(analysis, results), indent=2) + "\n")
    elif args.format == "markdown":
        try:
            older = analyze(args.history) if args.history else None
        except AnalyzerError as exc:
            return _input_error(exc)
        documents = [
            render_megaissue(
                r,
                commit=args.commit,
                repository=args.repository,
                order=args.order,
                example=simplest_conversion(conversions_between(older, analysis, slug)) if older else None,
                snapshots=_snapshot_names(args) if older else None,
            )
            for slug, r in results.items()
        ]
        sys.stdout.write("\n\n".join(documents))
    else:
        sys.stdout.write(to_text(analysis, results))
    for diag in (*analysis.warnings, *analysis.errors):
        print(diag.render(), file=sys.stderr)
    return EXIT_MODEL_ERRORS if analysis.errors else EXIT_OK


def _print_guide(args: argparse.Namespace, analysis: Analysis, results: dict[str, CampaignResult]) -> int:
    findings = [f for r in results.values() for f in r.findings]
    wanted = args.guide.upper()
    # The task of that name, or of that uop, in each campaign (any case: `_is_op` finds IS_OP's
    # refcount task and _IS_OP's optimizer task).
    chosen = [f for f in findings if wanted in (f.name.upper(), f.uop.upper())]
    if not chosen:
        names = sorted({f.name for f in findings})
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        print(f"error: no task named {args.guide!r} in campaign(s) {', '.join(results)}{hint}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    try:
        tests_path = args.tests or analysis.tree.test_opt
        tests = scan_test_opt(tests_path) if tests_path else None
        older = analyze(args.history) if args.history else None
        guides = []
        for finding in chosen:  # one per campaign the name is a task of
            example = None
            if older is not None:
                example = worked_example(finding, analysis, conversions_between(older, analysis, finding.campaign))
            guides.append(
                render_guide(
                    finding,
                    analysis,
                    commit=args.commit,
                    tests=tests,
                    example=example,
                    repository=args.repository,
                    snapshots=_snapshot_names(args) if example else None,
                )
            )
    except AnalyzerError as exc:
        return _input_error(exc)
    sys.stdout.write("\n\n---\n\n".join(guides))
    return EXIT_OK


def _snapshot_names(args: argparse.Namespace) -> tuple[str, str]:
    """(older, newer) names of the --history and PATH snapshots, for the worked example to say
    where it came from: each folder's name, with ``@`` and the commit's first 10 digits when known."""
    head = checkout_head(args.history)
    return _snapshot_name(args.history, head.commit if head else None), _snapshot_name(args.path, args.commit)


def _snapshot_name(path: str, commit: str | None) -> str:
    name = Path(path).resolve().name
    return f"{name}@{commit[:10]}" if commit else name


def _input_error(exc: AnalyzerError) -> int:
    """Print a located error (with its line and caret) or a path error; return exit status 2."""
    print(exc.render() if isinstance(exc, DSLSyntaxError) else f"error: {exc}", file=sys.stderr)
    return EXIT_INPUT_ERROR
