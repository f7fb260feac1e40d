"""Shared fixtures: the real processed data, built once per test session into a temp folder."""

from __future__ import annotations

import os
import re
import subprocess
from html.parser import HTMLParser

import pytest

from lib.build import pipeline
from lib.data import load


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


@pytest.fixture()
def tmpfs(tmp_path):
    """``mount(options)`` mounts a tmpfs (e.g. ``"size=4m"``, ``"ro,size=1m"``) on a new folder
    and returns it; unmounted after the test. Needs root and mount: skips cleanly where it
    cannot mount (CI runs as root)."""
    mounted = []

    def mount(options: str):
        if not hasattr(os, "geteuid") or os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root (CI runs as root)")
        disk = tmp_path / f"disk{len(mounted)}"
        disk.mkdir()
        run = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(disk)],
                             capture_output=True)
        if run.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {run.stderr.decode().strip()}")
        mounted.append(disk)
        return disk

    yield mount
    for disk in mounted:
        subprocess.run(["umount", "-l", str(disk)], check=True)
