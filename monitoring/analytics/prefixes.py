"""Where a caller's number comes from: the mobile network or the landline region, by prefix.

Uzbek numbers are +998 followed by nine digits; the first two of those name the network or the
region. The table below is the whole of our knowledge (numbers ported between networks keep their
old prefix, so a ported number shows its first network):

    mobile     Beeline 90, 91 · Ucell 93, 94, 50 · Uzmobile 77, 95, 99 · Mobiuz 88, 97 ·
               Humans 33 · Perfectum 98
    landline   71 Tashkent city · 70 Tashkent region · 61 Karakalpakstan · 62 Khorezm ·
               65 Bukhara · 66 Samarkand · 67 Sirdaryo · 69 Namangan · 72 Jizzakh ·
               73 Fergana · 74 Andijan · 75 Kashkadarya · 76 Surkhandarya · 79 Navoiy

Any other Uzbek number (another prefix, a short service number, a malformed +998 number) is
"other Uzbekistan"; an international number of another country is "foreign"; no number at all
is "withheld". Only the origin's code is stored or passed around; its label is translated when
shown.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from monitoring.numbers import COUNTRY_CODE, NSN_LENGTH, national_number

MOBILE, LANDLINE, OTHER_KIND = "mobile", "landline", "other"

# code → (kind, label, two-digit prefixes after +998)
ORIGINS = {
    "beeline": (MOBILE, "Beeline", ("90", "91")),
    "ucell": (MOBILE, "Ucell", ("93", "94", "50")),
    "uzmobile": (MOBILE, "Uzmobile", ("77", "95", "99")),
    "mobiuz": (MOBILE, "Mobiuz", ("88", "97")),
    "humans": (MOBILE, "Humans", ("33",)),
    "perfectum": (MOBILE, "Perfectum", ("98",)),
    "tashkent_city": (LANDLINE, _("Tashkent city"), ("71",)),
    "tashkent_region": (LANDLINE, _("Tashkent region"), ("70",)),
    "karakalpakstan": (LANDLINE, _("Karakalpakstan"), ("61",)),
    "khorezm": (LANDLINE, _("Khorezm"), ("62",)),
    "bukhara": (LANDLINE, _("Bukhara"), ("65",)),
    "samarkand": (LANDLINE, _("Samarkand"), ("66",)),
    "sirdaryo": (LANDLINE, _("Sirdaryo"), ("67",)),
    "namangan": (LANDLINE, _("Namangan"), ("69",)),
    "jizzakh": (LANDLINE, _("Jizzakh"), ("72",)),
    "fergana": (LANDLINE, _("Fergana"), ("73",)),
    "andijan": (LANDLINE, _("Andijan"), ("74",)),
    "kashkadarya": (LANDLINE, _("Kashkadarya"), ("75",)),
    "surkhandarya": (LANDLINE, _("Surkhandarya"), ("76",)),
    "navoiy": (LANDLINE, _("Navoiy"), ("79",)),
    "other": (OTHER_KIND, _("Other Uzbek numbers"), ()),
    "foreign": (OTHER_KIND, pgettext_lazy("caller origin", "Foreign"), ()),
    "withheld": (OTHER_KIND, _("Number withheld"), ()),
}
_BY_PREFIX = {prefix: code for code, (_kind, _label, prefixes) in ORIGINS.items()
              for prefix in prefixes}  # fmt: skip

# How many leading characters of a national number decide its origin ("+998" is the longest).
DECIDING_CHARACTERS = len(COUNTRY_CODE) + 1


def origin(number) -> str:
    """The origin code of a number in any written form (see the table above)."""
    return origin_of_national(national_number(number))


def origin_of_national(national: str) -> str:
    """The origin code of a number already in its national form (`Call.external_number`).

    Decided by its first DECIDING_CHARACTERS characters and its length alone, so the callers of
    a period can be grouped by those in the database and each group classified once.
    """
    if not national:
        return "withheld"
    if national.startswith("+"):
        return "other" if national.startswith("+" + COUNTRY_CODE) else "foreign"
    if len(national) == NSN_LENGTH and national.isdigit():
        return _BY_PREFIX.get(national[:2], "other")
    return "other"


def origin_of_head(head: str, length: int) -> str:
    """The origin of any national number of `length` characters that starts with `head` (its
    first DECIDING_CHARACTERS characters)."""
    return origin_of_national(head + "0" * max(length - len(head), 0))


def label(code: str) -> str:
    return str(ORIGINS[code][1])


def kind(code: str) -> str:
    return ORIGINS[code][0]
