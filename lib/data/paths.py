"""Project folders, derived from this file's location.

``DTI_PROCESSED_DIR`` and ``DTI_OUTPUTS_DIR`` override the generated folders (tests, demo runs).

The processed tables are published as whole sets: ``<processed>/sets/<id>/`` holds one build
(tables and ``manifest.json``) and the symbolic link ``<processed>/current`` names the set in
use; :mod:`lib.build.pipeline` switches it in one atomic step. A folder without ``current`` (a set
itself, or an older flat build) is read as it is.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # lib/data/paths.py → the checkout
RAW_DIR = ROOT / "data" / "raw"
NOTEBOOKS_DIR = ROOT / "notebooks"
REPORTS_CONFIG = ROOT / "reports.yml"
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "site" / "templates"


CURRENT_LINK = "current"


def processed_root() -> Path:
    """Folder the processed data are published in (``data/processed`` unless
    ``DTI_PROCESSED_DIR`` is set); holds ``current`` and ``sets/`` (see the module notes)."""
    return Path(os.environ.get("DTI_PROCESSED_DIR", ROOT / "data" / "processed"))


def resolve_processed(directory: str | Path) -> Path:
    """The folder of the tables published in ``directory``: the set its ``current`` link
    names (as a resolved path, so a reader keeps one set even if a build switches it), else
    ``directory`` itself."""
    link = Path(directory) / CURRENT_LINK
    return link.resolve() if link.is_symlink() else Path(directory)


def processed_dir() -> Path:
    """Folder of the processed tables in use: :func:`resolve_processed` of
    :func:`processed_root`. Call it once per task and keep the result to read one set."""
    return resolve_processed(processed_root())


def outputs_dir() -> Path:
    """Folder of executed notebooks and HTML (``outputs`` unless ``DTI_OUTPUTS_DIR`` is set)."""
    return Path(os.environ.get("DTI_OUTPUTS_DIR", ROOT / "outputs"))


def read_manifest(directory: str | Path | None = None) -> dict:
    """The processed data's ``manifest.json`` (``data_version``, ``tables``, ``synthetic``…) as
    a dict; ``{}`` when there is none or it is not JSON (the next ``make data`` rebuilds it).

    ``directory`` is a published folder (its ``current`` set is read) or a set; default
    :func:`processed_root`."""
    path = resolve_processed(directory or processed_root()) / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
