"""The `Analysis` of one CPython snapshot: name tables over the parsed files and model checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from analyzer.errors import Diagnostic
from analyzer.model import Definition, Family, InstDef, Label, Macro, ParsedFile, Pseudo
from analyzer.parser import parse_source
from analyzer.source import Source, SourceTree, load_tree

__all__ = ["Analysis", "analyze", "analyze_tree", "check_model"]


@dataclass(frozen=True)
class Analysis:
    """Everything known about one snapshot: parsed files, name tables and diagnostics.

    Name tables are keyed by kind because a family and its generic instruction share a
    name. ``optimizer`` is ``None`` when the snapshot has no optimizer_bytecodes.c.
    ``checks`` holds what `check_model` found; ``errors`` are its model violations and
    ``warnings`` the constructs the parser skipped plus the check's warnings.
    """

    tree: SourceTree
    bytecodes: ParsedFile
    optimizer: ParsedFile | None
    checks: tuple[Diagnostic, ...] = field(default=())

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.checks if d.severity == "error")

    # -- name tables ---------------------------------------------------------------

    @cached_property
    def insts(self) -> dict[str, InstDef]:
        return {d.name: d for d in self.bytecodes.definitions if isinstance(d, InstDef) and d.kind == "inst"}

    @cached_property
    def ops(self) -> dict[str, InstDef]:
        return {d.name: d for d in self.bytecodes.definitions if isinstance(d, InstDef) and d.kind == "op"}

    @cached_property
    def macros(self) -> dict[str, Macro]:
        return {d.name: d for d in self.bytecodes.definitions if isinstance(d, Macro)}

    @cached_property
    def families(self) -> dict[str, Family]:
        return {d.name: d for d in self.bytecodes.definitions if isinstance(d, Family)}

    @cached_property
    def pseudos(self) -> dict[str, Pseudo]:
        return {d.name: d for d in self.bytecodes.definitions if isinstance(d, Pseudo)}

    @cached_property
    def labels(self) -> dict[str, Label]:
        return {d.name: d for d in self.bytecodes.definitions if isinstance(d, Label)}

    @cached_property
    def optimizer_cases(self) -> dict[str, InstDef]:
        """Abstract-interpretation cases of optimizer_bytecodes.c, keyed by uop name."""
        if self.optimizer is None:
            return {}
        return {d.name: d for d in self.optimizer.definitions if isinstance(d, InstDef)}

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        found = list(self.bytecodes.warnings)
        if self.optimizer is not None:
            found.extend(self.optimizer.warnings)
        found.extend(d for d in self.checks if d.severity == "warning")
        return tuple(d for d in found if isinstance(d, Diagnostic))

    def counts(self) -> dict[str, int]:
        """Number of definitions of each kind in bytecodes.c (inst, op, macro, family, pseudo, label)."""
        counts = dict.fromkeys(("inst", "op", "macro", "family", "pseudo", "label"), 0)
        for d in self.bytecodes.definitions:
            counts[d.kind if isinstance(d, InstDef) else type(d).__name__.lower()] += 1
        return counts

    def definition_text(self, definition: Definition, *, optimizer: bool = False) -> str:
        """The source lines ``definition.line..end_line`` of bytecodes.c (or optimizer_bytecodes.c)."""
        source = self.tree.optimizer if optimizer else self.tree.bytecodes
        if source is None:
            return ""
        lines = [source.line_text(n) for n in range(definition.line, definition.end_line + 1)]
        # Preprocessor lines (``#if TIER_ONE``) sit in column 1 and do not set the indentation.
        code = [t for t in lines if t.strip() and not t.lstrip().startswith("#")]
        indent = min((len(t) - len(t.lstrip()) for t in code), default=0)
        return "\n".join(t[indent:] if not t[:indent].strip() else t.lstrip() for t in lines)

    # -- relations -----------------------------------------------------------------

    def is_instruction(self, name: str) -> bool:
        """Whether ``name`` is a tier-1 instruction (an ``inst`` or a ``macro``)."""
        return name in self.insts or name in self.macros

    @cached_property
    def _users(self) -> dict[str, tuple[Macro, ...]]:
        users: dict[str, list[Macro]] = {}
        for m in self.macros.values():
            for name in dict.fromkeys(m.uop_names()):
                users.setdefault(name, []).append(m)
        return {k: tuple(v) for k, v in users.items()}

    def macros_using(self, uop: str) -> tuple[Macro, ...]:
        """Macros that have ``uop`` as a part, in source order."""
        return self._users.get(uop, ())

    @cached_property
    def _user_names(self) -> dict[str, tuple[str, ...]]:
        return {k: tuple([m.name for m in v]) for k, v in self._users.items()}

    def macro_names_using(self, uop: str) -> tuple[str, ...]:
        """The names of the `macros_using` ``uop``: every campaign's findings list them."""
        return self._user_names.get(uop, ())

    @cached_property
    def _family_of(self) -> dict[str, Family]:
        table: dict[str, Family] = {}
        for fam in self.families.values():
            table.setdefault(fam.name, fam)
            for member in fam.members:
                table.setdefault(member, fam)
        return table

    def family_of(self, instruction: str) -> Family | None:
        """The family whose generic instruction or specialization is ``instruction``."""
        return self._family_of.get(instruction)

    def instruction_of(self, uop: InstDef) -> str | None:
        """The instruction a uop implements: ``X`` for ``inst(X)``, or for ``op(_X)`` used in ``macro(X)``.

        Also ``X`` when ``macro(X)`` has ``op`` as its only working part besides cache
        entries, guards and ``POP_TOP``-family releases (``STORE_FAST = _SWAP_FAST + POP_TOP``).
        """
        name = uop.name
        if uop.kind == "inst":
            return name
        if name.startswith("_"):
            own = self.macros.get(name[1:])
            if own is not None and name in own.uop_names():
                return own.name
        owners = self._primary_owners.get(name, ())
        return owners[0] if len(owners) == 1 else None

    @cached_property
    def _primary_owners(self) -> dict[str, list[str]]:
        """Uop -> the macros whose only working part (`_primary_part`) it is, in source order:
        found once, as campaigns ask `instruction_of` for every uop."""
        owners: dict[str, list[str]] = {}
        for name, macro in self.macros.items():
            part = _primary_part(macro)
            if part is not None:
                owners.setdefault(part, []).append(name)
        return owners


#: Prefixes of uops that guard, record or specialize rather than do an instruction's work.
_AUXILIARY_PREFIXES = ("_GUARD_", "_CHECK_", "_SPECIALIZE_", "_RECORD_", "_DEOPT_", "_EXIT_")


def _primary_part(macro: Macro) -> str | None:
    work = [n for n in macro.uop_names() if not n.startswith(_AUXILIARY_PREFIXES) and "POP_TOP" not in n and n != "NOP"]
    return work[0] if len(work) == 1 else None


def check_model(analysis: Analysis) -> tuple[Diagnostic, ...]:
    """Located errors where definitions contradict each other.

    Checks: every macro part names a defined uop or instruction (or is a cache entry or
    ``flush``); every family member and family name is a defined instruction; every pseudo
    target is an instruction or pseudo; every optimizer case names a uop of bytecodes.c.
    On CPython's own files there are none. A name defined twice with the same kind is a
    warning (the later definition wins, as in the cases generator).
    """
    errors: list[Diagnostic] = []
    src = analysis.tree.bytecodes

    def error(
        message: str, file: str, line: int, column: int = 1, source: Source | None = src, severity: str = "error"
    ) -> None:
        text = source.line_text(line) if source is not None else None
        if column == 1 and text:
            column = len(text) - len(text.lstrip()) + 1
        errors.append(Diagnostic(severity, message, file, line, column, text))

    seen: dict[tuple[str, str], int] = {}
    for d in analysis.bytecodes.definitions:
        kind = d.kind if isinstance(d, InstDef) else type(d).__name__.lower()
        key = (kind, d.name)
        if key in seen:
            # CPython's own main (June 2026) defines macro(FOR_ITER) twice; the cases
            # generator keeps the later one, and so do the name tables here.
            error(
                f"{kind} '{d.name}' is defined again (first at line {seen[key]}); the later "
                "definition is used, as in Tools/cases_generator",
                d.file,
                d.line,
                severity="warning",
            )
        else:
            seen[key] = d.line
    uops = analysis.ops.keys() | analysis.insts.keys()
    for m in analysis.macros.values():
        for part in m.parts:
            if part.kind == "uop" and part.name not in uops and part.name not in analysis.macros:
                error(
                    f"macro({m.name}) uses '{part.name}', which is not a defined op or inst",
                    m.file,
                    part.line,
                    part.column,
                )
    for fam in analysis.families.values():
        if not analysis.is_instruction(fam.name):
            error(f"family({fam.name}) names no defined instruction '{fam.name}'", fam.file, fam.line)
        for member, line in zip(fam.members, fam.member_lines, strict=False):
            if not analysis.is_instruction(member):
                error(f"family({fam.name}) member '{member}' is not a defined instruction", fam.file, line)
    for ps in analysis.pseudos.values():
        for target, line in zip(ps.targets, ps.target_lines, strict=False):
            if not (analysis.is_instruction(target) or target in analysis.pseudos):
                error(f"pseudo({ps.name}) target '{target}' is not a defined instruction", ps.file, line)
    if analysis.optimizer is not None:
        tier2 = analysis.ops.keys() | {f"_{name}" for name in analysis.insts}
        opt_src = analysis.tree.optimizer
        for case in analysis.optimizer_cases.values():
            if case.name not in tier2:
                error(f"optimizer case '{case.name}' names no uop of {src.name}", case.file, case.line, source=opt_src)
    return tuple(errors)


def analyze_tree(tree: SourceTree) -> Analysis:
    """Parse and check a loaded `SourceTree`. Raises `DSLSyntaxError` on malformed input."""
    bytecodes = parse_source(tree.bytecodes)
    optimizer = parse_source(tree.optimizer) if tree.optimizer is not None else None
    analysis = Analysis(tree, bytecodes, optimizer)
    return Analysis(tree, bytecodes, optimizer, check_model(analysis))


def analyze(path: str | Path) -> Analysis:
    """Analyze a CPython checkout directory or a single bytecodes.c file.

    Raises `SourceError` for a missing or unreadable path and `DSLSyntaxError` for text
    that does not follow the DSL.
    """
    return analyze_tree(load_tree(path))
