"""The one error tree of wire-ingest.

    IngestError                 base; `transient` says whether a retry can help
    ├── InputError              an input is unusable as given (terminal)
    │   ├── BinaryInput         NUL bytes, undecodable, or mostly control characters
    │   ├── InputTooLarge       over the size limit
    │   ├── EmptyInput          no text at all (empty or whitespace-only file)
    │   └── ParseError          the bytes are text but not a valid instance of their format
    ├── ConfigError             the sources configuration or settings are wrong (terminal)
    ├── SourceError             a source could not be fetched
    │   └── SourceUnavailable   network failure, 5xx or 429 after all retries (transient)
    └── SinkError               the sink refused or failed a read or write (transient by default)
        └── ScratchError        the local scratch storage (a temporary file) failed: a full or
                                unwritable temporary directory

Third-party exceptions are wrapped at the edge (`raise SinkError(...) from exc`), so callers,
the CLI and the Airflow tasks decide on retries from `transient` alone.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every error raised by `ingest`."""

    transient: bool = False

    def __init__(self, message: str, *, transient: bool | None = None) -> None:
        super().__init__(message)
        if transient is not None:
            self.transient = transient


class InputError(IngestError):
    """An input cannot be turned into story records; retrying will not help."""


class BinaryInput(InputError):
    """The input is binary, not text."""


class InputTooLarge(InputError):
    """The input is larger than the normalizer accepts."""


class EmptyInput(InputError):
    """The input holds no text at all."""


class ParseError(InputError):
    """The input is text but not a valid instance of its format."""


class ConfigError(IngestError):
    """The configuration is invalid; the message names the source and key."""


class SourceError(IngestError):
    """A source could not be fetched."""


class SourceUnavailable(SourceError):
    """A source failed after all retries (network error, 5xx, 429)."""

    transient = True


class SinkError(IngestError):
    """The sink failed a read or a write."""

    transient = True


class ScratchError(SinkError):
    """Processing's scratch memory (sqlite paging to a temporary file) failed; see `ingest.scratch`."""
