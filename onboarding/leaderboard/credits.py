"""Render a campaign's credits: a What's New line, an all-contributors-style table, and dated YAML events.

One renderer serves the ``credits_export`` command, the web downloads and the API, so they
never disagree. Input comes from `onboarding.leaderboard.selectors.campaign_credits`.
"""

from __future__ import annotations

from html import escape

import yaml

from onboarding.leaderboard.selectors import CampaignCredits, CreditLine

__all__ = [
    "CONTRIBUTION_TYPES",
    "TABLE_COLUMNS",
    "credits_events",
    "credits_events_yaml",
    "credits_markdown",
    "credits_table",
    "credits_whatsnew",
]

#: all-contributors' emoji key for each kind of work (https://allcontributors.org/docs/en/emoji-key).
CONTRIBUTION_TYPES = {
    "conversions": ("💻", "Code"),
    "reviews": ("👀", "Reviewed Pull Requests"),
    "mentoring": ("🧑‍🏫", "Mentoring"),
}
#: People per row of the table, as all-contributors lays it out.
TABLE_COLUMNS = 7


def _gh_number(issue: str) -> str:
    return issue.removeprefix("gh-")


def _join_names(names: list[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``: the way What's New lists contributors."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def credits_whatsnew(credits: CampaignCredits) -> str:
    """The What's New sentence (reStructuredText), e.g. ``(Contributed by A and B in :gh:`134584`.)``.

    Names are the authors of merged, re-scan-confirmed conversions, by name; empty when none.
    """
    names = [person.name for person in credits.authors]
    if not names:
        return ""
    return f"(Contributed by {_join_names(names)} in :gh:`{_gh_number(credits.campaign.issue)}`.)"


def _cell(person: CreditLine) -> str:
    handle = person.contributor.github_handle
    profile = f"https://github.com/{handle}"
    avatar = f'<img src="https://github.com/{handle}.png?size=100" width="100px;" alt=""/>'
    badges = " ".join(
        f'[{emoji}]({profile} "{title}")'
        for attribute, (emoji, title) in CONTRIBUTION_TYPES.items()
        if getattr(person, attribute)
    )
    name = escape(person.name).replace("|", "&#124;")
    return f"[{avatar}<br /><sub><b>{name}</b></sub>]({profile})<br />{badges}"


def credits_table(credits: CampaignCredits) -> str:
    """An all-contributors-style Markdown table: avatar, name and emoji per person, 7 to a row."""
    people = credits.people
    if not people:
        return ""
    rows = [people[i : i + TABLE_COLUMNS] for i in range(0, len(people), TABLE_COLUMNS)]
    width = min(len(people), TABLE_COLUMNS)
    lines = []
    for n, row in enumerate(rows):
        cells = [_cell(person) for person in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("|" + "|".join([" :---: "] * width) + "|")
    return "\n".join(lines)


def credits_markdown(credits: CampaignCredits) -> str:
    """The credits page to download: the What's New line, the table and its key, as Markdown."""
    campaign = credits.campaign
    out = [f"# Credits: {campaign.title} ({campaign.issue})", ""]
    if not credits.people:
        out += ["No merged, re-scan-confirmed work yet.", ""]
        return "\n".join(out)
    out += [
        f"{len(credits.conversions)} merged conversion(s) by {len(credits.authors)} contributor(s), each"
        " confirmed by a re-scan of CPython's sources.",
        "",
    ]
    whatsnew = credits_whatsnew(credits)
    if whatsnew:
        out += ["## What's New", "", "```rst", whatsnew, "```", ""]
    key = ", ".join(f"{emoji} {title.lower()}" for emoji, title in CONTRIBUTION_TYPES.values())
    out += ["## Contributors", "", credits_table(credits), "", f"Key: {key}.", ""]
    return "\n".join(out)


def credits_events(credits: CampaignCredits) -> list[dict[str, object]]:
    """The merged conversions as events for a benchmark chart: ``{date, title, link}``, oldest first.

    ``date`` is the merge date (UTC), ``link`` the pull request.
    """
    return [
        {
            "date": conversion.merged_at.date(),
            "title": f"{conversion.task.name} converted by @{conversion.contributor.github_handle}"
            f" ({credits.campaign.issue})",
            "link": conversion.pull_request.url,
        }
        for conversion in credits.conversions
    ]


def credits_events_yaml(credits: CampaignCredits) -> str:
    """`credits_events` as a YAML list (``- date: 2026-02-17`` …); ``[]`` when there are none."""
    return yaml.safe_dump(credits_events(credits), sort_keys=False, allow_unicode=True, width=1000)
