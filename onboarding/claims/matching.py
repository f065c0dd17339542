"""Which campaign and tasks a pull request works on: one matcher for webhooks, ``import_pulls`` and ``sync_pulls``.

- **Campaign**: by the mega-issue the PR belongs to (``gh-134584``). A campaign owns its own
  issue and the follow-up issues its analyzer module lists in ``related_issues``
  (``analyzer.campaigns``), so a PR of ``gh-145866`` belongs to ``refcount``.
- **Tasks**: by the op names in the PR's title and body. A name matches a task whose ``name``
  or ``uop`` is the same once a leading underscore is dropped (``_STORE_SUBSCR_DICT`` and
  ``STORE_SUBSCR_DICT`` are one task). Shorthands name several tasks: alternatives in braces,
  brackets or parentheses (``UNARY_{INVERT|NEGATIVE}``, ``[_POP_TWO/_INSERT_2]_LOAD_CONST``,
  ``_LOAD_CONST_INLINE(_BORROW)``: parentheses also allow nothing), an ``X`` component
  standing for any one or more components (``_BINARY_OP_X_INT``; at least two other
  components, so a bare ``X_INT`` is too broad and matches nothing), and ``NAME family``,
  which names every task of that instruction family.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from onboarding.campaigns.models import Campaign, Task

__all__ = [
    "ISSUE_RE",
    "MAX_NAMES",
    "OP_NAME_RE",
    "TaskMatch",
    "campaign_issue_slugs",
    "campaigns_for_issues",
    "op_names_in",
    "task_match",
    "tasks_named_in",
]

#: An op name as CPython spells it: ``_CALL_TYPE_1``, ``BINARY_OP_ADD_INT``, ``LOAD_ATTR``.
OP_NAME_RE = re.compile(r"(?<![A-Za-z0-9_])_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*(?![A-Za-z0-9_])")
#: At most this many op names of one pull request's text are looked up.
MAX_NAMES = 200
#: A CPython issue reference: ``gh-134584`` (any case).
ISSUE_RE = re.compile(r"\bgh-(\d+)\b", re.IGNORECASE)
#: A name with alternatives: ``UNARY_{INVERT|NEGATIVE}``, ``[_A/_B]_C``, ``_CALL{_X, _Y}``, ``_A(_BORROW)``.
_COMPOUND_RE = re.compile(r"(?<![A-Za-z0-9_])[A-Z0-9_]*(?:[{\[(][A-Z0-9_|/, ]*[}\])][A-Z0-9_]*)+(?![A-Za-z0-9_])")
_GROUP_RE = re.compile(r"([{\[(])([A-Z0-9_|/, ]*)[}\])]")
#: ``UNPACK_SEQUENCE family`` (backticks allowed): every task of that family.
_FAMILY_RE = re.compile(r"`?(_?[A-Z][A-Z0-9_]*)`?\s+family\b")
#: A wildcard needs this many literal components, so that ``X_INT`` alone matches nothing.
_MIN_LITERAL_PARTS = 2


def _key(name: str) -> str:
    """The task identity of an op name: ``_STORE_SUBSCR_DICT`` and ``STORE_SUBSCR_DICT`` are one."""
    return name.lstrip("_")


def _spellings(name: str) -> set[str]:
    """The names ``name`` may stand for: with and without a leading underscore, when it has
    several components (a one-word name such as ``JIT`` or ``CALL`` is taken as written, so
    prose like "in the JIT" does not name the ``_JIT`` uop)."""
    key = _key(name)
    return {key, f"_{key}"} if "_" in key else {name}


def op_names_in(text: str) -> set[str]:
    """The words of ``text`` shaped like CPython op names (``_CALL_TYPE_1``, ``LOAD_ATTR``)."""
    return set(OP_NAME_RE.findall(text))


def _expand(compound: str) -> list[str]:
    """Every name a compound spells: ``UNARY_{INVERT|NEGATIVE}`` → ``UNARY_INVERT``, ``UNARY_NEGATIVE``."""
    pieces: list[list[str]] = []
    position = 0
    for group in _GROUP_RE.finditer(compound):
        pieces.append([compound[position : group.start()]])
        options = [o.strip() for o in re.split(r"[|/,]", group[2])]
        if group[1] == "(":
            options.append("")
        pieces.append(options)
        position = group.end()
    pieces.append([compound[position:]])
    names = {"".join(parts) for parts in itertools.product(*pieces)}
    return sorted(n for n in names if OP_NAME_RE.fullmatch(n))


def names_in(text: str) -> list[str]:
    """The op names and shorthands of ``text``, compounds expanded, sorted, at most `MAX_NAMES`."""
    names: set[str] = set()
    for compound in _COMPOUND_RE.findall(text):
        names.update(_expand(compound))
    names.update(op_names_in(_COMPOUND_RE.sub(" ", text)))
    return sorted(names)[:MAX_NAMES]


def _wildcard(name: str) -> re.Pattern[str] | None:
    """The pattern of a name with ``X`` components (``_BINARY_OP_X_INT``), or ``None``."""
    parts = _key(name).split("_")
    if "X" not in parts or sum(1 for p in parts if p != "X") < _MIN_LITERAL_PARTS:
        return None
    body = "_".join("[A-Z0-9]+(?:_[A-Z0-9]+)*" if p == "X" else re.escape(p) for p in parts)
    return re.compile(f"_?{body}")


def campaign_issue_slugs() -> dict[str, str]:
    """``gh-NNN`` → campaign slug, for each campaign's issue and its ``related_issues`` (analyzer registry)."""
    from analyzer.campaigns import REGISTRY

    issues: dict[str, str] = {}
    for slug, campaign in REGISTRY.items():
        issues.setdefault(campaign.issue.lower(), slug)
        for related in getattr(campaign, "related_issues", ()):
            issues.setdefault(str(related).lower(), slug)
    return issues


def campaigns_for_issues(issues: Iterable[int | str]) -> list[Campaign]:
    """The campaigns owning any of ``issues`` (``134584`` or ``"gh-134584"``), in registry order."""
    refs = {f"gh-{str(i).lower().removeprefix('gh-')}" for i in issues}
    if not refs:
        return []
    registry = campaign_issue_slugs()
    slugs = {registry[r] for r in refs if r in registry}
    return list(Campaign.objects.filter(Q(issue__in=refs) | Q(slug__in=slugs)).order_by("position", "slug"))


@dataclass
class TaskMatch:
    """What `task_match` found: the tasks, the names read from the text, and those naming no task."""

    tasks: list[Task] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def task_match(*, title: str, body: str = "", campaigns: Iterable[Campaign] | None = None) -> TaskMatch:
    """The tasks a pull request's title and body name (module docstring), retired ones excluded.

    ``campaigns`` limits the search; ``None`` means the campaigns whose issues the text cites
    (``gh-134584``), or every campaign when it cites none. Tasks are sorted by campaign and name.
    """
    text = f"{title}\n{body}"
    if campaigns is None:
        cited = campaigns_for_issues(ISSUE_RE.findall(text))
        campaign_ids = [c.pk for c in cited] or None
    else:
        campaign_ids = [c.pk for c in campaigns]
    names = names_in(text)
    families = {_key(f) for f in _FAMILY_RE.findall(text)}
    result = TaskMatch(names=names + sorted(f"{f} family" for f in families))
    if not names and not families:
        return result
    tasks = Task.objects.exclude(status=Task.Status.RETIRED).select_related("campaign")
    if campaign_ids is not None:
        tasks = tasks.filter(campaign_id__in=campaign_ids)
    spelled = set().union(*(_spellings(n) for n in names))
    literal = Q(name__in=spelled) | Q(uop__in=spelled)
    for family in families:
        # The family's own instruction and its specializations (``UNPACK_SEQUENCE_LIST``), not
        # the helper uops its macros share.
        literal |= Q(family__in=(family, f"_{family}")) & (Q(name=family) | Q(name__startswith=f"{family}_"))
    found = {t.pk: t for t in tasks.filter(literal)}
    matched = {t.name for t in found.values()} | {t.uop for t in found.values()}
    matched_keys = {_key(n) for n in names if _spellings(n) & matched}
    patterns = {n: p for n in names if _key(n) not in matched_keys and (p := _wildcard(n)) is not None}
    if patterns:
        for task in tasks.exclude(pk__in=list(found)):
            for name, pattern in patterns.items():
                if pattern.fullmatch(task.name) or pattern.fullmatch(task.uop):
                    found[task.pk] = task
                    matched_keys.add(_key(name))
    result.tasks = sorted(found.values(), key=lambda t: (t.campaign.position, t.campaign.slug, t.name))
    # One-word names (``JIT``, ``GH``) are mostly prose: only op-shaped names are reported.
    result.unmatched = [n for n in names if _key(n) not in matched_keys and "_" in _key(n)]
    return result


def tasks_named_in(*, title: str, body: str = "", campaigns: Iterable[Campaign] | None = None) -> list[Task]:
    """The tasks `task_match` finds in a pull request's title and body."""
    return task_match(title=title, body=body, campaigns=campaigns).tasks
