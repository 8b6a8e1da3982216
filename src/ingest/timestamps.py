"""Source timestamps → the record's UTC ISO 8601 form (`2026-02-11T10:05:00Z`).

Parsers meet ISO 8601 with offsets or fractions (NewsML, JSON-LD, meta tags), RFC 822 (RSS,
via feedparser's struct_time) and the 1987 `14-APR-1987 09:14:22.05`; all end up in one shape,
second precision, so records sort and compare as strings.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["from_struct_time", "to_utc_iso"]

_ISO = re.compile(
    r"\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2})?\s*$"
)


def to_utc_iso(value: str | None) -> str | None:
    """An ISO 8601 timestamp (any offset, optional fraction) as UTC `YYYY-MM-DDTHH:MM:SSZ`, or None."""
    if not value:
        return None
    m = _ISO.match(value)
    if m is None:
        return None
    year, month, day, hour, minute, second, tz = m.groups()
    try:
        dt = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    if tz and tz[0] in "+-":
        digits = tz[1:].replace(":", "")
        offset = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
        offset = offset if tz[0] == "+" else -offset
        dt = dt.replace(tzinfo=timezone(timedelta(minutes=offset))).astimezone(UTC)
    return _iso(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second)


def from_struct_time(value: time.struct_time | None) -> str | None:
    """A UTC struct_time (feedparser's `*_parsed`) as `YYYY-MM-DDTHH:MM:SSZ`, or None."""
    if value is None:
        return None
    return _iso(value.tm_year, value.tm_mon, value.tm_mday, value.tm_hour, value.tm_min, value.tm_sec)


def _iso(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str | None:
    # strftime writes year 206 as `206`, not `0206`; a year outside 1000-9999 is a garbled date
    if not 1000 <= year <= 9999:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"
