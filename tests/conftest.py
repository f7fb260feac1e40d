"""Shared fixtures: the real processed data, built once per test session into a temp folder."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _Visible(HTMLParser):
    """Visible text of a page: text nodes and alt/title attributes, without script/style."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    """The words a reader sees in an HTML page: text nodes and the alt, title and aria-label
    attributes, without scripts and styles, white space collapsed."""
    parser = _Visible()
    parser.feed(page)
    return re.sub(r"\s+", " ", " ".join(parser.parts))
