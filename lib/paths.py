"""Project folders, derived from this file's location.

``DTI_PROCESSED_DIR`` and ``DTI_OUTPUTS_DIR`` override the generated folders (tests, demo runs).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = ROOT / "data" / "raw"
NOTEBOOKS_DIR = ROOT / "notebooks"
REPORTS_CONFIG = ROOT / "reports.yml"
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def processed_dir() -> Path:
    """Folder of the processed tables (``data/processed`` unless ``DTI_PROCESSED_DIR`` is set)."""
    return Path(os.environ.get("DTI_PROCESSED_DIR", ROOT / "data" / "processed"))


def outputs_dir() -> Path:
    """Folder of executed notebooks and HTML (``outputs`` unless ``DTI_OUTPUTS_DIR`` is set)."""
    return Path(os.environ.get("DTI_OUTPUTS_DIR", ROOT / "outputs"))
