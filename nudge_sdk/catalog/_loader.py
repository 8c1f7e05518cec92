"""Loading the plan YAML: parse safely, structure with cattrs, check meaning, build.

Every problem is collected before anything is raised, so a product team sees all of
them at once, each as ``FILE:LINE:COLUMN: path.to.key: message``. Numbers written in
the YAML never pass through float: the loader reads them as `Decimal` from their text.
Positions are looked up only when something is wrong, so a good catalog costs one
parse.

Every limit is enforced before the work it limits. The text is at most
`MAX_CATALOG_BYTES`, and a file is read in chunks up to that limit (`read_limited`),
never trusting the size the file system reports (``/dev/zero`` says 0); a pipe or a
device must end within `READ_SECONDS`. The loader composes the YAML itself, from the
parser's events, so that while it builds the node graph it counts values (an alias
counts as everything it stands for: at most `MAX_CATALOG_VALUES`), nesting (at most
`MAX_CATALOG_DEPTH`) and merge chains, refuses recursive aliases, and checks each
mapping's keys once, where it is written, however often it is aliased. It reads YAML as
the catalog means it: keys are text (``7:``, ``true:``, ``~:`` are refused, not turned
into numbers, booleans or null), a number is base 10 (no YAML 1.1 base 60 or
leading-zero octal) of at most 40 characters, an unquoted date is text, and no tags but
the plain ones (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``) are taken.
Prices are at most `MAX_AMOUNT` minor units and every conversion is exact.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import select
import stat
import time
import typing
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import attrs
import yaml
from babel import UnknownLocaleError
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from nudge_sdk._errors import CatalogIssue, InexactAmount, InvalidCatalog, NudgeError
from nudge_sdk._log import debugging
from nudge_sdk._log import log as _log
from nudge_sdk.billing._money import Currency
from nudge_sdk.billing._periods import Interval
from nudge_sdk.catalog._catalog import (
    MAX_AMOUNT,
    OVERAGE_PLACES,
    UNLIMITED,
    AddOn,
    Caps,
    Catalog,
    CurrencyPrices,
    Feature,
    Limit,
    Metric,
    MetricKind,
    Plan,
    Price,
    ProrationPolicy,
    Reset,
)
from nudge_sdk.catalog._rules import (
    COMPARISON_PLACEHOLDERS,
    MAX_COUNTED,
    RuleBuilder,
    choices,
    locale_key,
    too_many,
)
from nudge_sdk.catalog._spec import (
    BLANK_IS_EMPTY,
    AddOnCurrencySpec,
    AddOnSpec,
    CatalogSpec,
    PlanCurrencySpec,
    PlanSpec,
    SeatPriceSpec,
    SoftLimitSpec,
    brief,
    converter,
    places,
)

__all__ = [
    "MAX_CATALOG_BYTES",
    "MAX_CATALOG_DEPTH",
    "MAX_CATALOG_VALUES",
    "MAX_OVERAGE",
    "READ_SECONDS",
    "TooLarge",
    "load_catalog",
    "parse_catalog",
    "read_catalog_bytes",
    "read_limited",
]

MAX_CATALOG_BYTES = 4 * 1024 * 1024
"""A catalog file larger than this is refused before parsing."""
MAX_CATALOG_VALUES = 200_000
"""A document that expands (through YAML aliases) to more values than this (keys
included) is refused while it is composed."""
MAX_CATALOG_DEPTH = 64
"""A document nested deeper than this (lists and mappings in each other, or merge keys
merging mappings that merge others) is refused while it is composed."""
READ_SECONDS = 5.0
"""How long a file that is not a regular one (a FIFO, a device) may take to end."""
MAX_BILLING_ID = 200
"""The longest billing id (a Stripe price id is about 30 characters)."""
MAX_OVERAGE = 10**9
"""The largest overage price, in major units per unit: with usage bounded too, every
overage stays exact in the evaluator's arithmetic."""
_NUMBER_TEXT = 40
"""The longest text read as a number: ample for any bound, and short enough that no
conversion of it costs anything."""

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*", re.ASCII)
_T = TypeVar("_T")
_PLAN_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*(@[A-Za-z0-9][A-Za-z0-9_.-]*)?", re.ASCII)
"""A plan id may name a version after ``@`` (``pro@2024``): the old price of a plan,
kept (usually retired) for the accounts still on it."""
_OCTAL = re.compile(r"[-+]?0[0-7_]+")

Path_ = tuple[str | int, ...]

_YAML = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_YAML + t for t in ("str", "int", "float", "bool", "null"))
_MERGE, _TIMESTAMP, _SEQ, _MAP = (_YAML + t for t in ("merge", "timestamp", "seq", "map"))
_READS_AS = {_INT: "a number", _FLOAT: "a number", _BOOL: "true or false", _NULL: "null"}
_KINDS = {_INT: "a whole number", _FLOAT: "a number", _BOOL: "true or false"}


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, reading floats as `Decimal`."""

    def construct_decimal(self, node: yaml.ScalarNode) -> Decimal:
        text = str(self.construct_scalar(node)).replace("_", "").lower()
        special = {".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}
        return Decimal(special.get(text, text))


_Loader.add_constructor(_FLOAT, _Loader.construct_decimal)


class TooLarge(Exception):
    """A file went on past the byte limit it was read with."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"more than {limit} bytes")


def read_limited(path: str | os.PathLike[str], limit: int, seconds: float = READ_SECONDS) -> bytes:
    """The bytes of the file at `path`, read in chunks and at most `limit` of them:
    `TooLarge` past that, whatever size the file system reports. A file that is not a
    regular one (a FIFO, a device) must end within `seconds` (`TimeoutError`); it is
    opened without blocking, so a FIFO with no writer costs that wait, never a hang.
    `OSError` if the file cannot be read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        return _drain(fd, limit, None if regular else time.monotonic() + seconds)
    finally:
        os.close(fd)


def _drain(fd: int, limit: int, deadline: float | None) -> bytes:
    """Read `fd` to its end; `TooLarge` past `limit` bytes, `TimeoutError` past
    `deadline` (none for a regular file, which always ends)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError("not a regular file, and it did not end in time")
        try:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
        except BlockingIOError:  # a writer is there but has written nothing yet
            continue
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)


def read_catalog_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the catalog file at `path`, at most `MAX_CATALOG_BYTES` of them
    (`read_limited`); `InvalidCatalog` naming the file if it cannot be read, is larger,
    or is a pipe or device that does not end within `READ_SECONDS`."""
    try:
        return read_limited(path, MAX_CATALOG_BYTES, READ_SECONDS)
    except TooLarge:
        issue = CatalogIssue(
            "", f"is larger than {MAX_CATALOG_BYTES} bytes, the most a catalog may have"
        )
    except TimeoutError:
        reason = f"it is not a regular file and did not end within {READ_SECONDS:g} s"
        issue = CatalogIssue("", f"cannot read the file: {reason}")
    except (OSError, ValueError) as error:  # ValueError: a path with a NUL byte
        issue = CatalogIssue("", f"cannot read the file: {error}")
    raise InvalidCatalog(str(path), [issue])


def load_catalog(path: str | Path) -> Catalog:
    """Read, check and build the catalog in the YAML file at `path`.

    Raises `InvalidCatalog` listing every problem, each with its line and column.
    """
    data = read_catalog_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        issue = CatalogIssue("", f"cannot read the file: {error}")
        raise InvalidCatalog(str(path), [issue]) from None
    return parse_catalog(text, source=str(path))


def parse_catalog(text: str, source: str = "<string>") -> Catalog:
    """Check and build a catalog from YAML text; `source` names it in error messages."""
    if len(text) > MAX_CATALOG_BYTES:
        raise InvalidCatalog(source, [_too_big(len(text))])
    root, data, duplicates = _read(text, source)
    problems: list[tuple[Path_, str]] = []
    catalog = _check(data, problems)
    if problems or duplicates:
        issues = [*duplicates, *_Positions(root).locate(problems)]
        raise InvalidCatalog(source, sorted(issues, key=lambda i: (i.line, i.column)))
    assert catalog is not None
    if debugging():
        _log.debug("catalog.loaded", source=source, plans=len(catalog.plans))
    return catalog


def _read(text: str, source: str) -> tuple[yaml.Node | None, object, list[CatalogIssue]]:
    """The document's node graph, its data, and its duplicate keys; `InvalidCatalog` if
    it is not YAML the catalog can take."""
    loader = _Loader(text)
    composer = _Composer(loader)
    try:
        root = composer.document()
        if composer.problems:
            raise InvalidCatalog(source, sorted(composer.problems, key=_position))
        data = None if root is None else loader.construct_document(root)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        message = f"not valid YAML: {error.problem or error.context}"
        raise InvalidCatalog(source, [CatalogIssue("", message, *where)]) from None
    except yaml.reader.ReaderError as error:
        where = _text_position(text, error.position, _LIBYAML)
        char = error.character  # libyaml gives the code, the Python reader the character
        code = ord(char) if isinstance(char, str) else int(char)
        message = f"not valid YAML: unacceptable character #x{code:04x}: {error.reason}"
        raise InvalidCatalog(source, [CatalogIssue("", message, *where)]) from None
    except _Refused as error:
        where = _line_column(error.mark) if error.mark else (1, 1)
        raise InvalidCatalog(source, [CatalogIssue("", error.message, *where)]) from None
    except yaml.YAMLError as error:  # pragma: no cover - every other error has a mark
        raise InvalidCatalog(source, [CatalogIssue("", f"not valid YAML: {error}")]) from None
    finally:
        loader.dispose()
    return root, data, composer.duplicates


_LIBYAML = hasattr(yaml, "CSafeLoader")  # the base of `_Loader`: positions in bytes


def _text_position(text: str, position: int, in_bytes: bool) -> tuple[int, int]:
    """Line and column (1-based) of a reader error's position: a UTF-8 byte offset for
    libyaml, a character offset for the pure-Python reader."""
    if in_bytes:
        position = len(text.encode("utf-8")[:position].decode("utf-8", errors="ignore"))
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _position(issue: CatalogIssue) -> tuple[int, int]:
    return issue.line, issue.column


def _issue(path: Path_, message: str, mark: Any) -> CatalogIssue:
    return CatalogIssue(_render(path), message, mark.line + 1, mark.column + 1)


@attrs.define
class _Open:
    """A sequence or mapping being composed."""

    node: yaml.SequenceNode | yaml.MappingNode
    path: Path_
    size: int = 1
    key: yaml.Node | None = None
    merges: int = 0


class _Composer:
    """Builds the node graph from the parser's events, checking as it goes.

    PyYAML's composer (and libyaml's) would build any graph first and leave every check
    to a walk over it afterwards, which follows each alias every time it is reached.
    This one sees each node once: values are counted as they are composed (an alias as
    the size of what it names), keys checked as they are read and for duplicates where
    their mapping ends; scalars that are not text are checked (and constructed, so that
    the constructor reuses them) once the graph is complete. Problems of the YAML itself
    are collected in `problems`; running over a limit stops at once (`_Refused`).
    """

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.resolved_first = frozenset(loader.yaml_implicit_resolvers)
        self.anchors: dict[str, yaml.Node] = {}
        self.sizes: dict[int, int] = {}  # collections: how many values each stands for
        self.merges: dict[int, int] = {}  # mappings with merge keys: chain length
        self.open: set[int] = set()
        self.count = 0
        self.aliased = False
        self.scalars: list[tuple[yaml.ScalarNode, Path_]] = []  # checked at the end
        self.problems: list[CatalogIssue] = []
        self.duplicates: list[CatalogIssue] = []

    def document(self) -> yaml.Node | None:
        loader = self.loader
        loader.get_event()  # stream start
        root = None
        if not loader.check_event(yaml.StreamEndEvent):
            loader.get_event()  # document start
            root = self.node()
            loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise yaml.composer.ComposerError(
                None, None, "expected a single document, found another", event.start_mark
            )
        self.check_scalars()
        return root

    def node(self) -> yaml.Node:
        """The next node, composed without recursion (the hot loop: one pass per event)."""
        stack: list[_Open] = []
        get_event = self.loader.get_event
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                node: yaml.Node = self.scalar(event)
                size = 1
                self.count += 1
            elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                stack.append(self.start(event, stack))
                continue
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                done = stack.pop()
                node, size = self.end(done), done.size
            else:
                node = self.alias(event, stack)
                size = self.sizes.get(id(node), 1)
                self.count += size
            if self.count > MAX_CATALOG_VALUES:
                hint = " (YAML aliases?)" if self.aliased else ""
                raise _Refused(f"expands to more than {MAX_CATALOG_VALUES} values{hint}")
            if not stack:
                if isinstance(node, yaml.ScalarNode):
                    self.scalars.append((node, ()))
                return node
            self.attach(stack[-1], node, size)

    @staticmethod
    def path(stack: list[_Open]) -> Path_:
        """The path of the node about to be attached to the top of `stack`."""
        if not stack:
            return ()
        top = stack[-1]
        if isinstance(top.node, yaml.SequenceNode):
            return (*top.path, len(top.node.value))
        if top.key is None:
            return top.path
        return (*top.path, _key_text(top.key))

    def start(self, event: Any, stack: list[_Open]) -> _Open:
        is_map = type(event) is yaml.MappingStartEvent
        cls = yaml.MappingNode if is_map else yaml.SequenceNode
        plain = _MAP if is_map else _SEQ
        mark: Any = event.start_mark
        path = self.path(stack)
        if len(stack) >= MAX_CATALOG_DEPTH:
            raise _Refused(f"nests deeper than {MAX_CATALOG_DEPTH} levels", mark)
        tag = event.tag
        if tag is not None and tag != "!" and tag != plain:
            self.problems.append(_issue(path, _untaken(tag), mark))
        node = cls(plain, [], mark, None, flow_style=event.flow_style)
        self.count += 1
        if event.anchor is not None:
            self.anchors[event.anchor] = node  # a later anchor of the same name wins
        self.open.add(id(node))
        return _Open(node, path)

    def end(self, done: _Open) -> yaml.Node:
        node = done.node
        self.open.discard(id(node))
        self.sizes[id(node)] = done.size
        if done.merges:
            self.merges[id(node)] = done.merges
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, _ in node.value:
                if key.tag == _STR:
                    if key.value in seen:
                        self.duplicates.append(
                            _issue(
                                (*done.path, key.value),
                                "duplicate key; an earlier one has the same name",
                                key.start_mark,
                            )
                        )
                    seen.add(key.value)
        return node

    def alias(self, event: Any, stack: list[_Open]) -> yaml.Node:
        self.aliased = True
        node = self.anchors.get(event.anchor)
        if node is None:
            message = f"*{event.anchor} names no anchor (&{event.anchor}) defined before it"
        elif id(node) in self.open:
            message = f"*{event.anchor} is inside the value it names (a recursive alias)"
        else:
            return node
        mark: Any = event.start_mark
        self.problems.append(_issue(self.path(stack), message, mark))
        return yaml.ScalarNode(_NULL, "", mark, None)

    def scalar(self, event: Any) -> yaml.ScalarNode:
        tag, value = event.tag, event.value
        if tag is None or tag == "!":
            if not event.implicit[0] or (value and value[0] not in self.resolved_first):
                tag = _STR  # quoted, or plain and like no number, boolean or null
            else:
                tag = self.loader.resolve(yaml.ScalarNode, value, event.implicit)
                if tag == _TIMESTAMP:  # as in YAML 1.2 and JSON Schema: a date is text
                    tag = _STR
        mark: Any = event.start_mark
        node = yaml.ScalarNode(tag, value, mark, None, style=event.style)
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        return node

    def attach(self, parent: _Open, node: yaml.Node, size: int) -> None:
        parent.size += size
        value = parent.node.value
        if isinstance(parent.node, yaml.SequenceNode):
            if node.tag != _STR and isinstance(node, yaml.ScalarNode):
                self.scalars.append((node, (*parent.path, len(value))))
            value.append(node)
        elif parent.key is None:
            parent.key = self.checked_key(parent.path, node)
        else:
            key = parent.key
            if node.tag != _STR and isinstance(node, yaml.ScalarNode):
                self.scalars.append((node, (*parent.path, key.value)))
            if key.tag == _MERGE:
                parent.merges = max(parent.merges, 1 + self.merged(node))
                if parent.merges > MAX_CATALOG_DEPTH:
                    raise _Refused(
                        f"merges mappings more than {MAX_CATALOG_DEPTH} deep", key.start_mark
                    )
            value.append((key, node))
            parent.key = None

    def merged(self, node: yaml.Node) -> int:
        """How long the chain of merges in what a merge key takes is."""
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        return max((self.merges.get(id(n), 0) for n in nodes), default=0)

    def checked_key(self, path: Path_, key: yaml.Node) -> yaml.Node:
        if not isinstance(key, yaml.ScalarNode):
            kind = "mapping" if isinstance(key, yaml.MappingNode) else "list"
            self.problems.append(_issue(path, f"a key must be text, not a {kind}", key.start_mark))
            return yaml.ScalarNode(_STR, "", key.start_mark, None)
        if key.tag in _READS_AS:
            shown = key.value or "~"
            self.problems.append(
                _issue(
                    (*path, shown),
                    f"the key {_shown(shown)} reads as {_READS_AS[key.tag]}, not text; "
                    f"quote it if it is a name: '{_shown(shown)}'",
                    key.start_mark,
                )
            )
        elif key.tag not in (_STR, _MERGE):
            self.problems.append(_issue(path, _untaken(key.tag), key.start_mark))
        else:
            return key
        return yaml.ScalarNode(_STR, key.value, key.start_mark, None)

    def check_scalars(self) -> None:
        """Numbers, booleans and tags, checked once each and constructed now (the
        constructor reuses the values); a bad one becomes text, its problem noted."""
        checked: set[int] = set()
        for node, path in self.scalars:
            if id(node) in checked or node.tag in (_STR, _NULL):
                continue
            checked.add(id(node))
            if node.tag == _MERGE:  # ``<<`` merges only as a key
                node.tag = _STR
                continue
            problem = self.scalar_problem(node)
            if problem is not None:
                self.problems.append(_issue(path, problem, node.start_mark))
                node.tag = _STR

    def scalar_problem(self, node: yaml.ScalarNode) -> str | None:
        text: str = node.value
        if node.tag not in _KINDS:
            return _untaken(node.tag)
        if node.tag in (_INT, _FLOAT):
            if len(text) > _NUMBER_TEXT:
                return f"{brief(text)} is too long for a number"
            if ":" in text:
                return (
                    f"{text} is a base-60 number in YAML 1.1; write it in base 10, "
                    "or quote it if it is text"
                )
            if node.tag == _INT and _OCTAL.fullmatch(text):
                return (
                    f"{text} is an octal number in YAML 1.1 (a leading 0); write it "
                    "without the 0, or quote it if it is text"
                )
        try:
            self.loader.construct_object(node)
        except (yaml.YAMLError, ArithmeticError, LookupError, ValueError, TypeError):
            return f"{_shown(text)} is not {_KINDS[node.tag]}"
        return None


class _Refused(Exception):
    """The document runs over a limit; composing stops."""

    def __init__(self, message: str, mark: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def _shown(text: str) -> str:
    """Text as a message quotes it: as written if it is short and plain, else its repr."""
    return text if len(text) <= _NUMBER_TEXT and text.isprintable() else brief(text)


def _key_text(key: yaml.Node) -> str:
    return key.value if isinstance(key, yaml.ScalarNode) else "?"


def _line_column(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _untaken(tag: str) -> str:
    shown = "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag
    return f"the tag {brief(shown)} is not used in a catalog; write the value plainly"


def catalog_from_dict(data: Mapping[str, Any], source: str = "<dict>") -> Catalog:
    """Check and build a catalog from an already parsed document.

    Amounts should be `str`, `int` or `Decimal`; a float is refused because it cannot
    hold most prices exactly.
    """
    problems: list[tuple[Path_, str]] = []
    catalog = _check(data, problems)
    if problems:
        raise InvalidCatalog(source, [CatalogIssue(_render(p), m) for p, m in problems])
    assert catalog is not None
    return catalog


def _too_big(size: int) -> CatalogIssue:
    return CatalogIssue("", f"is {size} bytes; a catalog may have at most {MAX_CATALOG_BYTES}")


def _check(data: object, problems: list[tuple[Path_, str]]) -> Catalog | None:
    if not isinstance(data, dict):
        problems.append(((), f"the catalog must be a mapping, got {type(data).__name__}"))
        return None
    if _count_values(data) > MAX_CATALOG_VALUES:
        problems.append(((), f"expands to more than {MAX_CATALOG_VALUES} values (YAML aliases?)"))
        return None
    return _Builder(_structure(data, problems), problems).build()


_FIELDS = typing.get_type_hints(CatalogSpec)
_SECTIONS = {
    name: typing.get_args(tp)[1]
    for name, tp in _FIELDS.items()
    if name.endswith("s") and typing.get_origin(tp) is dict
}
_REQUIRED = [field.name for field in attrs.fields(CatalogSpec) if field.default is attrs.NOTHING]


def _structure(data: dict[str, Any], problems: list[tuple[Path_, str]]) -> CatalogSpec:
    """Structure the document entry by entry, so that one broken plan does not hide the
    problems of the others; entries with shape errors are left out of the result."""
    for key in data.keys() - _FIELDS.keys():
        problems.append(((key,), f"unknown key; expected one of: {', '.join(_FIELDS)}"))
    for key in _REQUIRED:
        if key not in data:
            problems.append(((key,), "required key is missing"))
    if "plans" in data and not data["plans"]:
        problems.append((("plans",), "define at least one plan"))
    values: dict[str, Any] = {"currency": "", "plans": {}}
    for name, tp in _FIELDS.items():
        if name not in data:
            continue
        if name in _SECTIONS:
            values[name] = _entries(name, data[name], _SECTIONS[name], problems)
            continue
        try:
            values[name] = converter.structure(data[name], tp)
        except (ClassValidationError, IterableValidationError) as error:
            problems.extend(_shape_problems(error, (name,)))
        except (ValueError, TypeError, AttributeError) as error:
            problems.extend(_shape_problems(error, (name,)))
    return CatalogSpec(**values)


def _entries(
    name: str, entries: object, cls: type, problems: list[tuple[Path_, str]]
) -> dict[str, Any]:
    if entries is None:
        return {}
    if not isinstance(entries, dict):
        problems.append(((name,), f"expected a mapping of id to {name[:-1]}"))
        return {}
    structured: dict[str, Any] = {}
    for key, value in entries.items():
        if not isinstance(key, str):  # only from Python data: YAML keys are checked
            problems.append(((name, str(key)), f"an id must be text, got {_kind(key)}"))
            continue
        if not isinstance(value, dict) and not (value is None and cls in BLANK_IS_EMPTY):
            problems.append(((name, key), f"expected a mapping, got {_kind(value)}"))
            continue
        try:
            structured[key] = converter.structure(value, cls)
        except (ClassValidationError, IterableValidationError) as error:
            found = list(_shape_problems(error, (name, key)))
            problems.extend(found)
            unknown = [path[2:] for path, message in found if message.startswith("unknown key")]
            if len(unknown) == len(found):  # only unknown keys: check the rest's meaning too
                with contextlib.suppress(ClassValidationError, IterableValidationError):
                    structured[key] = converter.structure(_without(value, unknown), cls)
        except ValueError as error:
            problems.append(((name, key), str(error)))
    return structured


def _without(value: Any, paths: list[Path_]) -> Any:
    """A copy of `value` without the keys at `paths` (steps: keys and list indexes)."""
    if not paths:
        return value
    here = {path[0] for path in paths if len(path) == 1}
    deeper: dict[Any, list[Path_]] = {}
    for path in paths:
        if len(path) > 1:
            deeper.setdefault(path[0], []).append(path[1:])
    if isinstance(value, dict):
        return {k: _without(v, deeper.get(k, [])) for k, v in value.items() if k not in here}
    if isinstance(value, list):
        return [_without(v, deeper.get(i, [])) for i, v in enumerate(value)]
    return value


def _kind(value: object) -> str:
    name = type(value).__name__
    return f"{name} {brief(value)}" if isinstance(value, int | str) else name


def _count_values(data: object) -> int:
    """Values reachable from `data`, counting shared ones each time they are reached."""
    count = 0
    stack = [data]
    while stack and count <= MAX_CATALOG_VALUES:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


# -- shape errors from cattrs ---------------------------------------------------------


def _shape_problems(error: BaseException, path: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(error, ClassValidationError | IterableValidationError):
        with_notes, without = error.group_exceptions()
        for sub, note in with_notes:
            step = note.name if hasattr(note, "name") else note.index
            yield from _shape_problems(sub, (*path, step))
        for sub in without:
            yield from _shape_problems(sub, path)
    elif isinstance(error, ForbiddenExtraKeysError):
        known = ", ".join(a.name for a in error.cl.__attrs_attrs__)  # type: ignore[attr-defined]
        for key in sorted(error.extra_fields):
            yield (*path, key), f"unknown key; expected one of: {known}"
    elif isinstance(error, KeyError):
        yield path, "required key is missing"
    elif isinstance(error, ValueError):
        yield path, str(error)
    elif isinstance(error, TypeError | AttributeError):
        yield path, "expected a mapping" if "item" in str(error) else f"wrong type ({error})"
    else:  # pragma: no cover - cattrs raises only the above for structuring
        yield path, f"invalid value ({error})"


# -- meaning --------------------------------------------------------------------------


class _Builder:
    """Turns a structured `CatalogSpec` into a `Catalog`, noting every problem of meaning."""

    def __init__(self, spec: CatalogSpec, problems: list[tuple[Path_, str]]) -> None:
        self.spec = spec
        self.problems = problems
        self.currency: Currency | None = None
        self.currency_code = spec.currency
        self.others: dict[str, Currency] = {}
        self.listed = True
        """The catalog's other currencies by code."""

    def problem(self, path: Path_, message: str) -> None:
        self.problems.append((path, message))

    def build(self) -> Catalog | None:
        spec = self.spec
        try:
            self.currency = Currency.of(spec.currency)
        except NudgeError as error:
            if not any(path == ("currency",) for path, _ in self.problems):
                self.problem(("currency",), str(error))
        before = len(self.problems)
        self.others = self.currencies(spec.currencies)
        self.listed = not any(path[:1] == ("currencies",) for path, _ in self.problems)
        """Whether `currencies` was read whole: if not, options in currencies it does not
        list are not reported again (its own problem says why)."""
        metrics = {key: self.metric(key, value) for key, value in spec.metrics.items()}
        features = {
            key: Feature(id=key, name=value.name or key, description=value.description)
            for key, value in spec.features.items()
            if self.valid_id(("features", key))
        }
        plans = {key: self.plan(key, value) for key, value in spec.plans.items()}
        addons = {key: self.addon(key, value) for key, value in spec.addons.items()}
        for key in plans.keys() & addons.keys():
            self.problem(("addons", key), f"{key!r} is already the id of a plan")
        default_locale = self.locale(spec.default_locale)
        if spec.plans and all(plan.retired for plan in spec.plans.values()):
            self.problem(("plans",), "every plan is retired; at least one must be sold")
        known = {
            "metrics": spec.metrics,
            "features": spec.features,
            "plans": spec.plans,
            "retired": {key for key, plan in spec.plans.items() if plan.retired},
            "addons": spec.addons,
            "placements": spec.placements,
        }
        self.caps(spec)
        builder = RuleBuilder(known, default_locale, self.problem)
        rules = {key: builder.build(key, value) for key, value in spec.nudges.items()}
        comparison = self.comparison_messages(builder, spec)
        signals = {key: self.silenced(key, value.silences) for key, value in spec.signals.items()}
        if len(self.problems) > before or self.currency is None:
            return None
        return Catalog(
            default_locale=default_locale,
            interval_names=self.interval_names(spec.interval_names),
            comparison_messages=comparison,
            quiet_days_after_signup=spec.quiet_days_after_signup,
            placements={key: value.max for key, value in spec.placements.items()},
            caps=Caps(per_day=spec.caps.per_day, per_week=spec.caps.per_week),
            placement_caps={
                key: Caps(per_day=value.per_day, per_week=value.per_week)
                for key, value in spec.placements.items()
                if value.per_day or value.per_week
            },
            signals=signals,
            rules={key: rule for key, rule in rules.items() if rule is not None},
            currency=self.currency,
            currencies=tuple(self.others.values()),
            proration=ProrationPolicy(**attrs.asdict(spec.proration, recurse=False)),
            metrics=metrics,
            features=features,
            plans=plans,
            addons=addons,
        )

    def currencies(self, codes: Sequence[str]) -> dict[str, Currency]:
        """The catalog's other currencies, each a known ISO 4217 code listed once."""
        found: dict[str, Currency] = {}
        for index, code in enumerate(codes):
            path: Path_ = ("currencies", index)
            try:
                currency = Currency.of(code)
            except NudgeError as error:
                self.problem(path, str(error))
                continue
            if currency == self.currency:
                self.problem(path, f"{currency.code} is the catalog's own `currency`")
            elif currency.code in found:
                self.problem(path, f"{currency.code} is listed twice")
            else:
                found[currency.code] = currency
        return found

    def options(self, path: Path_, given: Mapping[str, _T]) -> dict[str, tuple[str, _T]]:
        """`currency_options` by currency code, each with the key it is written under;
        each must be one of the catalog's `currencies`."""
        options: dict[str, tuple[str, _T]] = {}
        for key, value in given.items():
            code = key.upper()
            if code in options:
                self.problem((*path, key), f"{code} is given twice")
            elif code in self.others:
                options[code] = (key, value)
            elif self.listed:
                listed = ", ".join(self.others) or "none"
                self.problem(
                    (*path, key),
                    f"{key!r} is not one of the catalog's `currencies` (listed: {listed})",
                )
        return options

    def same_intervals(
        self, path: Path_, code: str, got: Mapping[Interval, Any], own: Mapping[Interval, Any]
    ) -> None:
        """An item is sold by the same intervals in every currency."""
        missing = [str(i) for i in own if i not in got]
        extra = [str(i) for i in got if i not in own]
        sold = ", ".join(str(i) for i in own) or "none (it is free)"
        if missing:
            self.problem(path, f"no {code} price by {', '.join(missing)}; it is sold by: {sold}")
        if extra:
            self.problem(
                path,
                f"priced in {code} by {', '.join(extra)}, which it is not sold by in "
                f"{self.currency_code} (sold by: {sold})",
            )

    def plan_options(
        self,
        path: Path_,
        spec: Mapping[str, PlanCurrencySpec],
        prices: Mapping[Interval, Price],
        overage: Mapping[str, Decimal],
    ) -> dict[str, CurrencyPrices]:
        """A plan's prices in each other currency: by the same intervals, with an overage
        price for each of its soft limits (one that is free in the catalog's currency may
        be left out: free in every currency)."""
        given = self.options(path, spec)
        options: dict[str, CurrencyPrices] = {}
        for code, currency in self.others.items():
            key, option = given.get(code, (code, PlanCurrencySpec()))
            at: Path_ = (*path, key)
            if code not in given and (prices or any(overage.values())):
                self.problem(path, f"no prices in {code}, which `currencies` lists")
                continue
            read = functools.partial(self.seat_price, currency=currency)
            got = self.prices((*at, "prices"), option.prices, read)
            self.same_intervals((*at, "prices"), code, got, prices)
            for interval, price in got.items():
                own = prices.get(interval)
                if own is None:
                    continue
                if bool(price.per_seat) != bool(own.per_seat):
                    how = "per seat" if own.per_seat else "flat (no per-seat price)"
                    self.problem(
                        (*at, "prices"),
                        f"by {interval} it is priced {how} in {self.currency_code}, and must "
                        f"be in {code} too: a price is built the same way in every currency",
                    )
                elif price.included_seats != own.included_seats:
                    self.problem(
                        (*at, "prices"),
                        f"by {interval} includes {price.included_seats} seats; in "
                        f"{self.currency_code} it includes {own.included_seats}, and seats "
                        "are the same in every currency",
                    )
            rates: dict[str, Decimal] = {}
            for metric, value in option.overage.items():
                if metric in overage:
                    rates[metric] = self.rate((*at, "overage", metric), value, currency)
                else:
                    soft = ", ".join(overage) or "none"
                    self.problem(
                        (*at, "overage", metric),
                        f"{metric!r} is not a soft limit of this plan (its soft limits: {soft})",
                    )
            for metric, rate in overage.items():
                if metric not in rates and rate:
                    self.problem((*at, "overage"), f"no {code} overage price for {metric!r}")
                rates.setdefault(metric, Decimal(0))
            options[code] = CurrencyPrices(prices=got, overage=rates)
        return options

    def addon_options(
        self, path: Path_, spec: Mapping[str, AddOnCurrencySpec], prices: Mapping[Interval, int]
    ) -> dict[str, dict[Interval, int]]:
        """An add-on's unit prices in each other currency, by the same intervals."""
        given = self.options(path, spec)
        options: dict[str, dict[Interval, int]] = {}
        for code, currency in self.others.items():
            if code not in given:
                self.problem(path, f"no prices in {code}, which `currencies` lists")
                continue
            key, option = given[code]
            at: Path_ = (*path, key, "prices")
            read = functools.partial(self.amount, currency=currency)
            got = self.prices(at, option.prices, read)
            self.same_intervals(at, code, got, prices)
            options[code] = got
        return options

    def locale(self, text: str) -> str:
        try:
            return locale_key(text)
        except (ValueError, UnknownLocaleError):
            self.problem(("default_locale",), f"{text!r} is not a known locale")
            return text

    def interval_names(
        self, spec: Mapping[str, Mapping[str, str]]
    ) -> dict[str, dict[Interval, str]]:
        names: dict[str, dict[Interval, str]] = {}
        for locale, words in spec.items():
            try:
                key = locale_key(locale)
            except (ValueError, UnknownLocaleError):
                self.problem(("interval_names", locale), f"{locale!r} is not a known locale")
                continue
            names[key] = {}
            for text, word in words.items():
                try:
                    names[key][Interval.parse(text)] = word
                except NudgeError as error:
                    self.problem(("interval_names", locale, text), str(error))
        return names

    def caps(self, spec: CatalogSpec) -> None:
        """Caps across rules count no more impressions than a store keeps."""
        counted = [(("caps",), spec.caps)] + [
            (("placements", key), value) for key, value in spec.placements.items()
        ]
        for path, caps in counted:
            for name in ("per_day", "per_week"):
                if getattr(caps, name) > MAX_COUNTED:
                    self.problem((*path, name), too_many(getattr(caps, name)))

    def comparison_messages(
        self, builder: RuleBuilder, spec: CatalogSpec
    ) -> dict[str, dict[str, str]]:
        messages: dict[str, dict[str, str]] = {}
        for locale, texts in spec.comparison_messages.items():
            path: Path_ = ("comparison_messages", locale)
            try:
                key = locale_key(locale)
            except (ValueError, UnknownLocaleError):
                self.problem(path, f"{locale!r} is not a known locale")
                continue
            messages[key] = attrs.asdict(texts)
            for name, text in messages[key].items():
                builder.placeholders((*path, name), text, COMPARISON_PLACEHOLDERS)
        return messages

    def silenced(self, signal: str, rules: Sequence[str]) -> frozenset[str]:
        for index, rule in enumerate(rules):
            if rule != "all" and rule not in self.spec.nudges:
                self.problem(
                    ("signals", signal, "silences", index),
                    f"unknown rule {brief(rule)}; use one of: "
                    + choices(["all", *self.spec.nudges]),
                )
        return frozenset(rules)

    def valid_id(self, path: Path_, pattern: re.Pattern[str] = _ID) -> bool:
        key = str(path[-1])
        if pattern.fullmatch(key):
            return True
        also = ", and a version after '@'" if pattern is _PLAN_ID else ""
        self.problem(path, f"{key!r} is not a valid id: use letters, digits, '_' and '-'{also}")
        return False

    def metric(self, key: str, spec: Any) -> Metric:
        path: Path_ = ("metrics", key)
        self.valid_id(path)
        reset = spec.reset
        if spec.kind is MetricKind.GAUGE and reset is not None:
            self.problem((*path, "reset"), "only counters reset; a gauge is a current level")
        elif spec.kind is MetricKind.COUNTER and reset is None:
            reset = Reset.BILLING_PERIOD
        return Metric(id=key, kind=spec.kind, unit=spec.unit, name=spec.name or key, reset=reset)

    def plan(self, key: str, spec: PlanSpec) -> Plan:
        path: Path_ = ("plans", key)
        self.valid_id(path, _PLAN_ID)
        prices = self.prices((*path, "prices"), spec.prices, self.seat_price)
        limits: dict[str, Limit] = {}
        overage: dict[str, Decimal] = {}
        for metric, value in spec.limits.items():
            at = (*path, "limits", metric)
            if not self.known(at, metric, self.spec.metrics, "metric"):
                continue
            if isinstance(value, SoftLimitSpec):
                limits[metric] = value.limit
                overage[metric] = self.rate((*at, "overage"), value.overage)
            else:
                limits[metric] = UNLIMITED if value == "unlimited" else Decimal(value)
        features = self.feature_list((*path, "features"), spec.features)
        options = self.plan_options(
            (*path, "currency_options"), spec.currency_options, prices, overage
        )
        return Plan(
            id=key,
            name=spec.name or key,
            description=spec.description,
            prices=prices,
            limits=limits,
            overage=overage,
            features=features,
            popular=spec.popular,
            billing_ids=self.billing_ids((*path, "billing_ids"), spec.billing_ids, prices),
            retired=spec.retired,
            currency_options=options,
        )

    def addon(self, key: str, spec: AddOnSpec) -> AddOn:
        path: Path_ = ("addons", key)
        self.valid_id(path)
        if not spec.prices:
            self.problem((*path, "prices"), "an add-on needs a price for at least one interval")
        prices = self.prices((*path, "prices"), spec.prices, self.amount)
        for metric in spec.grants:
            self.known((*path, "grants", metric), metric, self.spec.metrics, "metric")
        plans: set[str] = set()
        for index, plan in enumerate(spec.plans):
            if plan in plans:
                self.problem((*path, "plans", index), f"{plan!r} is listed twice")
            self.known((*path, "plans", index), plan, self.spec.plans, "plan")
            plans.add(plan)
        if spec.min_plan:
            self.known((*path, "min_plan"), spec.min_plan, self.spec.plans, "plan")
        return AddOn(
            id=key,
            name=spec.name or key,
            description=spec.description,
            prices=prices,
            grants=dict(spec.grants),
            features=self.feature_list((*path, "features"), spec.features),
            plans=frozenset(plans),
            min_plan=spec.min_plan,
            billing_ids=self.billing_ids((*path, "billing_ids"), spec.billing_ids, prices),
            currency_options=self.addon_options(
                (*path, "currency_options"), spec.currency_options, prices
            ),
        )

    def by_interval(
        self, path: Path_, spec: Mapping[str, _T]
    ) -> Iterator[tuple[str, Interval, _T]]:
        """The entries of a mapping keyed by interval, each key parsed; a key that is not
        an interval is reported at its path and left out."""
        for text, value in spec.items():
            try:
                yield text, Interval.parse(text), value
            except NudgeError as error:
                self.problem((*path, text), str(error))

    def prices(self, path: Path_, spec: Mapping[str, Any], read: Any) -> dict[Interval, Any]:
        prices: dict[Interval, Any] = {}
        for text, interval, value in self.by_interval(path, spec):
            if interval in prices:
                self.problem((*path, text), f"the same interval as another key ({interval})")
            prices[interval] = read((*path, text), value)
        return prices

    def billing_ids(
        self, path: Path_, spec: Mapping[str, str], prices: Mapping[Interval, Any]
    ) -> dict[Interval, str]:
        """Billing ids by interval: each for an interval the item is priced by (a plan
        with no prices is free by every interval), as printable text up to
        `MAX_BILLING_ID` characters."""
        ids: dict[Interval, str] = {}
        for text, interval, value in self.by_interval(path, spec):
            if prices and interval not in prices:
                sold = ", ".join(str(i) for i in prices)
                self.problem((*path, text), f"no price for {interval}; it is priced by: {sold}")
            elif not value or len(value) > MAX_BILLING_ID or not value.isprintable():
                self.problem(
                    (*path, text),
                    f"a billing id must be printable text of 1 to {MAX_BILLING_ID} characters, "
                    f"got {brief(value)}",
                )
            else:
                ids[interval] = value
        return ids

    def amount(self, path: Path_, value: Decimal, currency: Currency | None = None) -> int:
        """A price as whole minor units of `currency` (the catalog's by default), exactly;
        at most `MAX_AMOUNT`."""
        currency = currency or self.currency
        if currency is None:  # already reported; decimals cannot be checked
            return 0
        if places(value) > currency.decimals:
            self.problem(path, str(InexactAmount(value, currency.code, currency.decimals)))
            return 0
        minor = int(Fraction(value) * currency.scale)  # a whole number: exact
        if minor > MAX_AMOUNT:
            largest = Decimal(MAX_AMOUNT).scaleb(-currency.decimals)
            self.problem(path, f"{value} is more than a price may be ({largest:f})")
            return 0
        return minor

    def rate(self, path: Path_, value: Decimal, currency: Currency | None = None) -> Decimal:
        """An overage price as exact minor units of `currency` (the catalog's by default),
        to `OVERAGE_PLACES` beyond them."""
        currency = currency or self.currency
        if currency is None:  # already reported; decimals cannot be checked
            return Decimal(0)
        places = currency.decimals + OVERAGE_PLACES
        text = f"{value:f}"
        if len(text.partition(".")[2].rstrip("0")) > places:
            self.problem(
                path,
                f"{text} has more than {places} decimals; an overage price in "
                f"{currency.code} may have at most {places}",
            )
        elif value > MAX_OVERAGE:
            self.problem(path, f"{value} is more than an overage price may be ({MAX_OVERAGE})")
        else:
            return value.scaleb(currency.decimals)
        return Decimal(0)

    def seat_price(
        self, path: Path_, value: Decimal | SeatPriceSpec, currency: Currency | None = None
    ) -> Price:
        if isinstance(value, Decimal):
            return Price(base=self.amount(path, value, currency))
        return Price(
            base=self.amount((*path, "base"), value.base, currency),
            per_seat=self.amount((*path, "per_seat"), value.per_seat, currency),
            included_seats=value.included_seats,
        )

    def known(self, path: Path_, key: str, defined: Mapping[str, Any], kind: str) -> bool:
        if key in defined:
            return True
        self.problem(path, f"unknown {kind} {brief(key)}; the catalog defines: {choices(defined)}")
        return False

    def feature_list(self, path: Path_, names: Sequence[str]) -> frozenset[str]:
        seen: set[str] = set()
        for index, name in enumerate(names):
            if name in seen:
                self.problem((*path, index), f"{name!r} is listed twice")
            self.known((*path, index), name, self.spec.features, "feature")
            seen.add(name)
        return frozenset(seen)


# -- positions ------------------------------------------------------------------------


def _render(path: Path_) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


class _Positions:
    """Finds where a path is written: the key if it is a mapping entry, the item if it
    is a list entry, the deepest existing node if it is missing. Each mapping is indexed
    once, on first use, so locating many problems stays linear."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root
        self.keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}

    def locate(self, problems: Sequence[tuple[Path_, str]]) -> list[CatalogIssue]:
        issues = []
        for path, message in problems:
            mark = self.mark(path)
            where = _line_column(mark) if mark is not None else (1, 1)
            issues.append(CatalogIssue(_render(path), message, *where))
        return issues

    def mark(self, path: Path_) -> yaml.Mark | None:
        node = self.root
        if node is None:
            return None
        mark = node.start_mark
        for step in path:
            if isinstance(node, yaml.MappingNode):
                entry = self.entries(node).get(str(step))
                if entry is None:
                    break
                key, node = entry
                mark = key.start_mark
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if step >= len(node.value):
                    break
                node = node.value[step]
                mark = node.start_mark
            else:
                break
        return mark

    def entries(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """The mapping's entries by key; the last of duplicates, as in the data."""
        found = self.keys.get(id(node))
        if found is None:
            found = {key.value: (key, value) for key, value in node.value}
            self.keys[id(node)] = found
        return found
