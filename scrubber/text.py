"""Bytes to text: one policy for every file the scrubber reads (batch CSV, 837, CMS releases)."""

from __future__ import annotations

import codecs


def decode(raw: bytes) -> str:
    """UTF-8 (after a byte-order mark; UTF-16 when its mark says so), else Windows-1252, else Latin-1.

    UTF-8 is what the contract and CMS's re-saved copies use. Bytes that are not UTF-8 come from
    older Windows systems, whose exports (practice systems, clearinghouse 837s, CMS's own Latin-1
    notices) are Windows-1252: a superset of Latin-1's printable characters that also gives 0x80 to
    0x9F their meaning (€, curly quotes, dashes), where Latin-1 reads them as invisible control
    characters. Only a file holding one of the five bytes Windows-1252 leaves undefined is read as
    Latin-1, which maps every byte, so no file is ever refused for its encoding. One policy means
    a € byte reads the same in a CSV, an 837 and a reference file. Some Windows tools export UTF-16
    without a mark: its ASCII text has a zero byte beside every character, which no text in the
    other encodings holds, so the zeros tell it and its byte order.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    if (utf16 := _utf16_without_mark(raw)) is not None:
        return raw.decode(utf16, errors="replace")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _utf16_without_mark(raw: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when the first characters are ASCII written as UTF-16 with no mark."""
    head = raw[: min(len(raw), 64) // 2 * 2]
    if len(head) < 4:
        return None
    even_zero, odd_zero = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if odd_zero == half and even_zero == 0:
        return "utf-16-le"
    if even_zero == half and odd_zero == 0:
        return "utf-16-be"
    return None
