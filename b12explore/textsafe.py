"""Text from the data, made safe for output: no control characters, valid XML.

Two small pure functions (no matplotlib, nothing on import):

* :func:`clean_text` for one string about to be drawn (charts call it through
  ``charts._base.literal_text``);
* :func:`clean_svg` for a whole SVG document about to be written, the second line of
  defence after validation (which rejects control characters when the data are loaded).

XML 1.0 allows tab, line feed and carriage return but no other C0 control character
(``\\x00``-``\\x1f``), no lone surrogate and not U+FFFE/U+FFFF; a single ``\\x01`` in a chart
title made the whole SVG file unreadable (issue 15). C1 controls (``\\x7f``-``\\x9f``, e.g.
cp1252 text read as latin-1) are legal XML but never meant as text, so :func:`clean_text`
drops them too.
"""

from __future__ import annotations

import re

__all__ = ["clean_svg", "clean_text", "has_control"]

# characters XML 1.0 forbids, plus C1 controls and DEL (legal XML, but never meant as text)
_TEXT_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# in a whole document keep what XML allows (C1 may be part of legitimate UTF-8 text there)
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# the same C0 set as bytes: these byte values never occur inside a multi-byte UTF-8 sequence
_XML_BAD_BYTES = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# U+FFFE and U+FFFF in UTF-8
_NONCHAR_BYTES = re.compile(b"\xef\xbf[\xbe\xbf]")


def has_control(text: object) -> bool:
    """True if ``text`` holds a character :func:`clean_text` would remove.

    Examples
    --------
    >>> has_control("B12\\x01"), has_control("two\\nlines")
    (True, False)
    """
    return bool(_TEXT_BAD.search(str(text)))


def clean_text(text: object) -> str:
    """``text`` as a string without control characters (tab, newline and CR are kept).

    Parameters
    ----------
    text : object
        Anything; it is converted with ``str``.

    Returns
    -------
    str

    Examples
    --------
    >>> clean_text("Vitamin\\x01 B12\\x1b[31m and\\tpain\\n")
    'Vitamin B12[31m and\\tpain\\n'
    >>> clean_text("Costs $5 and $10")
    'Costs $5 and $10'
    """
    text = text if isinstance(text, str) else str(text)
    return _TEXT_BAD.sub("", text)


def clean_svg(document: bytes | str) -> bytes | str:
    """An SVG document with every character XML 1.0 forbids removed (same type as given).

    Parameters
    ----------
    document : bytes or str
        UTF-8 bytes (as ``savefig(format="svg")`` writes them) or text.

    Returns
    -------
    bytes or str

    Examples
    --------
    >>> clean_svg(b"<svg><text>a\\x01b\\x0bc</text></svg>")
    b'<svg><text>abc</text></svg>'
    >>> clean_svg("<svg><text>caf\\u00e9\\x00</text></svg>")
    '<svg><text>café</text></svg>'
    """
    if isinstance(document, bytes | bytearray):
        return _NONCHAR_BYTES.sub(b"", _XML_BAD_BYTES.sub(b"", bytes(document)))
    return _XML_BAD.sub("", document)
