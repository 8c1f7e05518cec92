"""Loading the plan YAML: parse safely, structure with cattrs, check meaning, build.

Every problem is collected before anything is raised, so a product team sees all of
them at once, each as ``FILE:LINE:COLUMN: path.to.key: message``. Numbers written in
the YAML never pass through float: the loader reads them as `Decimal` from their text.
Positions are looked up only when something is wrong, so a good catalog costs one
parse.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import yaml
from babel import UnknownLocaleError
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from nudge_sdk._errors import CatalogIssue, InvalidCatalog, NudgeError
from nudge_sdk._log import debugging
from nudge_sdk._log import log as _log
from nudge_sdk.billing._money import Currency, Money
from nudge_sdk.billing._periods import Interval
from nudge_sdk.catalog._catalog import (
    OVERAGE_PLACES,
    UNLIMITED,
    AddOn,
    Caps,
    Catalog,
    Feature,
    Limit,
    Metric,
    MetricKind,
    Plan,
    Price,
    ProrationPolicy,
    Reset,
)
from nudge_sdk.catalog._rules import COMPARISON_PLACEHOLDERS, RuleBuilder, locale_key
from nudge_sdk.catalog._spec import (
    BLANK_IS_EMPTY,
    AddOnSpec,
    CatalogSpec,
    PlanSpec,
    SeatPriceSpec,
    SoftLimitSpec,
    converter,
)

__all__ = [
    "MAX_CATALOG_BYTES",
    "MAX_CATALOG_VALUES",
    "MAX_OVERAGE",
    "load_catalog",
    "parse_catalog",
]

MAX_CATALOG_BYTES = 4 * 1024 * 1024
"""A catalog file larger than this is refused before parsing."""
MAX_CATALOG_VALUES = 200_000
MAX_OVERAGE = 10**9
"""The largest overage price, in major units per unit: with usage bounded too, every
overage stays exact in the evaluator's arithmetic."""
"""A document that expands (through YAML aliases) to more values than this is refused."""

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*", re.ASCII)

Path_ = tuple[str | int, ...]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, reading floats as `Decimal` and noticing duplicate keys."""

    found_duplicates = False

    def construct_decimal(self, node: yaml.ScalarNode) -> Decimal:
        text = str(self.construct_scalar(node)).replace("_", "").lower()
        special = {".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}
        return Decimal(special.get(text, text))

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        if len(keys) != len(set(keys)):
            self.found_duplicates = True
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]


_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_decimal)


def load_catalog(path: str | Path) -> Catalog:
    """Read, check and build the catalog in the YAML file at `path`.

    Raises `InvalidCatalog` listing every problem, each with its line and column.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CATALOG_BYTES:
            raise InvalidCatalog(str(path), [_too_big(size)])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        issue = CatalogIssue("", f"cannot read the file: {error}")
        raise InvalidCatalog(str(path), [issue]) from None
    return parse_catalog(text, source=str(path))


def parse_catalog(text: str, source: str = "<string>") -> Catalog:
    """Check and build a catalog from YAML text; `source` names it in error messages."""
    if len(text) > MAX_CATALOG_BYTES:
        raise InvalidCatalog(source, [_too_big(len(text))])
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        message = f"not valid YAML: {error.problem or error.context}"
        raise InvalidCatalog(source, [CatalogIssue("", message, *where)]) from None
    except yaml.YAMLError as error:
        raise InvalidCatalog(source, [CatalogIssue("", f"not valid YAML: {error}")]) from None
    finally:
        loader.dispose()
    problems: list[tuple[Path_, str]] = []
    if loader.found_duplicates:
        problems.extend(_duplicates(yaml.compose(text, Loader=_Loader)))  # type: ignore[arg-type]
    catalog = _check(data, problems)
    if problems:
        raise InvalidCatalog(source, _locate(text, problems))
    assert catalog is not None
    if debugging():
        _log.debug("catalog.loaded", source=source, plans=len(catalog.plans))
    return catalog


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
        except ValueError as error:
            problems.append(((name,), str(error)))
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
        if not isinstance(value, dict) and not (value is None and cls in BLANK_IS_EMPTY):
            problems.append(((name, key), f"expected a mapping, got {_kind(value)}"))
            continue
        try:
            structured[key] = converter.structure(value, cls)
        except (ClassValidationError, IterableValidationError) as error:
            problems.extend(_shape_problems(error, (name, key)))
        except ValueError as error:
            problems.append(((name, key), str(error)))
    return structured


def _kind(value: object) -> str:
    name = type(value).__name__
    return f"{name} {value!r}" if isinstance(value, int | str) else name


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

    def problem(self, path: Path_, message: str) -> None:
        self.problems.append((path, message))

    def build(self) -> Catalog | None:
        spec = self.spec
        try:
            self.currency = Currency.of(spec.currency)
        except NudgeError as error:
            if spec.currency:  # a missing one is already reported
                self.problem(("currency",), str(error))
        before = len(self.problems)
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
        known = {
            "metrics": spec.metrics,
            "features": spec.features,
            "plans": spec.plans,
            "addons": spec.addons,
            "placements": spec.placements,
        }
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
            proration=ProrationPolicy(**attrs.asdict(spec.proration, recurse=False)),
            metrics=metrics,
            features=features,
            plans=plans,
            addons=addons,
        )

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
                choices = ", ".join(["all", *self.spec.nudges])
                self.problem(
                    ("signals", signal, "silences", index),
                    f"unknown rule {rule!r}; use one of: {choices}",
                )
        return frozenset(rules)

    def valid_id(self, path: Path_) -> bool:
        key = str(path[-1])
        if _ID.fullmatch(key):
            return True
        self.problem(path, f"{key!r} is not a valid id: use letters, digits, '_' and '-'")
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
        self.valid_id(path)
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
        return Plan(
            id=key,
            name=spec.name or key,
            description=spec.description,
            prices=prices,
            limits=limits,
            overage=overage,
            features=features,
            popular=spec.popular,
        )

    def addon(self, key: str, spec: AddOnSpec) -> AddOn:
        path: Path_ = ("addons", key)
        self.valid_id(path)
        if not spec.prices:
            self.problem((*path, "prices"), "an add-on needs a price for at least one interval")
        prices = self.prices((*path, "prices"), spec.prices, self.amount)
        for metric in spec.grants:
            self.known((*path, "grants", metric), metric, self.spec.metrics, "metric")
        return AddOn(
            id=key,
            name=spec.name or key,
            description=spec.description,
            prices=prices,
            grants=dict(spec.grants),
            features=self.feature_list((*path, "features"), spec.features),
        )

    def prices(self, path: Path_, spec: Mapping[str, Any], read: Any) -> dict[Interval, Any]:
        prices: dict[Interval, Any] = {}
        for text, value in spec.items():
            try:
                interval = Interval.parse(text)
            except NudgeError as error:
                self.problem((*path, text), str(error))
                continue
            if interval in prices:
                self.problem((*path, text), f"the same interval as another key ({interval})")
            prices[interval] = read((*path, text), value)
        return prices

    def amount(self, path: Path_, value: Decimal) -> int:
        if self.currency is None:  # already reported; decimals cannot be checked
            return 0
        try:
            return Money.parse(value, self.currency).minor
        except NudgeError as error:
            self.problem(path, str(error))
            return 0

    def rate(self, path: Path_, value: Decimal) -> Decimal:
        """An overage price as exact minor units, to `OVERAGE_PLACES` beyond them."""
        if self.currency is None:  # already reported; decimals cannot be checked
            return Decimal(0)
        places = self.currency.decimals + OVERAGE_PLACES
        text = f"{value:f}"
        if len(text.partition(".")[2].rstrip("0")) > places:
            self.problem(
                path,
                f"{text} has more than {places} decimals; an overage price in "
                f"{self.currency.code} may have at most {places}",
            )
        elif value > MAX_OVERAGE:
            self.problem(path, f"{value} is more than an overage price may be ({MAX_OVERAGE})")
        else:
            return value.scaleb(self.currency.decimals)
        return Decimal(0)

    def seat_price(self, path: Path_, value: Decimal | SeatPriceSpec) -> Price:
        if isinstance(value, Decimal):
            return Price(base=self.amount(path, value))
        return Price(
            base=self.amount((*path, "base"), value.base),
            per_seat=self.amount((*path, "per_seat"), value.per_seat),
            included_seats=value.included_seats,
        )

    def known(self, path: Path_, key: str, defined: Mapping[str, Any], kind: str) -> bool:
        if key in defined:
            return True
        choices = ", ".join(defined) or "none"
        self.problem(path, f"unknown {kind} {key!r}; the catalog defines: {choices}")
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


def _duplicates(node: yaml.Node, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key, value in node.value:
            if key.value in seen:
                yield (*path, key.value), "duplicate key; an earlier one has the same name"
            seen.add(key.value)
            yield from _duplicates(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicates(item, (*path, index))


def _locate(text: str, problems: Sequence[tuple[Path_, str]]) -> list[CatalogIssue]:
    """Attach the line and column of each problem's path: the key if it is a mapping
    entry, the item if it is a list entry, the deepest existing node if it is missing.
    Duplicate keys point at the later of the two."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:  # pragma: no cover - the text parsed a moment ago
        root = None
    issues = []
    for path, message in problems:
        mark = _mark(root, path, duplicate=message.startswith("duplicate key"))
        where = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
        issues.append(CatalogIssue(_render(path), message, *where))
    return sorted(issues, key=lambda issue: (issue.line, issue.column))


def _mark(node: yaml.Node | None, path: Path_, duplicate: bool) -> yaml.Mark | None:
    if node is None:
        return None
    mark = node.start_mark
    for step in path:
        if isinstance(node, yaml.MappingNode):
            entries = [(k, v) for k, v in node.value if k.value == step]
            if not entries:
                break
            key, node = entries[-1] if duplicate else entries[0]
            mark = key.start_mark
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                break
            node = node.value[step]
            mark = node.start_mark
        else:
            break
    return mark
