"""The ``export`` command: every chart, the deck and the citations for filtered evidence.

``python -m b12explore export --out DIR [--data DIR] [--route R ...] [--design D ...]
[--format png,svg,pdf,pptx] [--overwrite]``

Exit status: 0 written; 1 a target exists (nothing written) or a write failed;
2 bad arguments or a data folder that cannot be read or is invalid.
Registered in ``cli.py`` with ``add_parser(subparsers)``; also runnable on its own
as ``python -m b12explore.export.cli``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .render import FORMATS as IMAGE_FORMATS

__all__ = ["ALL_FORMATS", "add_parser", "configure", "main", "run"]

ALL_FORMATS = (*IMAGE_FORMATS, "pptx")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``export`` sub-command to an argparse ``subparsers`` object.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="b12explore")
    >>> p = add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["export", "--out", "slides", "--route", "oral"])
    >>> args.out, args.route, args.func is run
    ('slides', ['oral'], True)
    """
    parser = subparsers.add_parser(
        "export",
        help="write every chart (PNG/SVG/PDF + CSV), a PPTX deck and citations",
        description="Write every chart (PNG/SVG/PDF at slide size, CSV of its data), a 16:9 "
        "PPTX deck and BibTeX/RIS citations for the filtered evidence. Exit 0 written, "
        "1 a target exists (nothing written), 2 bad arguments or data folder.",
    )
    configure(parser)
    parser.set_defaults(func=run)
    return parser


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the export options to ``parser``.

    Examples
    --------
    >>> configure(argparse.ArgumentParser()).parse_args(["--out", "o"]).format
    'png,svg,pdf,pptx'
    """
    parser.add_argument("--out", required=True, help="export folder (created if missing)")
    parser.add_argument("--data", default=None, help="data folder (default: shipped data)")
    parser.add_argument(
        "--route", action="extend", nargs="+", default=[], metavar="R", help="keep these routes"
    )
    parser.add_argument(
        "--design", action="extend", nargs="+", default=[], metavar="D", help="keep these designs"
    )
    parser.add_argument(
        "--format",
        default=",".join(ALL_FORMATS),
        help="comma-separated subset of png,svg,pdf,pptx (default: all)",
    )
    parser.add_argument("--size", default="16:9", choices=("16:9", "4:3"), help="slide aspect")
    parser.add_argument("--dpi", type=int, default=200, help="PNG resolution (default 200)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="worker processes for rendering (default: CPUs, at most 4)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace existing files instead of stopping"
    )
    return parser


def _split_values(values: Sequence[str]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(dict.fromkeys(out))


def _slide_charts(evidence: Any, filters_text: str, size: str = "16:9") -> list[Any]:
    """The charts to export (a seam for tests)."""
    from .registry import slide_charts

    return list(slide_charts(evidence, filters_text=filters_text, size=size))


def _fail(message: str, code: int) -> int:
    print(f"b12explore export: error: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Run the export command for parsed ``args``; return the exit status.

    Bad arguments exit 2 and Ctrl-C exits 130, each with one line and no traceback.

    Examples
    --------
    >>> ns = configure(argparse.ArgumentParser()).parse_args(["--out", "o", "--format", "gif"])
    >>> run(ns)
    2
    """
    try:
        return _run(args)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was replaced (partial new files were removed)", 130)


def _out_folder(out: str) -> Path | str:
    """The export folder, or the one-line reason it cannot be one."""
    if not str(out).strip():
        return "--out: an empty name is not a folder"
    path = Path(out).expanduser()
    if path.is_symlink() and not path.is_dir():
        return f"--out: {out} is a link to something that is not a folder"
    if path.exists() and not path.is_dir():
        return f"--out: {out} exists and is not a folder"
    return path


def _run(args: argparse.Namespace) -> int:
    if isinstance(args.dpi, bool) or args.dpi < 10 or args.dpi > 1200:
        return _fail(f"--dpi must be a whole number from 10 to 1200, got {args.dpi}", 2)
    if args.jobs < 1:
        return _fail(f"--jobs must be at least 1, got {args.jobs}", 2)
    out = _out_folder(args.out)
    if isinstance(out, str):
        return _fail(out, 2)
    formats = _split_values([args.format])
    bad = [f for f in formats if f not in ALL_FORMATS]
    if bad or not formats:
        return _fail(
            f"--format: unknown {', '.join(bad) or 'empty list'}; "
            f"choose from {','.join(ALL_FORMATS)}",
            2,
        )
    from ..errors import check_option
    from ..filters import FilterState, apply_filters, describe, filter_codes
    from ..io import load

    try:
        state = FilterState.from_values(
            routes=_split_values(args.route), designs=_split_values(args.design)
        )
    except ValueError as exc:
        return _fail(str(exc), 2)
    try:
        evidence = load(args.data)
    except (OSError, ValueError) as exc:
        return _fail(f"cannot use data folder {args.data or '(shipped data)'}:\n{exc}", 2)
    try:  # the codes of this data folder's descriptor (a researcher's own codes too)
        for option, name in (("--route", "routes"), ("--design", "designs")):
            codes = filter_codes(evidence.vocab, name)
            for code in getattr(state, name) if codes is not None else ():
                check_option(option, code, codes)
        state = state.checked(evidence.vocab)
    except ValueError as exc:
        return _fail(str(exc), 2)
    filtered = apply_filters(evidence, state)
    filters_text = describe(state, evidence.vocab)
    images = [f for f in formats if f in IMAGE_FORMATS]
    return _export(filtered, filters_text, out, images, "pptx" in formats, args)


def _export(evidence, filters_text, out, images, deck, args) -> int:
    from .view import export_view

    def progress(i: int, n: int, chart: Any, paths: list[Path]) -> None:
        kinds = " ".join(p.suffix.lstrip(".") for p in paths) or "nothing"
        print(f"[{i}/{n}] {chart.name}: {kinds}", flush=True)

    charts = _slide_charts(evidence, filters_text, args.size)
    try:
        written = export_view(
            evidence,
            out,
            filters_text=filters_text,
            formats=images,
            deck=deck,
            size=args.size,
            dpi=args.dpi,
            overwrite=args.overwrite,
            jobs=args.jobs,
            progress=progress,
            charts=charts,
        )
    except FileExistsError as exc:
        return _fail(f"{exc}; nothing was overwritten; use --overwrite to replace", 1)
    except NotADirectoryError as exc:
        return _fail(f"--out: {exc}", 2)
    except ValueError as exc:  # e.g. a planted link that leads out of the folder
        return _fail(f"refusing to export: {exc}", 2)
    except OSError as exc:
        return _fail(f"could not write to {out}: {exc}; the previous export is unchanged", 1)
    if deck:
        print(f"deck: {len(charts)} slides", flush=True)
    print(f"wrote {len(written)} files to {out}:")
    for p in written:
        print(f"  {p.name}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m b12explore.export.cli --out DIR``.

    Examples
    --------
    >>> main(["--out", "o", "--format", "tiff"])
    2
    """
    parser = configure(argparse.ArgumentParser(prog="b12explore export"))
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
