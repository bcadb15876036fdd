"""URL shapes of the imitated site: PDF paths (spec §7), pathauto slugs and node aliases (§6)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

FILES = "/sites/default/files/assets"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Pathauto's default "strings to remove".
_STOP_WORDS_TEXT = (
    "a an as at before but by for from is in into like of off on onto per since than the this "
    "that to up via with"
)
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split(" "))
_NON_WORD = re.compile(r"[^a-z0-9]+")
_OIG_NUMBER = re.compile(r"^OIG-(\d{2})-(\d+)(-[A-Z]+)?$")


def mon_yy(day: dt.date) -> str:
    """`Sep24` for 2024-09-xx."""
    return f"{MONTHS[day.month - 1]}{day.year % 100:02d}"


def standard_pdf_path(number: str, file_day: dt.date, upload: str, tail: str = "") -> str:
    """`/sites/default/files/assets/{upload}/{NUMBER}-{Mon}{YY}{tail}.pdf`."""
    return f"{FILES}/{upload}/{number}-{mon_yy(file_day)}{tail}.pdf"


def mga_pdf_path(number: str, day: dt.date, mgmtalert_suffix: bool) -> str:
    """Management-alert path: `assets/Mga/{YYYY}/{number-lower}-{mon}{yy}[-mgmtalert].pdf`."""
    suffix = "-mgmtalert" if mgmtalert_suffix else ""
    return f"{FILES}/Mga/{day.year}/{number.lower()}-{mon_yy(day).lower()}{suffix}.pdf"


def legacy_pdf_path(number: str, day: dt.date, with_year: bool = True) -> str:
    """Pre-2016 migrated file: `assets/Mgmt/{YYYY}/OIG_{yy-nn}_{Mon}{yy}.pdf`."""
    match = _OIG_NUMBER.match(number)
    stem = f"OIG_{number[4:]}" if match else number.replace("-", "_", 1)
    folder = f"Mgmt/{day.year}" if with_year else "Mgmt"
    return f"{FILES}/{folder}/{stem}_{mon_yy(day)}.pdf"


def upload_folder(day: dt.date) -> str:
    """`YYYY-MM` folder of a file uploaded on `day`."""
    return f"{day.year}-{day.month:02d}"


def next_month(folder: str) -> str:
    """The `YYYY-MM` folder one month after `folder`."""
    year, month = (int(part) for part in folder.split("-"))
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def pdf_stem(pdf_path: str) -> str:
    """File name of a PDF path without query string and `.pdf`."""
    name = pdf_path.split("?", 1)[0].rsplit("/", 1)[-1]
    return name[:-4] if name.lower().endswith(".pdf") else name


def slugify(title: str, max_length: int = 100) -> str:
    """Pathauto-style alias segment: lowercase, punctuation dropped, stop-words removed."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    folded = folded.lower().replace("'", "")
    words = [w for w in _NON_WORD.split(folded) if w and w not in STOP_WORDS]
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug or "report"


def detail_path(title: str, day: dt.date, pdf_path: str) -> str:
    """`/reports/{YYYY}/{slug}/{pdf-stem-lower}` (the stem reduced to alias characters)."""
    stem = _NON_WORD.sub("-", pdf_stem(pdf_path).lower()).strip("-")
    return f"/reports/{day.year}/{slugify(title)}/{stem}"


def parse_oig_number(number: str | None) -> tuple[int, int] | None:
    """(YY, NN) of an `OIG-YY-NN[-X]` number, else None."""
    match = _OIG_NUMBER.match(number or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def site_path(pdf_path: str) -> str:
    """A PDF href without its query string (the path the server looks up)."""
    return pdf_path.split("?", 1)[0]
