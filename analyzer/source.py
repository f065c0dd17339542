"""Loading CPython sources: one DSL file (`Source`) or a whole checkout (`SourceTree`)."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.errors import SourceError

__all__ = ["BYTECODES_PATH", "OPTIMIZER_PATH", "TEST_OPT_PATH", "Source", "SourceTree", "load_tree"]

#: Paths inside a CPython checkout, as named by CPython itself.
BYTECODES_PATH = "Python/bytecodes.c"
OPTIMIZER_PATH = "Python/optimizer_bytecodes.c"
TEST_OPT_PATH = "Lib/test/test_capi/test_opt.py"


@dataclass(frozen=True)
class Source:
    """The text of one source file, with the name used in every location it produces.

    ``name`` is what messages print (``Python/bytecodes.c`` inside a tree, else the path
    as given); ``sha256`` is the hex digest of the file's bytes.
    """

    name: str
    text: str
    sha256: str
    path: str | None = None
    _line_starts: list[int] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def from_text(cls, text: str, *, name: str = "<string>") -> Source:
        """A source made from a string (tests, fuzzing); the digest is of its UTF-8 bytes."""
        return cls(name=name, text=text, sha256=hashlib.sha256(text.encode()).hexdigest())

    @classmethod
    def from_path(cls, path: str | Path, *, name: str | None = None) -> Source:
        """Read a UTF-8 file. Raises `SourceError` if it is missing, unreadable or not UTF-8."""
        p = Path(path)
        try:
            data = p.read_bytes()
        except FileNotFoundError:
            raise SourceError("no such file", path=str(path)) from None
        except IsADirectoryError:
            raise SourceError("is a directory, expected a file", path=str(path)) from None
        except OSError as exc:
            raise SourceError(f"cannot read: {exc.strerror}", path=str(path)) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(f"not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x})", path=str(path)) from None
        return cls(
            name=name or str(path),
            text=text,
            sha256=hashlib.sha256(data).hexdigest(),
            path=str(p),
        )

    def _starts(self) -> list[int]:
        if not self._line_starts:
            starts = [0]
            find = self.text.find
            pos = find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find("\n", pos + 1)
            self._line_starts.extend(starts)
        return self._line_starts

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        return bisect_right(self._starts(), offset)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based ``(line, column)`` of a character offset."""
        starts = self._starts()
        line = bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline ('' past the end)."""
        starts = self._starts()
        if line < 1 or line > len(starts):
            return ""
        start = starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end == -1 else self.text[start:end]


@dataclass(frozen=True)
class SourceTree:
    """The files of one CPython checkout that the analyzer reads.

    ``bytecodes`` is required; ``optimizer`` (Python/optimizer_bytecodes.c) and
    ``test_opt`` (Lib/test/test_capi/test_opt.py, a path only) are ``None`` when absent.
    """

    root: str | None
    bytecodes: Source
    optimizer: Source | None
    test_opt: str | None


def load_tree(path: str | Path) -> SourceTree:
    """Load a checkout (a directory holding ``Python/bytecodes.c``) or a single bytecodes.c.

    Given a file, ``optimizer_bytecodes.c`` is picked up from the same directory when
    present. Raises `SourceError` when the path is missing or is a directory without
    ``Python/bytecodes.c``.
    """
    p = Path(path)
    if p.is_dir():
        bytecodes = p / BYTECODES_PATH
        if not bytecodes.is_file():
            raise SourceError(
                f"not a CPython source tree: {BYTECODES_PATH} is missing "
                "(point at the checkout's top directory or at bytecodes.c itself)",
                path=str(path),
            )
        optimizer_path = p / OPTIMIZER_PATH
        test_opt = p / TEST_OPT_PATH
        return SourceTree(
            root=str(p),
            bytecodes=Source.from_path(bytecodes, name=BYTECODES_PATH),
            optimizer=Source.from_path(optimizer_path, name=OPTIMIZER_PATH) if optimizer_path.is_file() else None,
            test_opt=str(test_opt) if test_opt.is_file() else None,
        )
    if not p.exists():
        raise SourceError("no such file or directory", path=str(path))
    sibling = p.parent / "optimizer_bytecodes.c"
    optimizer = None
    if p.name != sibling.name and sibling.is_file():
        optimizer = Source.from_path(sibling, name=str(sibling))
    return SourceTree(root=None, bytecodes=Source.from_path(p), optimizer=optimizer, test_opt=None)
