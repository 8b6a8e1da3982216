"""Keep credentials out of everything written or logged: sidecars, records, state, messages.

Feed URLs may carry a password (`https://user:pass@host/feed`) or a token in the query
(`?token=...`, `?api_key=...`, signed URLs' `X-Amz-Signature`). The URL is still used as given
for the request; everything that stores or prints it stores `redact_url(url)` instead:
userinfo becomes `***`, and so does the value of any query parameter whose name looks like a
credential. httpx logs each request's full URL at INFO (httpcore the response headers, a
redirect's Location included, at DEBUG), so `ingest.fetch` attaches `RedactingFilter` to those
loggers.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# parameter names that carry credentials; over-matching only hides a harmless value
SECRET_PARAM = re.compile(r"token|secret|passw|pwd|key|sig|auth|session|credential", re.IGNORECASE)
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+")


def _query(query: str) -> str:
    out = []
    for pair in query.split("&"):
        name, eq, value = pair.partition("=")
        out.append(f"{name}={MASK}" if eq and value and SECRET_PARAM.search(name) else pair)
    return "&".join(out)


def redact_url(url: str) -> str:
    """`url` without its password, user name or credential-like query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK  # unparseable: nothing of it can be shown safely
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, parts.path, _query(parts.query), parts.fragment))


def redact_text(text: str) -> str:
    """`text` with every URL in it redacted."""
    return _URL.sub(lambda m: redact_url(m.group(0)), text)


class RedactingFilter(logging.Filter):
    """Rewrites a log record's URLs (in its message and arguments) to their redacted form."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record; only its text changes."""
        record.msg = redact_text(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(redact_text(str(a)) if "://" in str(a) else a for a in record.args)
        return True


_FILTER = RedactingFilter()


def install_log_filter(*logger_names: str) -> None:
    """Redact the URLs in everything these loggers log (idempotent; a filter, not a handler).

    A logger's filters see only the records logged on it, not on its children: name each one.
    """
    for name in logger_names:
        logging.getLogger(name).addFilter(_FILTER)
