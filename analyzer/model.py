"""Frozen dataclasses for the instruction DSL: what the parser produces and passes read.

Names follow CPython's ``Tools/cases_generator`` (``InstDef``, ``Macro``, ``Family``,
``Pseudo``, ``StackEffect``, ``CacheEntry``). Every definition knows its file and its
first and last line (1-based, inclusive).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, TypeVar

__all__ = [
    "CacheEntry",
    "Definition",
    "Family",
    "InstDef",
    "Label",
    "Macro",
    "MacroPart",
    "ParsedFile",
    "Pseudo",
    "StackEffect",
    "StackItem",
    "direct_slot_init",
    "slot_constructor",
]

_T = TypeVar("_T")


def direct_slot_init(cls: type[_T]) -> type[_T]:
    """Give a frozen dataclass with ``slots=True`` a cheaper ``__init__`` of the same signature.

    The ``__init__`` that ``dataclass(frozen=True)`` writes stores each field with
    ``object.__setattr__(self, name, value)``, which looks ``name`` up on the class every
    time. The one written here turns the new instance, for the time of the assignments,
    into an instance of a plain twin class with the same slots (``__class__`` assignment,
    allowed between classes of the same layout), stores every field with an ordinary
    ``self.name = value`` (the interpreter's specialized slot store), then turns it back:
    about half the cost for a ten-field class, and the parser and campaigns make thousands
    of these objects per analysis. For a class with few fields the two class changes cost
    more than they save, so it calls each field's slot descriptor directly instead
    (``Evidence.__dict__["line"].__set__(self, value)``), as it also does for an instance
    of a subclass (whose layout may differ). Parameters, defaults and ``init=False``
    fields are as in the dataclass's own ``__init__``; the class stays a frozen dataclass
    (``fields``, ``replace``, ``asdict``, equality, hashing, repr, pickling and
    immutability are unchanged). Like `dataclasses` itself, the function is written as
    source text and compiled with ``exec``, the only way to give it named parameters.
    Fields with a ``default_factory`` or ``kw_only`` are not supported.

    Use it above the ``@dataclass(frozen=True, slots=True)`` line: it needs the slotted class.
    """
    params, stores, names = _field_code(cls)
    names.update(_cls=cls, _set_class=object.__setattr__)
    names.update((f"_set_{name}", cls.__dict__[name].__set__) for name, _ in stores)
    direct = [f"_set_{name}(self, {value})" for name, value in stores]
    if len(stores) < _MIN_FIELDS_TO_SWAP:
        body = direct
    else:
        # Same __slots__ in the same order and no other state: __class__ may move between them.
        names["_Open"] = _twin(cls)
        body = [
            "if type(self) is _cls:",
            "    _set_class(self, '__class__', _Open)",
            *(f"    self.{name} = {value}" for name, value in stores),
            "    self.__class__ = _cls",
            "else:",
            *(f"    {line}" for line in direct),
        ]
    cls.__init__ = _compile(cls, "__init__", ["self", *params], body, names)  # type: ignore[method-assign]
    return cls


def slot_constructor(cls: type[_T]) -> Callable[..., _T]:
    """A function that makes a ``cls`` from the same parameters as ``cls(...)``, for a frozen
    dataclass with ``slots=True`` whose objects are made by the thousand (the campaigns'
    findings and evidence lines).

    It skips the class call: no ``type.__call__``, no ``__init__`` frame, and keyword arguments
    are not packed into a dict and unpacked again. The new object starts as an instance of the
    plain twin class `direct_slot_init` uses (same slots), takes its fields with ordinary
    assignments, then becomes a ``cls``; the result equals ``cls(...)`` in every way. The same
    limits as `direct_slot_init` apply.
    """
    params, stores, names = _field_code(cls)
    names.update(_cls=cls, _Open=_twin(cls), _new=object.__new__)
    body = ["self = _new(_Open)", *(f"self.{name} = {value}" for name, value in stores), "self.__class__ = _cls"]
    return _compile(cls, f"make_{cls.__name__}", params, [*body, "return self"], names)  # type: ignore[no-any-return]


def _field_code(cls: type) -> tuple[list[str], list[tuple[str, str]], dict[str, Any]]:
    """For the functions `direct_slot_init` and `slot_constructor` write: the parameters (as in
    the dataclass's ``__init__``), each stored field with the expression of its value, and the
    names those texts use (the defaults)."""
    params: list[str] = []
    stores: list[tuple[str, str]] = []  # (field name, expression of its value)
    names: dict[str, Any] = {}
    for f in fields(cls):
        if f.default_factory is not MISSING or f.kw_only:
            raise TypeError(f"{cls.__name__}.{f.name}: default_factory and kw_only are not supported")
        if f.init:
            if f.default is MISSING:
                params.append(f.name)
            else:
                names[f"_default_{f.name}"] = f.default
                params.append(f"{f.name}=_default_{f.name}")
            stores.append((f.name, f.name))
        elif f.default is not MISSING:
            names[f"_default_{f.name}"] = f.default
            stores.append((f.name, f"_default_{f.name}"))
    return params, stores, names


def _compile(cls: type, name: str, params: list[str], body: list[str], names: dict[str, Any]) -> Any:
    """The function ``name(params)`` with ``body``, written as source text and compiled with
    ``exec`` (as `dataclasses` does: the only way to give it named parameters)."""
    source = f"def {name}({', '.join(params)}):\n" + "".join(f"    {line}\n" for line in body)
    exec(source, names)  # the text is built by the callers from the class's own fields only
    function = names[name]
    function.__qualname__ = f"{cls.__qualname__}.{name}" if name == "__init__" else name
    function.__module__ = cls.__module__
    return function


_TWINS: dict[type, type] = {}


def _twin(cls: type) -> type:
    """A plain class with ``cls``'s ``__slots__`` in the same order and no other state, so an
    instance may move between the two by ``__class__`` assignment (one per class)."""
    twin = _TWINS.get(cls)
    if twin is None:
        twin = _TWINS[cls] = type(f"_Open{cls.__name__}", (), {"__slots__": cls.__slots__})  # type: ignore[attr-defined]
    return twin


#: From how many stored fields `direct_slot_init` changes the instance's class for the
#: assignments: two class changes cost about as much as direct stores of seven fields.
_MIN_FIELDS_TO_SWAP = 8


@direct_slot_init
@dataclass(frozen=True, slots=True)
class StackItem:
    """One stack slot (or array of slots) in a stack effect.

    ``size`` is the array length expression (``"oparg"``, ``"oparg & 1"``) or ``None`` for
    a single slot; ``condition`` is the 2024-era ``if (cond)`` text; ``type`` the 2024/3.14
    ``: _PyInterpreterFrame*`` annotation.
    """

    name: str
    size: str | None = None
    condition: str | None = None
    type: str | None = None

    @property
    def is_unused(self) -> bool:
        return self.name == "unused"

    @property
    def is_array(self) -> bool:
        return self.size is not None

    def __str__(self) -> str:
        text = self.name
        if self.type:
            text += f": {self.type}"
        if self.size is not None:
            text += f"[{self.size}]"
        if self.condition is not None:
            text += f" if ({self.condition})"
        return text


@direct_slot_init
@dataclass(frozen=True, slots=True)
class CacheEntry:
    """An inline-cache entry ``name/size``; ``size`` counts 16-bit code units."""

    name: str
    size: int

    def __str__(self) -> str:
        return f"{self.name}/{self.size}"


@direct_slot_init
@dataclass(frozen=True, slots=True)
class StackEffect:
    """``(inputs -- outputs)``; cache entries are split out of the inputs into ``caches``.

    ``inputs`` and ``outputs`` list stack items from deepest to top of stack.
    """

    inputs: tuple[StackItem, ...] = ()
    outputs: tuple[StackItem, ...] = ()
    caches: tuple[CacheEntry, ...] = ()
    # Computed on first use and kept (campaigns ask for them many times); not part of the value.
    _text: str | None = field(default=None, init=False, repr=False, compare=False)
    _peeks: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    _named: tuple[StackItem, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def __str__(self) -> str:
        text = self._text
        if text is None:
            ins = ", ".join(map(str, (*self.caches, *self.inputs)))
            outs = ", ".join(map(str, self.outputs))
            text = f"({ins} -- {outs})".replace("( --", "(--").replace("-- )", "--)")
            object.__setattr__(self, "_text", text)
        return text

    def peeks(self) -> frozenset[str]:
        """Input names that pass through unchanged: same name at the same depth in outputs."""
        found = self._peeks
        if found is None:
            # Pairs from the top of the stack down, as deep as the shorter side goes.
            pairs = zip(reversed(self.inputs), reversed(self.outputs), strict=False)
            found = frozenset([i.name for i, o in pairs if i.name == o.name and i.name != "unused"])
            object.__setattr__(self, "_peeks", found)
        return found

    def named_inputs(self) -> tuple[StackItem, ...]:
        """Inputs that the body can refer to (not ``unused``)."""
        found = self._named
        if found is None:
            found = tuple(i for i in self.inputs if not i.is_unused)
            object.__setattr__(self, "_named", found)
        return found


@direct_slot_init
@dataclass(frozen=True, slots=True)
class InstDef:
    """An ``inst`` (whole instruction) or ``op`` (micro-op) definition with a C body.

    ``kind`` is ``"inst"`` or ``"op"``; ``annotations`` keeps the header words in source
    order (``"pure"``, ``"replicate(8)"``); ``body`` is the text between the braces and
    ``body_line`` the line of its opening ``{``.
    """

    kind: str
    name: str
    annotations: tuple[str, ...]
    stack: StackEffect
    body: str
    file: str
    line: int
    end_line: int
    body_line: int
    code: str = ""
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        # Hashed on every lookup of the per-definition caches (analyzer.cbody.body_of); the
        # fields never change, so the hash of the value is computed once. Equal definitions
        # have equal fields, so hashing some of them is enough: the stack effect is left out
        # (hashing it calls the dataclass __hash__ of the effect and of each of its items), and
        # so is the body (a new string each analysis, hashed in full: name, file and line
        # already tell definitions apart).
        h = self._hash
        if not h:
            h = hash((self.kind, self.name, self.file, self.line))
            object.__setattr__(self, "_hash", h)
        return h

    @property
    def tier2_name(self) -> str:
        """The uop name tier 2 uses: ``_X`` for ``inst(X)``, the name itself for an op."""
        return f"_{self.name}" if self.kind == "inst" else self.name


@direct_slot_init
@dataclass(frozen=True, slots=True)
class MacroPart:
    """One ``+``-separated part of a macro.

    ``kind`` is ``"uop"`` (a uop or instruction name), ``"cache"`` (``name/size``, with
    ``size`` possibly negative for ``rewind/-4``) or ``"flush"``.
    """

    kind: str
    name: str
    line: int
    column: int
    size: int | None = None

    def __str__(self) -> str:
        return f"{self.name}/{self.size}" if self.kind == "cache" else self.name


@direct_slot_init
@dataclass(frozen=True, slots=True)
class Macro:
    """``macro(NAME) = part + part ...;``: an instruction built from uops and cache entries."""

    name: str
    parts: tuple[MacroPart, ...]
    file: str
    line: int
    end_line: int
    annotations: tuple[str, ...] = ()
    # Computed on first use and kept (campaigns ask for it per uop); not part of the value.
    _uop_names: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def uop_names(self) -> tuple[str, ...]:
        """The names of the ``uop`` parts, in order."""
        names = self._uop_names
        if names is None:
            names = tuple(p.name for p in self.parts if p.kind == "uop")
            object.__setattr__(self, "_uop_names", names)
        return names


@direct_slot_init
@dataclass(frozen=True, slots=True)
class Family:
    """``family(NAME, SIZE) = { MEMBER, ... };``: a generic instruction and its specializations.

    ``size`` is the inline-cache size expression as written (``INLINE_CACHE_ENTRIES_BINARY_OP``).
    """

    name: str
    size: str | None
    members: tuple[str, ...]
    file: str
    line: int
    end_line: int
    member_lines: tuple[int, ...] = ()


@direct_slot_init
@dataclass(frozen=True, slots=True)
class Pseudo:
    """``pseudo(NAME[, (effect)][, (FLAGS)]) = { TARGET, ... };`` (or ``[ ... ]``, a sequence).

    ``stack`` is ``None`` in the 3.13 form that had no stack effect; ``sequence`` is true for
    the ``[A, B, C]`` form (3.14+), which expands to all targets in order.
    """

    name: str
    stack: StackEffect | None
    flags: tuple[str, ...]
    targets: tuple[str, ...]
    sequence: bool
    file: str
    line: int
    end_line: int
    target_lines: tuple[int, ...] = ()


@direct_slot_init
@dataclass(frozen=True, slots=True)
class Label:
    """``label(name) { body }``: shared error/unwind code (3.14+); may be ``spilled``."""

    name: str
    annotations: tuple[str, ...]
    body: str
    file: str
    line: int
    end_line: int


Definition = InstDef | Macro | Family | Pseudo | Label


@dataclass(frozen=True)
class ParsedFile:
    """All definitions of one DSL file in source order, with the warnings met on the way.

    ``region`` is the 1-based line range between the BEGIN and END BYTECODES markers.
    """

    file: str
    sha256: str
    definitions: tuple[Definition, ...]
    warnings: tuple[object, ...]
    region: tuple[int, int]
