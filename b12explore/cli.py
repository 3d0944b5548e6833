"""Command line: ``python -m b12explore validate [DATA_DIR]`` (and other sub-commands).

Exit status of ``validate``: 0 valid (one summary line); 1 invalid (every problem, one
per line, on stdout; a count on stderr); 2 the folder cannot be used (one line on
stderr: missing, not a folder, unreadable, no or broken ``datapackage.json``).
Warnings go to stderr as ``warning: ...``. Bad data never prints a traceback.

Adding a sub-command: write a module with ``add_parser(subparsers)`` that calls
``subparsers.add_parser(NAME, help=...)``, adds its options and
``set_defaults(func=run)`` where ``run(args) -> int`` is the exit status (import heavy
modules inside ``run``), then list the module in ``SUBCOMMAND_MODULES`` below.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["SUBCOMMAND_MODULES", "build_parser", "main", "run_validate"]

#: Modules (relative to the package) whose ``add_parser(subparsers)`` adds a sub-command.
SUBCOMMAND_MODULES: tuple[str, ...] = (".export.cli", ".cli_living")


def build_parser() -> argparse.ArgumentParser:
    """The ``b12explore`` argument parser with every sub-command.

    Examples
    --------
    >>> args = build_parser().parse_args(["validate", "data"])
    >>> args.command, args.data_dir, args.func is run_validate
    ('validate', 'data', True)
    """
    parser = argparse.ArgumentParser(
        prog="python -m b12explore",
        description="Vitamin B12 and low back pain: evidence explorer tools.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    _add_validate(subparsers)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name, __package__).add_parser(subparsers)
    return parser


def _add_validate(subparsers) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check the data folder against datapackage.json",
        description="Check every table of a data folder; exit 0 valid, 1 invalid, "
        "2 folder unusable.",
    )
    p.add_argument(
        "data_dir",
        nargs="?",
        default=None,
        metavar="DATA_DIR",
        help="folder with datapackage.json (default: $B12EXPLORE_DATA or the shipped data/)",
    )
    p.set_defaults(func=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    """Validate ``args.data_dir``; print the outcome; return the exit status.

    Examples
    --------
    >>> run_validate(argparse.Namespace(data_dir="/no/such/folder"))
    2
    """
    from .errors import DataFolderError, DataValidationError
    from .io import load

    try:
        evidence = load(args.data_dir)
    except DataFolderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DataValidationError as exc:
        _print_warnings(exc.warnings)
        for problem in exc.problems:
            print(problem)
        n = len(exc.problems)
        print(f"invalid data: {n} problem{'s' if n != 1 else ''} listed above", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. a folder we may not list
        print(f"error: {args.data_dir}: cannot be read ({exc.strerror or exc})", file=sys.stderr)
        return 2
    _print_warnings(evidence.warnings)
    tables = evidence.tables
    counts = ", ".join(f"{len(frame)} {name}" for name, frame in tables.items())
    warn = f"; {len(evidence.warnings)} warnings" if evidence.warnings else ""
    print(
        f"data OK: {len(tables)} tables ({counts}), version {evidence.version}{warn} "
        f"[{evidence.data_dir}]"
    )
    return 0


def _print_warnings(warnings: Sequence[str]) -> None:
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Examples
    --------
    >>> main(["validate", "/no/such/folder"])
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
