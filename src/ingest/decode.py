"""R0: raw bytes of one input → clean Unicode text, or a typed refusal.

UTF-8 first; 1987 SGML (`<REUTERS` in the bytes) as latin-1; text declaring its charset (XML
declaration or HTML meta, first 2 KB) in a non-Western single- or multi-byte encoding
(windows-1251, iso-8859-2, shift_jis, ...) in that charset when the bytes decode in it; UTF-8
text with a few stray bytes (a valid multi-byte sequence anywhere) as UTF-8, each stray byte
read as cp1252; anything else as strict cp1252. A declared latin-1 or ascii is read as cp1252
(as browsers do: such labels sit on Windows text with curly quotes), a declared UTF-7/16/32 never.
Then: drop a BOM, CRLF/CR → LF, NFC, delete zero-width characters and soft hyphens, NBSP → space,
delete raw C0 controls other than newline and tab. Case, quotes and dashes are never touched.
HTML entities are left to the format parsers (unescaping before an XML parser would break it).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from ingest.errors import BinaryInput, EmptyInput, InputTooLarge

__all__ = ["MAX_BYTES", "decode"]

MAX_BYTES = 20 * 1024 * 1024
# the reference's binary test: more than 5% control or replacement characters
_MAX_CONTROL_SHARE = 0.05

# Patterns held as text are compiled on first use (the `re` module's cache): plain UTF-8 text,
# nearly every input, needs none of them, and start-up counts.
# C0 controls except \t \n \r, DEL, C1 controls, and U+FFFD: what a text file should not hold
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]"
_DROP = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200c\u200d\u2060\ufeff\u00ad]"
_SPACES = r"[\u00a0\u202f\u2007]"
# printable ASCII plus tab, LF and CR: bytes that can never need dropping or mapping
_ASCII_PLAIN = bytes([9, 10, 13, *range(32, 127)])
# one well-formed UTF-8 multi-byte sequence: cp1252 text almost never holds one by accident
# (it would take e.g. "Ã" followed by a byte 0x80-0xBF), so one is evidence the text is UTF-8
_UTF8_SEQUENCE = (
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_STRAY = "ingest.stray_cp1252"
_DECLARED = (
    rb"""(?i)<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
    rb"""|<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})"""
)
# labels the cp1252 fallback already reads right (or better: latin-1 labels sit on cp1252 text)
_WESTERN = frozenset({"ascii", "iso8859-1", "cp1252", "latin-1"})


def _stray_as_cp1252(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 read as cp1252 (U+FFFD where it has none)."""
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("cp1252", "replace"), exc.end


codecs.register_error(_STRAY, _stray_as_cp1252)


def _declared(data: bytes) -> str | None:
    """The text of `data` in the charset it declares, when that is a non-Western, non-Unicode
    charset the bytes decode in; else None."""
    m = re.compile(_DECLARED).search(data[:2048])
    if m is None:
        return None
    try:
        name = codecs.lookup((m.group(1) or m.group(2)).decode("ascii")).name
        if name in _WESTERN or name.startswith("utf"):
            return None
        return data.decode(name)
    except (LookupError, UnicodeDecodeError):  # an unknown label, a non-text codec, a lying label
        return None


def decode(data: bytes) -> str:
    """Decode one input's bytes into normalized text; raise an `InputError` if it is not text."""
    size = len(data)
    if size > MAX_BYTES:
        raise InputTooLarge(f"input is {size:,} bytes, over the {MAX_BYTES // (1024 * 1024)} MB limit")
    if b"\x00" in data:
        raise BinaryInput("binary input: contains NUL bytes")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    rest: bytes | None = None
    try:
        text = data.decode("utf-8")
        # what is left after deleting plain ASCII bytes (C speed) is control bytes and whole UTF-8
        # sequences, usually a few hundred bytes: only those need the character checks below
        rest = data.translate(None, _ASCII_PLAIN)
    except UnicodeDecodeError:
        # the 1987 distribution files are latin-1; other legacy text is Windows-1252
        declared = None if b"<REUTERS" in data[:65536] else _declared(data)
        if b"<REUTERS" in data[:65536]:
            text = data.decode("latin-1")
        elif declared is not None:
            text = declared
        elif re.compile(_UTF8_SEQUENCE).search(data):
            # UTF-8 with a stray byte (a bad splice, a truncated character): decoding it all as
            # cp1252 would turn every accented letter of the story into mojibake ("Ã©")
            text = data.decode("utf-8", _STRAY)
        else:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise BinaryInput("binary input: undecodable as UTF-8 and as cp1252") from exc
    if not text.strip():
        raise EmptyInput("empty input: no text")
    # fast path: no control, format or non-space separator character at all (str.isprintable runs
    # in C, far faster than the regex scans below on a 150 KB page); U+FFFD counts as printable
    special = (
        rest.decode("utf-8")
        if rest is not None
        else text.replace("\n", "").replace("\t", "").replace("\r", "")
    )
    plain = "\ufffd" not in special and special.isprintable()
    controls = (
        len(re.compile(_CONTROL).findall(text)) if not plain and re.compile(_CONTROL).search(text) else 0
    )
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise BinaryInput(f"binary input: {controls} of {len(text)} characters are control characters")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        if not plain:
            text = re.compile(_SPACES).sub(" ", text)
    return text if plain else re.compile(_DROP).sub("", text)
