"""Phone numbers as Kerio sends them, in the forms we compare them by.

Kerio passes numbers on as the trunk and the phones dialled them: ``+998 90 123 45 67``,
``998901234567``, ``901234567``, sometimes with DTMF digits or pauses appended
(``901234567*12``, ``901234567,,1``). We keep the raw text for display and derive:

- the *normalized* number: digits only, a leading ``+`` kept, anything dialled after a pause or a
  DTMF separator dropped;
- the *national significant number* (NSN) for Uzbekistan: the 9 digits that identify a subscriber
  whichever way the number was written, so one caller's calls match each other.
"""

import functools
import re

COUNTRY_CODE = "998"
NSN_LENGTH = 9
# National prefixes a PBX or an old habit may put before the 9 digits ("8 90 ...", "0 90 ...").
TRUNK_PREFIXES = ("8", "0")

# Words PBXes and trunks use for a withheld caller ID.
ANONYMOUS = frozenset(
    {"anonymous", "unknown", "private", "restricted", "unavailable", "withheld", "null", "none"}
)
# After the first digit, these end the number proper: pauses (",", ";", "p", "w"), DTMF
# separators ("*", "#") and extensions ("x", "ext").
_TAIL = re.compile(r"[,;*#pPwWxX]|ext", re.IGNORECASE)
_DIGITS = re.compile(r"\d")


def normalize_number(raw) -> str:
    """Digits only, with a leading ``+`` kept; "" for an empty or anonymous number.

    ``00`` (the international prefix) becomes ``+``. A leading ``*`` or ``#`` (a feature code
    such as ``*97``) is dropped with the rest of the non-digits.
    """
    if raw is None or isinstance(raw, bool):
        return ""
    return _normalized(str(raw))


# A call center's numbers repeat (its own extensions on every call, regular callers): the sync
# normalizes hundreds of thousands of them, so the results are kept.
@functools.lru_cache(maxsize=16384)
def _normalized(text: str) -> str:
    text = text.strip()
    if not text or text.casefold() in ANONYMOUS:
        return ""
    # A SIP or tel URI: the user part is the number.
    scheme, colon, rest = text.partition(":")
    if colon and scheme.casefold() in ("sip", "sips", "tel"):
        text = rest.split("@", 1)[0].split(";", 1)[0].strip()
    plus = text.startswith("+")
    first_digit = _DIGITS.search(text)
    if first_digit is None:
        return ""
    tail = _TAIL.search(text, first_digit.start())
    if tail is not None:
        text = text[: tail.start()]
    digits = "".join(_DIGITS.findall(text))
    if not plus and digits.startswith("00") and len(digits) > 4:
        plus, digits = True, digits[2:]
    return f"+{digits}" if plus and digits else digits


def national_number(raw) -> str:
    """The number that identifies the subscriber, for matching one caller's calls.

    Uzbek numbers in any written form become their 9-digit NSN (``901234567``). Foreign numbers
    keep their international form (``+79161234567``); short numbers (extensions, service codes)
    stay as they are.
    """
    if raw is None or isinstance(raw, bool):
        return ""
    return _national(str(raw))


@functools.lru_cache(maxsize=16384)
def _national(text: str) -> str:
    normalized = _normalized(text)
    international = normalized.startswith("+")
    digits = normalized.lstrip("+")
    if digits.startswith(COUNTRY_CODE) and len(digits) == len(COUNTRY_CODE) + NSN_LENGTH:
        return digits[len(COUNTRY_CODE) :]
    if international:
        return normalized
    if len(digits) == NSN_LENGTH + 1 and digits.startswith(TRUNK_PREFIXES):
        return digits[1:]
    return digits
