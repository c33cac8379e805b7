"""Numbers as Kerio may send them: JSON numbers, numeric strings or float-looking strings.

Nothing settles which form a PBX uses for TIMESTAMP, the durations and STATUS (PHP clients treat
both alike), so every reader of a numeric field goes through these.
"""

import math


def as_number(value) -> float | None:
    """The finite number in ``value`` (``5``, ``5.0``, ``"5"``, ``" 5.0 "``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) < 2**63 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40:
            return None
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def as_whole(value) -> int | None:
    """``as_number`` rounded down to a whole number (seconds, epoch seconds)."""
    number = as_number(value)
    return None if number is None else math.floor(number)


def as_code(value) -> int | None:
    """A status code: a whole number (``4``, ``"4"``, ``4.0``), else None."""
    number = as_number(value)
    if number is None or not number.is_integer():
        return None
    code = int(number)
    return code if -(2**31) <= code < 2**31 else None
