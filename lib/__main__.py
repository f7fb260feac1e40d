"""Command line: ``python -m lib data | validate | template | reports``. ``--help`` for details.

Exit codes: 0 success (warnings allowed); 1 some reports failed; 2 bad configuration or input
data (``validate`` found an error; ``data`` refused to build), or a full or unwritable disk; 3 another ``reports`` run holds
the outputs lock.
"""

from __future__ import annotations

import argparse
import os
import sys

from lib.data.constants import EXIT_BAD_INPUT, EXIT_OK, EXIT_REPORTS_FAILED


def _cmd_data(args: argparse.Namespace) -> int:
    from lib.build import pipeline
    from lib.data import paths
    from lib.data.io import DataError

    try:
        manifest = pipeline.build(raw_dir=paths.RAW_DIR, force=args.force)
    except DataError:  # the build stops at the first bad file: list every problem instead
        from lib.build.validate import format_problems, validate_paths

        errors = validate_paths(raw_dir=paths.RAW_DIR).of_severity("error")
        if not errors:
            raise
        print(format_problems(errors) + ("\n" + errors.summary() if errors.more else ""))
        print(f"error: {errors.total:,} error(s) in data/raw: nothing was built; the previous "
              "processed data are unchanged", file=sys.stderr)
        return EXIT_BAD_INPUT
    rows = ", ".join(f"{name} {entry['rows']}" for name, entry in manifest["tables"].items())
    print(f"processed data {manifest['data_version']} (built {manifest['built_at']}): {rows}")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from lib.build.validate import format_problems, problems_table, validate_paths

    problems = validate_paths(args.paths)
    errors, warnings = problems.count_of("error"), problems.count_of("warning")
    if problems:
        print(format_problems(problems))
        if problems.more:
            print(problems.summary())
        print()
    if args.csv:
        from lib.data.files import write_atomic

        table = problems_table(problems)
        write_atomic(args.csv, lambda tmp: table.to_csv(tmp, index=False, encoding="utf-8"))
    what = ", ".join(args.paths) if args.paths else "data/raw"
    print(f"{errors:,} error(s), {warnings:,} warning(s) in {what}"
          + ("" if errors else ": OK"))
    return EXIT_BAD_INPUT if errors else EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    from lib.staff.template import write_template

    paths = write_template(args.out, province=args.province, year=args.year,
                           framework_id=args.framework, overwrite=args.force)
    print(f"wrote {paths[0]} and its sidecar {paths[1].name}")
    print(f"fill it in, check it with `python -m lib validate {paths[0]}`, then copy both files "
          "into data/raw and run `python -m lib data`")
    return EXIT_OK


def _cmd_reports(args: argparse.Namespace) -> int:
    from lib.batch import run as report

    code = report.main(only=args.only, units=args.unit, years=args.year, dry_run=args.dry_run,
                       jobs=args.jobs, force=args.force, scheduler=args.scheduler,
                       cluster=args.cluster, wait=args.wait, config=args.config,
                       languages=args.lang)
    if getattr(args, "pdf", False) and not args.dry_run and code in (EXIT_OK, EXIT_REPORTS_FAILED):
        from lib.data.paths import outputs_dir
        from lib.site.browser import BrowserUnavailable, print_pdfs, report_pages

        try:
            written = print_pdfs(report_pages(outputs_dir() / "html"))
        except BrowserUnavailable as err:
            print(f"error: no PDF printed: {err}", file=sys.stderr)
            return EXIT_REPORTS_FAILED
        print(f"{len(written)} PDF(s) printed (A4) beside their HTML pages")
    return code


def _cmd_demo(args: argparse.Namespace) -> int:
    """The full report set on the seeded synthetic panel, kept apart from the real data:
    tables in ``data/processed/demo``, reports in ``outputs/demo``."""
    import os

    from lib.batch import run as report
    from lib.build.synthetic import write_synthetic
    from lib.data.paths import ROOT

    os.environ["DTI_PROCESSED_DIR"] = str(ROOT / "data" / "processed" / "demo")
    os.environ["DTI_OUTPUTS_DIR"] = str(ROOT / "outputs" / "demo")
    manifest = write_synthetic(os.environ["DTI_PROCESSED_DIR"], seed=args.seed, n_provinces=12)
    print(f"synthetic example panel {manifest['data_version']} (seed {args.seed}) written to "
          f"{os.environ['DTI_PROCESSED_DIR']}")
    return report.main(config=ROOT / "reports-demo.yml", jobs=args.jobs)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m lib`` argument parser."""
    from lib.messages import LANGUAGES

    parser = argparse.ArgumentParser(prog="python -m lib", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="clean data/raw into data/processed")
    data.add_argument("--force", action="store_true", help="rebuild even if up to date")
    data.set_defaults(func=_cmd_data)

    validate = sub.add_parser(
        "validate", help="check raw files and list every problem (builds nothing)",
        description="Check raw files without building anything; print every problem as a "
                    "table. Exit code 2 when any problem is an error; warnings do not count.")
    validate.add_argument("paths", nargs="*", metavar="PATH",
                          help="CSV or .xlsx files (default: every file in data/raw)")
    validate.add_argument("--csv", metavar="FILE", help="also write the report as CSV")
    validate.set_defaults(func=_cmd_validate)

    template = sub.add_parser("template", help="write the DTI data-entry workbook (.xlsx)")
    template.add_argument("--province", default="26", help="GSO province code (default 26)")
    template.add_argument("--year", type=int, default=2024, help="reference year (default 2024)")
    template.add_argument("--framework", default="mic_qd922_2022",
                          help="framework_id in lib/data/reference/dti_main_indicators.csv")
    template.add_argument("--out", metavar="FILE.xlsx",
                          help="output file (default outputs/templates/…)")
    template.add_argument("--force", action="store_true", help="overwrite an existing file")
    template.set_defaults(func=_cmd_template)

    reports = sub.add_parser(
        "reports", help="run the notebooks and export HTML (only what changed)",
        description="Plan the reports of reports.yml, validate every parameter set, then build "
                    "those whose notebook, parameters, processed data, lib code or pinned "
                    "requirements changed, on warm kernels in parallel (or on Dask). Exit codes: "
                    "0 all built or up to date; 1 some reports failed; 2 bad configuration or "
                    "input data; 3 another run holds the outputs lock. See docs/batch.md.")
    reports.add_argument("--only", action="append", help="notebook name (repeatable)")
    reports.add_argument("--unit", action="append", help="unit code (repeatable)")
    reports.add_argument("--year", action="append", type=int, help="reference year (repeatable)")
    reports.add_argument("--lang", action="append", choices=LANGUAGES,
                         help="report language (repeatable; default: every language of the "
                              "configuration)")
    reports.add_argument("--dry-run", action="store_true",
                         help="print the plan (what would be built and why) and stop")
    reports.add_argument("--jobs", "-j", type=int, metavar="N",
                         help="reports run at once (default: the number of cores); with "
                              "--cluster local, the number of Dask workers")
    reports.add_argument("--force", action="store_true",
                         help="rebuild every selected report, even if up to date")
    where = reports.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on an existing Dask cluster")
    where.add_argument("--cluster", choices=["local"],
                       help="start a Dask LocalCluster of --jobs workers for this run")
    reports.add_argument("--wait", action="store_true",
                         help="if another run holds the outputs lock, wait for it "
                              "(default: exit 3)")
    reports.add_argument("--config", metavar="FILE",
                         help="report configuration (default reports.yml)")
    reports.add_argument("--pdf", action="store_true",
                         help="then print each report to an A4 PDF beside it (headless Chromium)")
    reports.set_defaults(func=_cmd_reports)

    demo = sub.add_parser("demo", help="build every report from the seeded synthetic example "
                          "panel (labelled synthetic) into outputs/demo")
    demo.add_argument("--seed", type=int, default=2021, help="seed of the synthetic panel")
    demo.add_argument("--jobs", type=int, help="notebooks run at once (default: cores)")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as err:
        from lib.data.io import DataError, StorageError  # here: not every command needs pandas
        from lib.data.schemas import ValidationError

        if _is_disk_fault(err):  # last resort: each command handles the faults it expects
            from lib.data.io import storage_problem

            where = f" {err.filename}" if err.filename else ""
            print(f"error: cannot write{where} ({storage_problem(err)})", file=sys.stderr)
            return EXIT_BAD_INPUT
        if not isinstance(err, (DataError, StorageError, ValidationError)):
            raise
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _is_disk_fault(err: BaseException) -> bool:
    """A full, read-only or over-quota disk: a fault of the machine, said in one sentence."""
    import errno

    return isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into a reader that stopped (`| head`): no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(128 + 13)  # as a shell reports SIGPIPE
