"""Command line: ``python -m lib data | reports``. ``python -m lib --help`` for details.

Exit codes: 0 success; 1 some reports failed; 2 bad configuration or input data.
"""

from __future__ import annotations

import argparse
import sys

from lib.io import DataError
from lib.validate import ValidationError

EXIT_OK, EXIT_REPORTS_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _cmd_data(args: argparse.Namespace) -> int:
    from lib import pipeline

    manifest = pipeline.build(force=args.force)
    rows = ", ".join(f"{name} {entry['rows']}" for name, entry in manifest["tables"].items())
    print(f"processed data {manifest['data_version']} (built {manifest['built_at']}): {rows}")
    return EXIT_OK


def _cmd_reports(args: argparse.Namespace) -> int:
    from lib import report

    return report.main(only=args.only, units=args.unit, years=args.year, dry_run=args.dry_run)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m lib`` argument parser."""
    parser = argparse.ArgumentParser(prog="python -m lib", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="clean data/raw into data/processed")
    data.add_argument("--force", action="store_true", help="rebuild even if up to date")
    data.set_defaults(func=_cmd_data)

    reports = sub.add_parser("reports", help="run the notebooks and export HTML")
    reports.add_argument("--only", action="append", help="notebook name (repeatable)")
    reports.add_argument("--unit", action="append", help="unit code (repeatable)")
    reports.add_argument("--year", action="append", type=int, help="reference year (repeatable)")
    reports.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    reports.set_defaults(func=_cmd_reports)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataError, ValidationError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
