"""Rendering a figure for a slide into PNG/SVG/PDF bytes, deterministically.

For the duration of a render the figure is laid out for the slide by
:func:`~.layout.laid_out` (slide size, minimum text size, caption, safe area) and
left exactly as it was found afterwards. Settings that matter for reproducible
bytes are applied through ``rc_context``, never global ``rcParams``.
:func:`~.jobs.render_many` renders several figures, in worker processes when asked.

Modules: ``render`` (formats and bytes), ``layout`` (the slide layout),
``_fitting`` (its steps), ``slidetext`` (wrapping, shortening, titles) and
``jobs`` (parallel rendering). The names they export are importable from here too.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..style import SVG_RC
from ..textsafe import clean_svg
from .layout import CAPTION_FONTSIZE as CAPTION_FONTSIZE  # re-exported (home: layout)
from .layout import CAPTION_MAX_LINES as CAPTION_MAX_LINES
from .layout import SAFE_MARGIN_IN, laid_out, slide_inches
from .slidetext import ELLIPSIS as ELLIPSIS  # re-exported (home: slidetext)
from .slidetext import figure_title
from .slidetext import shorten as shorten
from .slidetext import wrap_lines as wrap_lines

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "FORMATS",
    "SAFE_MARGIN_IN",
    "check_formats",
    "figure_title",
    "laid_out",
    "render_figure",
    "render_many",  # noqa: F822 - from .jobs, through __getattr__ below
    "slide_inches",
]

#: Image formats a figure can be rendered to.
FORMATS = ("png", "svg", "pdf")
#: zlib level for PNG (matplotlib uses 6; 3 is about a third faster, files ~30% larger).
PNG_COMPRESS_LEVEL = 3

# PDF keeps matplotlib's default Type 3 fonts: Type 42 embedding (fontTools subsetting)
# made the PDF step about three times slower.
_RC = {**SVG_RC, "pdf.fonttype": 3}
_METADATA: dict[str, dict[str, Any] | None] = {
    "png": None,
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}


def check_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """The image formats asked for, checked and de-duplicated (may be empty).

    Examples
    --------
    >>> check_formats("PNG, svg")
    ('png', 'svg')
    >>> check_formats([])
    ()
    """
    if isinstance(formats, str):
        formats = [f for f in formats.replace(",", " ").split() if f]
    out = tuple(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    bad = [f for f in out if f not in FORMATS]
    if bad:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}; got {list(formats)!r}")
    return out


def _png(fig: Figure, size_in: tuple[float, float], dpi: int) -> bytes:
    """PNG bytes: RGB when the figure is opaque, faster zlib level, physical dpi stored."""
    import matplotlib
    from PIL import Image, PngImagePlugin

    w, h = round(size_in[0] * dpi), round(size_in[1] * dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=dpi)
    raw = buf.getvalue()
    if len(raw) != w * h * 4:  # pragma: no cover - pixel rounding differs: plain savefig
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata=_METADATA["png"])
        return buf.getvalue()
    img = Image.frombuffer("RGBA", (w, h), raw, "raw", "RGBA", 0, 1)
    if img.getchannel("A").getextrema()[0] == 255:
        img = img.convert("RGB")
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, b12explore")
    out = io.BytesIO()
    img.save(out, "png", compress_level=PNG_COMPRESS_LEVEL, pnginfo=info, dpi=(dpi, dpi))
    return out.getvalue()


def render_figure(
    fig: Figure,
    formats: str | Sequence[str] = FORMATS,
    *,
    size: str | tuple[float, float] = "16:9",
    caption: str | None = None,
    dpi: int = 200,
    margin: float = SAFE_MARGIN_IN,
    title: bool = True,
) -> dict[str, bytes]:
    """Render ``fig`` laid out for a slide into bytes per format, deterministically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Any figure; it is left as it was found.
    formats : sequence of {"png", "svg", "pdf"}
    size : {"16:9", "4:3"} or (width, height) in inches
    caption : str, optional
        Text placed along the bottom edge (sources, filters, data version).
    dpi : int, default 200
        Resolution of the PNG.
    margin, title
        As in :func:`laid_out`.

    Returns
    -------
    dict of str to bytes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> _ = fig.add_subplot().plot([1, 2])
    >>> png = render_figure(fig, ["png"], dpi=50)["png"]
    >>> int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    (667, 375)
    """
    import matplotlib

    formats = check_formats(formats)
    size_in = slide_inches(size, dpi)
    out: dict[str, bytes] = {}
    with (
        matplotlib.rc_context(_RC),
        laid_out(fig, size_in, caption, margin=margin, title=title),
    ):
        for fmt in formats:
            if fmt == "png":
                out[fmt] = _png(fig, size_in, dpi)
            else:
                buf = io.BytesIO()
                fig.savefig(buf, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
                out[fmt] = clean_svg(buf.getvalue()) if fmt == "svg" else buf.getvalue()
    return out


def __getattr__(name: str) -> Any:
    # render_many lives in .jobs, which imports render_figure from here: loaded lazily.
    if name == "render_many":
        from .jobs import render_many

        return render_many
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
