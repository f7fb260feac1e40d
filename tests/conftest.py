"""Shared fixtures: the real processed data, built once per test session into a temp folder."""

from __future__ import annotations

import re

import pytest

from lib import load, pipeline


@pytest.fixture(scope="session")
def processed(tmp_path_factory):
    """Build the processed tables from data/raw into a session temp folder and point
    ``DTI_PROCESSED_DIR`` at it; returns the folder."""
    out = tmp_path_factory.mktemp("processed")
    mp = pytest.MonkeyPatch()
    mp.setenv("DTI_PROCESSED_DIR", str(out))
    pipeline.build(out_dir=out, force=True)
    load._read.cache_clear()
    yield out
    mp.undo()
    load._read.cache_clear()


@pytest.fixture(scope="session")
def tables(processed):
    """Every processed table by name."""
    return {name: load.load_table(name, processed) for name in load.TABLES}


def visible_text(page: str) -> str:
    """The words a reader sees in an HTML page (and the labels read aloud): no styles, no
    scripts, no markup."""
    page = re.sub(r"<(style|script)>.*?</\1>", " ", page, flags=re.S)
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', page))
    return re.sub(r"<[^>]+>", " ", page) + " " + labels
