"""Show charts as pictures in Jupyter without ``%matplotlib inline``.

The chart functions build a :class:`matplotlib.figure.Figure` without pyplot, so
IPython has no picture format registered for it: a cell ending in ``ax.figure``
would only show ``<Figure size ... with 1 Axes>``. :func:`register_inline_display`
registers a PNG formatter for ``Figure`` and ``Axes`` in the running IPython
*kernel* (JupyterLab, Voilà, nbconvert, papermill), once, when a chart function
first creates its own figure. Importing :mod:`b12explore` does nothing of this.

Rules that keep it out of the user's way:

- a format the user or the inline backend already chose for ``Figure``
  (``%matplotlib inline``, ``%config InlineBackend.figure_formats``) is kept;
- figures managed by pyplot (``plt.subplots``) are left to the inline backend,
  which shows them at the end of the cell, so nothing is shown twice;
- outside a kernel (plain Python, pytest, a terminal IPython) nothing happens.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["register_inline_display"]

_MIME = ("image/png", "image/svg+xml", "image/jpeg", "application/pdf")


def _kernel_shell() -> Any | None:
    """The IPython shell of a running Jupyter kernel, else ``None``."""
    if "IPython" not in sys.modules or "ipykernel" not in sys.modules:
        return None
    shell = sys.modules["IPython"].get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    return shell


def _png(figure: Any) -> str | None:
    """Base64 PNG of ``figure``; ``None`` for a pyplot-managed or empty figure."""
    if figure is None or getattr(figure.canvas, "manager", None) is not None:
        return None  # pyplot's inline backend shows it at the end of the cell
    from IPython.core.pylabtools import print_figure

    return print_figure(figure, fmt="png", base64=True)


def _axes_png(ax: Any) -> str | None:
    # Only an Axes that is the whole picture: a cell ending in ``ax`` of a
    # multi-panel figure still shows the figure once.
    return _png(ax.figure)


def register_inline_display(shell: Any | None = None) -> bool:
    """Register PNG display of ``Figure`` and ``Axes`` in a Jupyter kernel, once.

    Parameters
    ----------
    shell : InteractiveShell, optional
        The shell to configure; by default the running kernel's shell.

    Returns
    -------
    bool
        True when a kernel shell was found (formatters present or added).

    Examples
    --------
    Outside a Jupyter kernel nothing is registered:

    >>> register_inline_display()
    False
    """
    shell = shell if shell is not None else _kernel_shell()
    if shell is None:
        return False
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    formatters = shell.display_formatter.formatters
    png = formatters["image/png"]

    def chosen(cls: type) -> bool:
        for mime in _MIME:
            if mime in formatters:
                try:
                    formatters[mime].lookup_by_type(cls)
                except KeyError:
                    continue
                return True
        return False

    if not chosen(Figure):
        png.for_type(Figure, _png)
    if not chosen(Axes):
        png.for_type(Axes, _axes_png)
    return True
