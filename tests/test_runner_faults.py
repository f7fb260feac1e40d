"""Runner faults: a read-only or full outputs folder is one sentence and exit code 2 before any
kernel starts; notebook names in reports.yml cannot leave notebooks/ (nor outputs/)."""

from __future__ import annotations

import pytest

from lib import report

CONFIG = "reports:\n  - notebook: {notebook}\n    unit_level: district\n    unit_codes: ['246']\n"


@pytest.mark.parametrize("options,sentence", [
    ("ro,size=1m", "cannot write to {out} (the file system is read-only); nothing was built"),
    ("size=4m", "not enough free space in {out}: 4.2 MB free, at least 50 MB needed; nothing "
                "was built")])
def test_unusable_outputs_folder_is_one_sentence_before_any_kernel(tmpfs, monkeypatch, capsys,
                                                                   options, sentence):
    out = tmpfs(options)
    monkeypatch.setenv("DTI_OUTPUTS_DIR", str(out))
    assert report.main(units=["246"], years=[2023], progress=False) == report.EXIT_BAD_CONFIG
    captured = capsys.readouterr()
    assert captured.err == f"error: {sentence.format(out=out)}\n"
    assert list(out.iterdir()) == []  # no lock, no executed notebook, no .tmp


@pytest.mark.parametrize("notebook", ["../../../tmp/nb", "sub/../../scores", ".hidden"])
def test_notebook_names_cannot_leave_notebooks(tmp_path, notebook):
    config = tmp_path / "reports.yml"
    config.write_text(CONFIG.format(notebook=f"'{notebook}'"), encoding="utf-8")
    with pytest.raises(report.ConfigError) as err:
        report.load_config(config)
    assert f"notebook {notebook!r} must be the name of a notebook in notebooks/" in str(err.value)


def test_plain_notebook_name_still_loads(tmp_path):
    config = tmp_path / "reports.yml"
    config.write_text(CONFIG.format(notebook="scores"), encoding="utf-8")
    assert report.load_config(config).entries[0]["notebook"] == "scores"
