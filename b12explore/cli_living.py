"""Sub-commands for a living evidence table: ``import-refs`` and ``diff``.

``python -m b12explore import-refs FILE --into DIR [--allow-shipped]``
    Add the references of a RIS / BibTeX / PubMed (.nbib) file as candidate rows of
    DIR's ``candidates.csv``. Exit 0 imported (also when every reference was already
    there), 1 the file is broken or empty or the folder would not validate (nothing
    written), 2 bad arguments (no such file or folder, the shipped ``data/`` without
    ``--allow-shipped``).

``python -m b12explore diff OLD NEW [--out FOLDER]``
    What changed between two versions of the data: each side is a data folder or a git
    revision of the repository's ``data/`` (``HEAD~1``, a tag, ``main``). Exit 0 no change,
    1 changes listed, 2 bad arguments (neither a folder nor a revision, unreadable data).
    ``--out`` also writes the tables as CSV and a "what changed" chart (PNG, SVG).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_parser", "run_diff", "run_import_refs"]


def add_parser(subparsers) -> None:
    """Add ``import-refs`` and ``diff`` to the command line."""
    p = subparsers.add_parser(
        "import-refs",
        help="add references from a .ris/.bib/.nbib file as candidate rows",
        description="Add the references of a reference-manager file as candidate rows of "
        "DIR/candidates.csv; exit 0 imported, 1 broken file or invalid result, 2 bad "
        "arguments.",
    )
    p.add_argument("file", metavar="FILE", help="a .ris, .bib or .nbib file")
    p.add_argument("--into", required=True, metavar="DIR", help="the data folder to add to")
    p.add_argument(
        "--allow-shipped",
        action="store_true",
        help="allow writing into the repository's shipped data/ folder",
    )
    p.set_defaults(func=run_import_refs)

    d = subparsers.add_parser(
        "diff",
        help="what changed between two versions of the data",
        description="Compare two data folders or git revisions of data/; exit 0 no change, "
        "1 changes, 2 bad arguments.",
    )
    d.add_argument("old", metavar="OLD", help="data folder or git revision (e.g. HEAD~1)")
    d.add_argument("new", metavar="NEW", help="data folder or git revision (e.g. HEAD)")
    d.add_argument("--out", metavar="FOLDER", help="also write CSV tables and a chart here")
    d.set_defaults(func=run_diff)


def run_import_refs(args: argparse.Namespace) -> int:
    """Run ``import-refs``; print what was added; return the exit status."""
    from .errors import DataFolderError, DataValidationError
    from .refs import RefsError, import_refs
    from .rows import ShippedDataError

    path, folder = Path(args.file), Path(args.into)
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    if not (folder / "datapackage.json").is_file():
        print(f"error: {folder}: not a data folder (no datapackage.json)", file=sys.stderr)
        return 2
    try:
        report = import_refs(path, into=folder, allow_shipped=args.allow_shipped)
    except ShippedDataError as exc:
        print(f"error: {exc} (--allow-shipped)", file=sys.stderr)
        return 2
    except DataFolderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RefsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DataValidationError as exc:
        print(exc)
        print("nothing written: the folder would not validate", file=sys.stderr)
        return 1
    for cid in report.added:
        print(f"added {cid}")
    for label, where in report.duplicates:
        print(f"already there: {label} (in {where})")
    for label, why in report.skipped:
        print(f"skipped: {label} ({why})")
    for note in report.notes:
        print(f"note: {note}")
    print(f"{report.summary()} [{folder}]")
    return 0


def run_diff(args: argparse.Namespace) -> int:
    """Run ``diff``; print the changes; return the exit status."""
    from .changes import DiffError, diff, report_text, write_report

    try:
        result = diff(args.old, args.new)
    except DiffError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report_text(result))
    if args.out:
        for path in write_report(result, args.out):
            print(f"wrote {path}", file=sys.stderr)
    return 1 if result.changed else 0
