"""Kerio search queries over lists of dicts: conditions, combining, orderBy, start/limit, fields."""

import json
import operator

COMPARATORS = {
    "Eq": operator.eq,
    "NotEq": operator.ne,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessEq": operator.le,
    "GreaterEq": operator.ge,
}


class QueryError(ValueError):
    """The query is malformed (answered as JSON-RPC -32602)."""


def _field(item: dict, name: str):
    if name in item:
        return item[name]
    folded = str(name).casefold()
    return next((value for key, value in item.items() if key.casefold() == folded), None)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _texts(value):
    if isinstance(value, dict):
        for nested in value.values():
            yield from _texts(nested)
    elif value is not None:
        yield str(value)


def _compare(actual, comparator: str, wanted) -> bool:
    if comparator == "Like":
        needle = str(wanted).strip("*%").casefold()
        return actual is not None and needle in str(actual).casefold()
    if actual is None:
        return comparator == "NotEq"
    compare = COMPARATORS[comparator]
    if _is_number(actual):
        try:
            return compare(actual, float(wanted))
        except (TypeError, ValueError):
            return comparator == "NotEq"
    return compare(str(actual), str(wanted))


def _matches(item: dict, condition: dict) -> bool:
    field, wanted = condition.get("fieldName"), condition.get("value")
    if field == "SEARCH":
        needle = str(wanted or "").casefold()
        return any(needle in text.casefold() for text in _texts(item))
    return _compare(_field(item, field), condition.get("comparator", "Eq"), wanted)


def _sort_key(value):
    if _is_number(value):
        return (0, value, "")
    if value is None:
        return (2, 0, "")
    if isinstance(value, dict):
        value = value.get("NUMBER", json.dumps(value, sort_keys=True))
    return (1, 0, str(value).casefold())


def _check(query: dict) -> None:
    for condition in query.get("conditions") or []:
        if not isinstance(condition, dict) or "fieldName" not in condition:
            raise QueryError("a condition needs a fieldName")
        if condition.get("comparator", "Eq") not in (*COMPARATORS, "Like"):
            raise QueryError(f"unknown comparator {condition.get('comparator')!r}")
    if query.get("combining", "And") not in ("And", "Or"):
        raise QueryError("combining must be And or Or")
    for order in query.get("orderBy") or []:
        if not isinstance(order, dict) or order.get("direction", "Asc") not in ("Asc", "Desc"):
            raise QueryError("orderBy needs columnName and direction Asc or Desc")


def run_query(items: list[dict], query, cap: int | None = None) -> tuple[list[dict], int]:
    """The page of ``items`` the query asks for (at most ``cap``) and the number of all matches.

    Sorting is stable, so records with equal keys keep their stored order from page to page.
    """
    query = query or {}
    if not isinstance(query, dict):
        raise QueryError("query must be an object")
    _check(query)
    conditions = query.get("conditions") or []
    combine = any if query.get("combining", "And") == "Or" else all
    matched = [
        item for item in items if not conditions or combine(_matches(item, c) for c in conditions)
    ]
    for order in reversed(query.get("orderBy") or []):
        column = order.get("columnName")
        matched.sort(
            key=lambda item, column=column: _sort_key(_field(item, column)),
            reverse=order.get("direction", "Asc") == "Desc",
        )
    try:
        start = max(int(query.get("start") or 0), 0)
        limit = int(query.get("limit", -1))
    except (TypeError, ValueError) as exc:
        raise QueryError("start and limit must be integers") from exc
    if cap is not None and (limit < 0 or limit > cap):
        limit = cap
    page = matched[start:] if limit < 0 else matched[start : start + limit]
    fields = query.get("fields")
    if fields:
        wanted = {str(name).casefold() for name in fields}
        page = [{k: v for k, v in item.items() if k.casefold() in wanted} for item in page]
    return page, len(matched)
