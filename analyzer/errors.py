"""Errors and diagnostics raised or reported by the analyzer.

Exception tree::

    AnalyzerError                 base class; every error the analyzer raises
    ├── SourceError               a path that is missing, unreadable or not a CPython tree
    └── DSLSyntaxError            bytecodes.c text that does not follow the DSL grammar

Located errors keep ``file``, ``line``, ``column`` (both 1-based) and the offending
source line, render as ``file:line:col: message`` plus the line and a caret, and stay
picklable so they can cross a Celery worker boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AnalyzerError", "DSLSyntaxError", "Diagnostic", "SourceError", "render_location"]


def render_location(message: str, *, file: str, line: int, column: int, source_line: str | None) -> str:
    """Format ``file:line:col: message`` followed by the source line and a caret under ``column``."""
    head = f"{file}:{line}:{column}: {message}"
    if not source_line:
        return head
    text = source_line.rstrip("\n").expandtabs(8)
    caret = " " * (max(column, 1) - 1) + "^"
    return f"{head}\n    {text}\n    {caret}"


class AnalyzerError(Exception):
    """Base class of every error the analyzer raises."""


class SourceError(AnalyzerError):
    """A path is missing, unreadable, not UTF-8, or not a CPython source tree.

    ``path`` is the offending path as given by the caller.
    """

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.message = message
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_source_error, (self.message, self.path))


def _rebuild_source_error(message: str, path: str) -> SourceError:
    return SourceError(message, path=path)


class DSLSyntaxError(AnalyzerError):
    """The instruction DSL could not be read at ``file:line:column``.

    ``str(error)`` is the one-line ``file:line:col: message``; :meth:`render` adds the
    source line and a caret.
    """

    def __init__(self, message: str, *, file: str, line: int, column: int, source_line: str | None = None) -> None:
        super().__init__(f"{file}:{line}:{column}: {message}")
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.source_line = source_line

    def render(self) -> str:
        """The error as ``file:line:col: message``, the source line and a caret."""
        return render_location(
            self.message,
            file=self.file,
            line=self.line,
            column=self.column,
            source_line=self.source_line,
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_syntax_error,
            (self.message, self.file, self.line, self.column, self.source_line),
        )


def _rebuild_syntax_error(message: str, file: str, line: int, column: int, source_line: str | None) -> DSLSyntaxError:
    return DSLSyntaxError(message, file=file, line=line, column=column, source_line=source_line)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A located warning or model error that does not stop the analysis.

    ``severity`` is ``"warning"`` (a construct the analyzer does not know, skipped) or
    ``"error"`` (the definitions contradict each other, e.g. a macro part that names no uop).
    """

    severity: str
    message: str
    file: str
    line: int
    column: int
    source_line: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"

    def render(self) -> str:
        """The diagnostic with its source line and a caret."""
        return render_location(
            f"{self.severity}: {self.message}",
            file=self.file,
            line=self.line,
            column=self.column,
            source_line=self.source_line,
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: severity, message, file, line, column."""
        return {
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }
