"""YAML with line numbers: every mapping key and sequence item remembers where it was written.

PyYAML's composer gives nodes with marks; we build plain Python values from them ourselves so that a
pydantic error location such as ``("rules", 3, "effort", "per", 0, "fact")`` maps back to a line.
Duplicate keys, which PyYAML silently accepts (the last one wins), are an error here.

Every YAML file a user hands us may be hostile (a client's answers, a colleague's overlay): anchors and aliases
are refused as the parser meets them, so an alias bomb ("billion laughs") costs nothing, and size and nesting
are capped. No file m365exit reads needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from m365exit.errors import RulesError

Loc = tuple[str | int, ...]


@dataclass
class Source:
    """One parsed YAML file: its data and the line of every key and item in it."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return display_path(self.path)

    def line(self, loc: Loc) -> int:
        """Line of the longest prefix of `loc` that was written in the file (1 for the document)."""
        for end in range(len(loc), 0, -1):
            found = self.lines.get(tuple(loc[:end]))
            if found is not None:
                return found
        return self.lines.get((), 1)

    def where(self, loc: Loc) -> str:
        return f"{self.name}:{self.line(loc)}"


def display_path(path: Path) -> str:
    """A short, stable name for messages: relative to the working directory when possible."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


MAX_BYTES = 4 * 1024 * 1024  # the built-in catalogue is about 60 KB
MAX_DEPTH = 40


class _Constructor(yaml.constructor.SafeConstructor):
    pass


class _Refused(Exception):
    def __init__(self, mark: yaml.Mark | None, message: str, hint: str) -> None:
        super().__init__(message)
        self.line = mark.line + 1 if mark is not None else 1
        self.message, self.hint = message, hint


class _StrictLoader(yaml.SafeLoader):
    """Composes nodes like SafeLoader, refusing anchors, aliases and deep nesting before they are built."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(event.start_mark, "YAML anchors and aliases ('&name', '*name') are not accepted",
                           "Write the values out in full.")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels",
                               "Flatten the structure: no m365exit file needs this depth.")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def parse_yaml(path: Path, text: str | None = None) -> Source:
    if text is None:
        try:
            if path.stat().st_size > MAX_BYTES:
                raise RulesError(f"{display_path(path)}: the file is larger than {MAX_BYTES // 1024 // 1024} MiB.",
                                 hint="Check that this is the file you meant to pass.")
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RulesError(f"{display_path(path)}: cannot read the file ({exc.strerror}).") from exc
        except UnicodeDecodeError as exc:
            raise RulesError(f"{display_path(path)}: the file is not UTF-8 text.") from exc
    if len(text) > MAX_BYTES:
        raise RulesError(f"{display_path(path)}: the file is larger than {MAX_BYTES // 1024 // 1024} MiB.",
                         hint="Check that this is the file you meant to pass.")
    try:
        loader = _StrictLoader(text)
    except yaml.YAMLError as exc:  # the reader refuses control characters before anything is parsed
        raise RulesError(f"{display_path(path)}: not YAML text: {exc}.".replace("\n", " "),
                         hint="Check that this is a YAML text file.") from None
    try:
        node = loader.get_single_node()
    except _Refused as exc:
        raise RulesError(f"{display_path(path)}:{exc.line}: {exc.message}.", hint=exc.hint) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise RulesError(
            f"{display_path(path)}:{line}: invalid YAML: {exc.problem or exc.context}.",
            hint="Check the indentation and quoting around that line.",
        ) from exc
    except yaml.YAMLError as exc:  # e.g. a control character the reader refuses
        raise RulesError(f"{display_path(path)}: invalid YAML: {exc}.",
                         hint="Check that this is a YAML text file.") from exc
    finally:
        loader.dispose()
    source = Source(path, None, {(): 1})
    if node is None:
        source.data = {}
        return source
    source.data = _build(node, (), source, _Constructor())
    return source


def _build(node: yaml.Node, loc: Loc, source: Source, constructor: _Constructor) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise RulesError(
                    f"{source.name}:{key_node.start_mark.line + 1}: YAML merge keys ('<<') are not "
                    f"supported.",
                    hint="Write the keys out in full.",
                )
            key = _scalar(key_node, source, constructor)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise RulesError(f"{source.name}:{line}: key {key!r} must be a string.")
            if key in out:
                first = source.lines[(*loc, key)]
                raise RulesError(
                    f"{source.name}:{line}: key '{_dotted((*loc, key))}' is written twice (first at line "
                    f"{first}).",
                    hint="Remove one of them: YAML would silently keep only the last.",
                )
            source.lines[(*loc, key)] = line
            out[key] = _build(value_node, (*loc, key), source, constructor)
        return out
    if isinstance(node, yaml.SequenceNode):
        items: list[Any] = []
        for index, item in enumerate(node.value):
            source.lines[(*loc, index)] = item.start_mark.line + 1
            items.append(_build(item, (*loc, index), source, constructor))
        return items
    return _scalar(node, source, constructor)


def _scalar(node: yaml.Node, source: Source, constructor: _Constructor) -> Any:
    try:
        return constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:  # e.g. a date such as 2026-13-45
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesError(f"{source.name}:{node.start_mark.line + 1}: invalid value: {problem}.",
                         hint="Quote the value if it is meant as text.") from None


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted
