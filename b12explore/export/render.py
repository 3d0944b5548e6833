"""Rendering a figure at slide size into PNG/SVG/PDF bytes, deterministically.

The figure is resized and captioned only for the duration of a render and is left
as it was found. Styling that matters for reproducible bytes (SVG hash salt, no
dates, SVG text kept as text) is applied through ``rc_context``, never by changing
global ``rcParams``. ``render_many`` renders several figures in worker processes.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import sys
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["FORMATS", "SLIDE_SIZES", "render_figure", "render_many", "slide_inches"]

#: Slide sizes in inches (PowerPoint's default 16:9 and the classic 4:3).
SLIDE_SIZES: dict[str, tuple[float, float]] = {"16:9": (13.333, 7.5), "4:3": (10.0, 7.5)}
#: Image formats a figure can be rendered to.
FORMATS = ("png", "svg", "pdf")
CAPTION_FONTSIZE = 14
CAPTION_MAX_LINES = 4
#: zlib level for PNG (matplotlib uses 6; 3 is about a third faster, files ~30% larger).
PNG_COMPRESS_LEVEL = 3

# Deterministic output and editable SVG text, applied per render (never global rcParams).
# PDF keeps matplotlib's default Type 3 fonts: Type 42 embedding (fontTools subsetting)
# made the PDF step about three times slower.
_RC = {"svg.hashsalt": "b12explore", "svg.fonttype": "none", "pdf.fonttype": 3}
_METADATA: dict[str, dict[str, Any] | None] = {
    "png": None,
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}


def slide_inches(size: str | tuple[float, float], dpi: int) -> tuple[float, float]:
    """Slide size in inches, rounded to whole pixels at ``dpi``.

    Examples
    --------
    >>> slide_inches("16:9", 200)
    (13.335, 7.5)
    """
    if isinstance(size, str):
        if size not in SLIDE_SIZES:
            raise ValueError(f"size must be one of {sorted(SLIDE_SIZES)} or (w, h), got {size!r}")
        size = SLIDE_SIZES[size]
    w, h = (float(v) for v in size)
    if w <= 0 or h <= 0:
        raise ValueError(f"slide size must be positive, got {size!r}")
    return round(w * dpi) / dpi, round(h * dpi) / dpi


def _formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = [f for f in formats.replace(",", " ").split() if f]
    out = tuple(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}; got {list(formats)!r}")
    return out


def _wrap_caption(caption: str, width_in: float, fontsize: float) -> str:
    chars = max(20, int(width_in * 72 / (0.55 * fontsize)))
    lines: list[str] = []
    for para in str(caption).splitlines() or [""]:
        lines.extend(textwrap.wrap(para, chars) or [""])
    if len(lines) > CAPTION_MAX_LINES:
        lines = lines[:CAPTION_MAX_LINES]
        lines[-1] = lines[-1][: chars - 2].rstrip() + " …"
    return "\n".join(lines)


class _Layout:
    """Handle yielded by :func:`_slide_layout`; ``freeze()`` keeps the current layout."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.engine = fig.get_layout_engine()
        self.frozen = False

    def freeze(self) -> None:
        """Stop re-running the layout engine (positions from the last draw are kept)."""
        if self.engine is not None and not self.frozen and hasattr(self.engine, "execute"):
            self.fig.set_layout_engine("none")
            self.frozen = True


@contextlib.contextmanager
def _slide_layout(fig: Figure, size_in: tuple[float, float], caption: str | None) -> Iterator:
    """Temporarily size ``fig`` for the slide and add the caption; restore on exit."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine

    old_size = tuple(fig.get_size_inches())
    handle = _Layout(fig)
    engine = handle.engine
    old_engine = dict(engine.get()) if engine is not None else None
    positions = [
        (ax, ax.get_position(original=True), ax.get_position(original=False), ax.get_in_layout())
        for ax in fig.axes
    ]
    text = None
    try:
        fig.set_size_inches(size_in, forward=False)
        if caption:
            wrapped = _wrap_caption(caption, size_in[0] - 0.5, CAPTION_FONTSIZE)
            n_lines = wrapped.count("\n") + 1
            frac = (n_lines * CAPTION_FONTSIZE * 1.3 + 14) / (size_in[1] * 72)
            text = fig.text(
                0.25 / size_in[0],
                0.08 / size_in[1],
                wrapped,
                ha="left",
                va="bottom",
                fontsize=CAPTION_FONTSIZE,
                color="#333333",
                linespacing=1.2,
                gid="slide-caption",
            )
            if isinstance(engine, ConstrainedLayoutEngine):
                engine.set(rect=(0, frac, 1, 1 - frac))
            elif isinstance(engine, TightLayoutEngine):
                engine.set(rect=(0, frac, 1, 1))
            else:
                for ax, orig, _, _ in positions:
                    y0, h = frac + orig.y0 * (1 - frac), orig.height * (1 - frac)
                    ax.set_position([orig.x0, y0, orig.width, h])
        yield handle
    finally:
        if handle.frozen:
            fig.set_layout_engine(engine)
        if text is not None:
            text.remove()
        if engine is not None and old_engine is not None and "rect" in old_engine:
            engine.set(rect=old_engine["rect"])
        for ax, orig, active, in_layout in positions:
            ax.set_position(orig, which="original")
            ax.set_position(active, which="active")
            ax.set_in_layout(in_layout)  # set_position takes an axes out of the layout
        fig.set_size_inches(old_size, forward=False)


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
) -> dict[str, bytes]:
    """Render ``fig`` at slide size into bytes per format, deterministically.

    The figure is resized and captioned only for the duration of the call.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    formats : sequence of {"png", "svg", "pdf"}
    size : {"16:9", "4:3"} or (width, height) in inches
    caption : str, optional
        Text placed along the bottom edge (sources, filters, data version).
    dpi : int, default 200
        Resolution of the PNG.

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

    formats = _formats(formats)
    size_in = slide_inches(size, dpi)
    out: dict[str, bytes] = {}
    with matplotlib.rc_context(_RC), _slide_layout(fig, size_in, caption) as layout:
        for fmt in formats:
            if fmt == "png":
                out[fmt] = _png(fig, size_in, dpi)
            else:
                buf = io.BytesIO()
                fig.savefig(buf, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
                out[fmt] = buf.getvalue()
            layout.freeze()  # the first format laid the figure out; the others reuse it
    return out


# A render request: (figure, formats, size, caption, dpi).
Job = tuple[Any, Sequence[str], "str | tuple[float, float]", "str | None", int]
_JOBS: list[Job] = []  # read by forked workers (inherited memory, nothing pickled)


def _run_job(index: int) -> dict[str, bytes]:
    fig, formats, size, caption, dpi = _JOBS[index]
    return render_figure(fig, formats, size=size, caption=caption, dpi=dpi)


def _can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def render_many(jobs: Iterable[Job], *, workers: int = 1) -> Iterator[dict[str, bytes]]:
    """Render several figures, in order, optionally in ``workers`` processes.

    Each job is ``(figure, formats, size, caption, dpi)``. Results come back in job
    order as soon as each is ready, with the same bytes as :func:`render_figure`.
    With ``workers=n``, ``n - 1`` processes are forked and this one renders too.
    Forking is used only on Linux; elsewhere, or with ``workers=1``, rendering is
    serial.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figs = [Figure() for _ in range(2)]
    >>> jobs = [(f, ["svg"], "4:3", None, 72) for f in figs]
    >>> [sorted(r) for r in render_many(jobs, workers=2)]
    [['svg'], ['svg']]
    """
    global _JOBS
    jobs = list(jobs)
    if workers <= 1 or len(jobs) < 2 or not _can_fork() or _JOBS:
        for fig, formats, size, caption, dpi in jobs:
            yield render_figure(fig, formats, size=size, caption=caption, dpi=dpi)
        return
    _JOBS = jobs
    # ProcessPoolExecutor (not Pool): a worker that dies raises BrokenProcessPool
    # instead of hanging. This process is one of the ``workers``: its caches are warm
    # and it would otherwise sit idle. The forked workers take jobs from the front,
    # this process from the back (jobs no worker has started), until they meet.
    try:
        with ProcessPoolExecutor(
            max_workers=min(workers, len(jobs)) - 1, mp_context=multiprocessing.get_context("fork")
        ) as pool:
            futures = [pool.submit(_run_job, i) for i in range(len(jobs))]
            try:
                mine: dict[int, dict[str, bytes]] = {}
                back = len(jobs) - 1
                for i, future in enumerate(futures):
                    while not future.done() and back > i and futures[back].cancel():
                        mine[back] = _run_job(back)
                        back -= 1
                    yield mine.pop(i) if i in mine else future.result()
            finally:  # on an error or an early close, start nothing new
                for future in futures:
                    future.cancel()
    finally:
        _JOBS = []
