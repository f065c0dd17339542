"""Render a campaign's findings as a GitHub-flavoured mega-issue checklist."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzer.campaigns import CampaignResult, Finding
from analyzer.campaigns.base import DIFFICULTIES
from analyzer.history import example_lead
from analyzer.impact import format_share

if TYPE_CHECKING:
    from analyzer.history import Conversion

__all__ = [
    "GITHUB_ISSUE_BODY_LIMIT",
    "ORDERS",
    "REPOSITORY_RE",
    "ClaimInfo",
    "escape_markdown",
    "render_megaissue",
    "render_megaissue_parts",
    "task_id",
]

#: GitHub rejects issue bodies longer than this many characters.
GITHUB_ISSUE_BODY_LIMIT = 65_536
#: Room kept for text a maintainer adds around the generated block.
_PART_BUDGET = GITHUB_ISSUE_BODY_LIMIT - 4_096
#: Where permalinks point unless a scan says the commit lives in another repository (a fork).
CPYTHON_REPOSITORY = "python/cpython"
#: Checklist orders: groups by family/area, easiest first; or one list by impact, highest first.
ORDERS = ("difficulty", "impact")
#: Where a task's guide is read (an absolute URL on the onboarding site), given its finding.
TaskUrl = Callable[[Finding], str]
#: What people type that may appear as a link or a mention: checked against these, else escaped.
_HANDLE_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
#: ``owner/name`` as GitHub allows them (owner: letters, digits, hyphens, at most 39; name: also
#: ``.`` and ``_``, at most 100). The webhook validates ``repository.full_name`` with it too.
REPOSITORY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_PULL_URL_RE = re.compile(
    r"^https://github\.com/[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}/pull/[1-9][0-9]{0,9}$"
)
#: Characters with a meaning in GitHub-flavoured Markdown (and HTML, which GitHub partly renders).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")


def escape_markdown(text: str) -> str:
    """``text`` shown literally in GitHub-flavoured Markdown: one line, specials backslashed, ``<>&`` as entities.

    For anything a person typed (a handle, a URL that failed its check): it can then neither
    open a link (``[z](javascript:…)``), nor inject HTML (``<img onerror>``), nor end the
    generated block's hidden markers.
    """
    flat = " ".join(text.split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


@dataclass(frozen=True, slots=True)
class ClaimInfo:
    """Who works on a task: a GitHub handle (without ``@``) and the pull request URL, if any."""

    handle: str | None = None
    pr_url: str | None = None


def task_id(campaign: str, name: str) -> str:
    """The hidden, stable ID a bot uses to update one checklist item in place."""
    return f"<!-- task:{campaign}:{name} -->"


def permalink(finding: Finding, commit: str | None, repository: str = CPYTHON_REPOSITORY) -> str | None:
    """``https://github.com/<repository>/blob/<commit>/<file>#L<a>-L<b>``; None without a commit."""
    if not commit or not REPOSITORY_RE.match(repository) or not re.fullmatch(r"[\w./-]{1,100}", commit):
        return None
    return f"https://github.com/{repository}/blob/{commit}/{finding.file}#L{finding.line}-L{finding.end_line}"


def group_of(finding: Finding) -> str:
    """The heading an item is listed under: its family, else its area (``CALL``, ``LOAD``...)."""
    if finding.family:
        return f"`{finding.family}` family"
    words = re.split(r"_+", finding.name.strip("_"))
    return f"{words[0]} instructions and uops" if words and words[0] else "Other"


def _item(
    finding: Finding, commit: str | None, claim: ClaimInfo | None, repository: str, task_url: TaskUrl | None
) -> str:
    box = "x" if finding.status == "done" else " "
    bits = [f"- [{box}] `{finding.name}`"]
    if finding.uop != finding.name:
        bits.append(f"(uop `{finding.uop}`)")
    if finding.impact is not None:
        bits.append(f"({format_share(finding.impact)})")
    bits.append(f"· {finding.difficulty}")
    link = permalink(finding, commit, repository)
    where = f"{finding.file}#L{finding.line}-L{finding.end_line}"
    bits.append(f"· [{where}]({link})" if link else f"· `{where}`")
    if claim is not None and claim.handle:
        handle = claim.handle
        bits.append(f"· @{handle}" if _HANDLE_RE.match(handle) else f"· {escape_markdown(handle)}")
    if claim is not None and claim.pr_url:
        url = claim.pr_url
        bits.append(f"· {url}" if _PULL_URL_RE.match(url) else f"· {escape_markdown(url)}")
    if task_url is not None and finding.status == "todo":
        bits.append(f"· [guide]({task_url(finding)})")
    bits.append(task_id(finding.campaign, finding.name))
    return " ".join(bits)


def _example(result: CampaignResult, example: Conversion | None, snapshots: tuple[str, str] | None) -> list[str]:
    """The "worked example" part of "How to contribute": one conversion from the history."""
    if example is None:
        return []
    lead, after_label = result.campaign.example_labels
    return [
        "### A worked example",
        "",
        f"`{example.name}` {example_lead(lead, snapshots)}",
        "",
        *_fenced(example.before_text),
        "",
        after_label,
        "",
        *_fenced(example.after_text),
        "",
    ]


def _fenced(text: str) -> list[str]:
    fence = "````" if "```" in text else "```"
    return [f"{fence}c", text.rstrip("\n"), fence]


def _header(result: CampaignResult, commit: str | None, repository: str, site_url: str | None) -> list[str]:
    campaign = result.campaign
    todo, done = result.count("todo"), result.count("done")
    total = todo + done
    pct = f" ({100 * done / total:.0f}%)" if total else ""
    where = "" if repository == CPYTHON_REPOSITORY else f" of {repository}"
    scanned = (
        f"[`{commit[:10]}`](https://github.com/{repository}/commit/{commit}){where}"
        if commit
        else "an unrecorded commit"
    )
    return [
        f"# {campaign.title} ({campaign.issue})",
        "",
        campaign.intro or campaign.summary,
        "",
        f"Upstream issue: {campaign.issue_url}. Generated from `Python/bytecodes.c` at {scanned}. "
        f"Progress: **{done} of {total} done**{pct}; {result.count('not_applicable')} definitions "
        "need no change and are not listed.",
        "",
        "## How to contribute",
        "",
        "1. Pick an unchecked item, easiest first, and claim it on the "
        + (f"[onboarding site]({site_url})" if site_url else "onboarding site")
        + " so nobody else starts the same one.",
        *[f"{n}. {text}" for n, text in enumerate(campaign.how_to, 2)],
        f"{len(campaign.how_to) + 2}. Open a pull request whose title starts with `{campaign.issue}: ` and names the "
        "instruction or uop, and link it to your claim.",
        "",
    ]


def _groups(
    result: CampaignResult,
    commit: str | None,
    claims: Mapping[str, ClaimInfo],
    repository: str,
    task_url: TaskUrl | None,
    order: str = "difficulty",
) -> list[tuple[str, list[str]]]:
    listed = [f for f in result.findings if f.status in ("todo", "done")]
    if order == "impact":
        # One list, most executed first, as gh-131798 sorted its checklist.
        items = sorted(listed, key=lambda f: (-(f.impact or 0.0), f.name))
        done = sum(1 for f in items if f.status == "done")
        heading = f"### By share of executed instructions, highest first ({done}/{len(items)} done)"
        return [(heading, [_item(f, commit, claims.get(f.name), repository, task_url) for f in items])] if items else []
    grouped: dict[str, list[Finding]] = {}
    for f in listed:
        grouped.setdefault(group_of(f), []).append(f)
    rank = {d: i for i, d in enumerate(DIFFICULTIES)}
    out = []
    for heading in sorted(grouped, key=lambda h: h.strip("`").lower()):
        items = sorted(grouped[heading], key=lambda f: (rank.get(f.difficulty, 9), f.name))
        done = sum(1 for f in items if f.status == "done")
        out.append(
            (
                f"### {heading} ({done}/{len(items)} done)",
                [_item(f, commit, claims.get(f.name), repository, task_url) for f in items],
            )
        )
    return out


def render_megaissue_parts(
    result: CampaignResult,
    *,
    commit: str | None = None,
    claims: Mapping[str, ClaimInfo] | None = None,
    part_urls: Sequence[str] | None = None,
    limit: int = _PART_BUDGET,
    repository: str = CPYTHON_REPOSITORY,
    site_url: str | None = None,
    task_url: TaskUrl | None = None,
    order: str = "difficulty",
    example: Conversion | None = None,
    snapshots: tuple[str, str] | None = None,
) -> list[str]:
    """The mega-issue as one or more GitHub issue bodies, each at most ``limit`` characters.

    Checklist groups are kept whole when they fit; each part says "Part i of n" and links
    the others when ``part_urls`` gives their URLs. Items are GFM task-list lines ending in
    a hidden ``<!-- task:SLUG:NAME -->`` ID. ``repository`` (owner/name) is where
    ``commit`` lives, for permalinks; snapshots taken from forks differ from python/cpython.
    ``site_url`` (the onboarding site) is linked from "How to contribute", and ``task_url``
    gives each open item a link to its guide there; without them the text names no site.
    ``order`` is ``"difficulty"`` (groups by family or area, easiest first) or ``"impact"``
    (one list by each finding's ``impact``, highest first); an item whose finding has an
    ``impact`` shows it as a percentage, ``(1.0%)``. ``example`` (a conversion from
    ``analyzer.history``, e.g. `simplest_conversion`) is shown under "How to contribute" as a
    worked example; ``snapshots`` (older, newer) names the snapshots it came from. Raises
    `ValueError` for another order.
    """
    if order not in ORDERS:
        raise ValueError(f"unknown checklist order {order!r} (known: {', '.join(ORDERS)})")
    claims = claims or {}
    header = "\n".join([*_header(result, commit, repository, site_url), *_example(result, example, snapshots)])
    if not result.evaluated:
        return [f"{header}\n## Checklist\n\nNot evaluated for this snapshot: {result.note}\n"]
    blocks: list[str] = []
    for heading, items in _groups(result, commit, claims, repository, task_url, order):
        lines = [heading, "", *items, ""]
        block = "\n".join(lines)
        while len(block) > limit // 2:  # a huge group is split across parts
            cut = block.rfind("\n- [", 0, limit // 2)
            blocks.append(block[:cut] + "\n")
            block = f"{heading} (continued)\n" + block[cut:]
        blocks.append(block)
    parts: list[list[str]] = [[]]
    size = len(header)
    for block in blocks:
        if parts[-1] and size + len(block) > limit - 400:
            parts.append([])
            size = 200
        parts[-1].append(block)
        size += len(block) + 1
    n = len(parts)
    bodies = []
    for i, chunk in enumerate(parts, 1):
        nav = ""
        if n > 1:
            links = [
                f"[part {j}]({part_urls[j - 1]})" if part_urls and j <= len(part_urls) else f"part {j}"
                for j in range(1, n + 1)
                if j != i
            ]
            nav = f"> Part {i} of {n} of this checklist; see also " + ", ".join(links) + ".\n\n"
        top = header + "\n" if i == 1 else f"# {result.campaign.title} ({result.campaign.issue}), part {i}\n\n"
        bodies.append(top + nav + "## Checklist\n\n" + "\n".join(chunk))
    return bodies


def render_megaissue(
    result: CampaignResult,
    *,
    commit: str | None = None,
    claims: Mapping[str, ClaimInfo] | None = None,
    repository: str = CPYTHON_REPOSITORY,
    site_url: str | None = None,
    task_url: TaskUrl | None = None,
    order: str = "difficulty",
    example: Conversion | None = None,
    snapshots: tuple[str, str] | None = None,
) -> str:
    """The whole mega-issue as one Markdown document (parts joined by a rule when split)."""
    parts = render_megaissue_parts(
        result,
        commit=commit,
        claims=claims,
        repository=repository,
        site_url=site_url,
        task_url=task_url,
        order=order,
        example=example,
        snapshots=snapshots,
    )
    return "\n---\n\n".join(parts)
