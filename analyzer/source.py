"""Loading CPython sources: one DSL file (`Source`) or a whole checkout (`SourceTree`)."""

from __future__ import annotations

import hashlib
import os
import stat
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from analyzer.errors import DSLSyntaxError, SourceError

__all__ = [
    "BYTECODES_PATH",
    "MAX_SOURCE_BYTES",
    "OPTIMIZER_PATH",
    "TEST_OPT_PATH",
    "Source",
    "SourceTree",
    "load_tree",
]

#: Paths inside a CPython checkout, as named by CPython itself.
BYTECODES_PATH = "Python/bytecodes.c"
OPTIMIZER_PATH = "Python/optimizer_bytecodes.c"
TEST_OPT_PATH = "Lib/test/test_capi/test_opt.py"
#: The largest source file read, in bytes (CPython's bytecodes.c is about 0.2 MB): a bigger
#: one is refused rather than read into memory.
MAX_SOURCE_BYTES = 16 * 1024 * 1024


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
    _lines: list[str] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def from_text(cls, text: str, *, name: str = "<string>") -> Source:
        """A source made from a string (tests, fuzzing); the digest is of its UTF-8 bytes."""
        return cls(name=name, text=text, sha256=hashlib.sha256(text.encode()).hexdigest())

    @classmethod
    def from_path(cls, path: str | Path, *, name: str | None = None) -> Source:
        """Read a UTF-8 file of at most `MAX_SOURCE_BYTES`.

        Raises `SourceError` if it is missing, unreadable, not a regular file (a FIFO or a
        device such as ``/dev/zero``, which would block or never end), too big, or not UTF-8;
        `DSLSyntaxError` at the first NUL character (no C source holds one).
        """
        p = Path(path)
        data = _read_regular_file(p, str(path))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(f"not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x})", path=str(path)) from None
        nul = text.find("\0")
        if nul != -1:
            shown = name or str(path)
            line = text.count("\n", 0, nul) + 1
            start = text.rfind("\n", 0, nul) + 1
            end = text.find("\n", nul)
            source_line = text[start : end if end != -1 else len(text)].replace("\0", "\\0")
            raise DSLSyntaxError(
                "NUL character in the source (a binary or damaged file?)",
                file=shown,
                line=line,
                column=nul - start + 1,
                source_line=source_line,
            )
        return cls(
            name=name or str(path),
            text=text,
            sha256=hashlib.sha256(data).hexdigest(),
            path=str(p),
        )

    def _split_lines(self) -> list[str]:
        if not self._lines:
            self._lines.extend(self.text.split("\n"))  # never empty: "".split("\n") == [""]
        return self._lines

    def _starts(self) -> list[int]:
        if not self._line_starts:
            # Each line starts one past the end of the line before it: running sums of the
            # lines' lengths plus their newlines, all in C.
            lines = self._split_lines()
            self._line_starts.extend(accumulate(map((1).__add__, map(len, lines[:-1])), initial=0))
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
        # From the text split at newlines, kept: a third of the cost of the table of line
        # starts, which the parser's fast path no longer needs.
        lines = self._split_lines()
        if line < 1 or line > len(lines):
            return ""
        return lines[line - 1]


def _read_regular_file(p: Path, shown: str) -> bytes:
    """The bytes of ``p``, refusing what is not a regular file or is over `MAX_SOURCE_BYTES`.

    The file is opened without blocking and checked on the open descriptor, so a FIFO is
    refused instead of waiting for a writer, and a file swapped after a check is still caught.
    """
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SourceError("no such file", path=shown) from None
    except IsADirectoryError:
        raise SourceError("is a directory, expected a file", path=shown) from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", path=shown) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise SourceError("is a directory, expected a file", path=shown)
        raise SourceError("not a regular file (a FIFO, device or socket); give a source file", path=shown)
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(MAX_SOURCE_BYTES + 1)
        except OSError as exc:
            raise SourceError(f"cannot read: {exc.strerror}", path=shown) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(f"larger than {MAX_SOURCE_BYTES:,} bytes, too big for a source file", path=shown)
    return data


def _is_file(p: Path, shown: str) -> bool:
    """``p.is_file()``, with a directory that cannot be searched reported as a `SourceError`."""
    try:
        return p.is_file()
    except PermissionError:
        raise SourceError(f"cannot read the directory holding {p.name}: permission denied", path=shown) from None


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
    shown = str(path)
    try:
        is_dir = p.is_dir()
        if is_dir:
            os.listdir(p)
    except PermissionError:
        raise SourceError("cannot read the directory: permission denied", path=shown) from None
    if is_dir:
        bytecodes = p / BYTECODES_PATH
        if not _is_file(bytecodes, shown):
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
            optimizer=Source.from_path(optimizer_path, name=OPTIMIZER_PATH)
            if _is_file(optimizer_path, shown)
            else None,
            test_opt=str(test_opt) if _is_file(test_opt, shown) else None,
        )
    try:
        exists = p.exists()
    except PermissionError:
        raise SourceError("cannot read the directory holding it: permission denied", path=shown) from None
    if not exists:
        raise SourceError("no such file or directory", path=shown)
    sibling = p.parent / "optimizer_bytecodes.c"
    optimizer = None
    if p.name != sibling.name and _is_file(sibling, shown):
        optimizer = Source.from_path(sibling, name=str(sibling))
    return SourceTree(root=None, bytecodes=Source.from_path(p), optimizer=optimizer, test_opt=None)
