"""What decides whether a report is rebuilt: its fingerprint's inputs (:func:`inputs_of`),
the data's identity (:func:`data_id`), the reason to rebuild (:func:`rebuild_reason`), and the
state records turned into index entries (:func:`index_entries`).
"""

from __future__ import annotations

import os
from pathlib import Path

from lib.batch import state as state_
from lib.batch.plan import Job
from lib.data.files import sha256_bytes

INPUT_LABELS = {"notebook": "notebook", "parameters": "parameters", "data": "processed data",
                "lib": "lib code", "requirements": "pinned requirements", "python": "Python",
                "runner": "runner", "kernel": "kernel"}


def data_id(manifest: dict, tables: list[str] | None = None) -> str:
    """The processed data's identity in fingerprints (+ ":synthetic" for the synthetic panel):
    with ``tables``, a hash of those tables' SHA-256 in the data manifest (the tables a report
    read when it was last built); without, the whole ``data_version``."""
    synthetic = ":synthetic" if manifest.get("synthetic") else ""
    if tables is None:
        return manifest.get("data_version", "none") + synthetic
    hashes = {name: manifest.get("tables", {}).get(name, {}).get("sha256", "missing")
              for name in sorted(tables)}
    return "tables:" + sha256_bytes(state_.canonical_json(hashes).encode())[:12] + synthetic


def inputs_of(job: Job, notebook_sha: str, manifest: dict, identity: dict, kernel: str,
              tables: list[str] | None = None, data: str | None = None, *, code: str) -> dict:
    """The input components of a report's fingerprint; ``tables``: the processed tables the
    report read when it was last built (None: all the data); ``data``: their
    :func:`data_id` when the caller has it already; ``code``: the hash of the modules the
    notebook imports and of the exporter (:meth:`BatchRun.notebook_code`)."""
    return {"notebook": notebook_sha,
            "parameters": job.parameters_sha,
            "data": data if data is not None else data_id(manifest, tables), "lib": code,
            "requirements": identity["requirements"], "python": identity["python"],
            "runner": identity["runner"], "kernel": kernel}


class OutputFiles:
    """The files of an outputs folder, each folder listed once (``os.scandir``) instead of one
    ``stat`` per file: a no-op of 20,000 reports checks 40,000 files."""

    def __init__(self, out: Path):
        self.out = str(out)
        self._names: dict[str, set[str]] = {}

    def is_file(self, relative: str) -> bool:
        """Whether ``relative`` (a path below the outputs folder, ``/``-separated) is a file."""
        folder, _, name = relative.rpartition("/")
        names = self._names.get(folder)
        if names is None:
            try:
                with os.scandir(os.path.join(self.out, folder)) as entries:
                    names = {entry.name for entry in entries if entry.is_file()}
            except OSError:  # no such folder, or not one
                names = set()
            self._names[folder] = names
        return name in names


def rebuild_reason(record: dict | None, inputs: dict, out: Path, force: bool = False,
                   files: OutputFiles | None = None) -> str:
    """Why a report must be rebuilt ("" when it is up to date); ``files``: the outputs
    folder's :class:`OutputFiles` when many reports are checked (default: ``stat`` each)."""
    if force:
        return "forced"
    if not record or record.get("status") == "no_data" or not record.get("inputs"):
        return "new"
    if record.get("status") == "failed":
        return "last attempt failed"
    if record["inputs"] != inputs:  # one comparison when nothing changed
        changed = [INPUT_LABELS.get(k, k) for k in inputs
                   if record["inputs"].get(k) != inputs[k]]
        if changed:
            return ", ".join(changed) + " changed"
    html, executed = f"html/{record.get('html')}", str(record.get("executed"))
    is_file = files.is_file if files is not None \
        else (lambda relative: os.path.isfile(os.path.join(out, relative)))
    if not is_file(html) or not is_file(executed):
        return "output missing"
    return ""


def record_base(job: Job) -> dict:
    """The fields every state record and manifest entry of a report starts with."""
    return {"key": job.key, "notebook": job.notebook, "unit_code": job.unit_code,
            "unit_name": job.unit_name, "unit_level": job.unit_level,
            "reference_year": job.reference_year, "lang": job.lang, "parameters": job.parameters}


def index_entries(records, out: Path) -> list:
    """Portfolio entries for every report recorded in the outputs folder's state (built,
    failed or without data), whatever part of the plan the last run covered. A failed report
    whose previous HTML still exists is ``stale``."""
    from lib.site.portfolio import IndexEntry

    out = Path(out)
    entries = []
    for record in sorted(records, key=lambda r: r["key"]):
        status, html = record.get("status"), record.get("html")
        has_html = bool(html) and (out / "html" / html).is_file()
        if status == "failed":
            status = "stale" if has_html else "failed"
        elif status == "built" and not has_html:
            status = "failed"
        entries.append(IndexEntry(record["notebook"], record["unit_code"], record["unit_name"],
                                  record["unit_level"], int(record["reference_year"]), status,
                                  html if status in ("built", "stale") else None, record["lang"]))
    return entries
