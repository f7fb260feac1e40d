"""Legacy Vietnamese code pages: chosen by how plausible the decoded Vietnamese is, or named in
the sidecar; messages never show undecoded bytes as text."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pytest

from lib.data.io import VISCII_TABLE, DataError, detect_encoding, is_vietnamese_syllable, \
    vietnamese_plausibility
from lib.staff.reading import read_file

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))
from make_corpus import encode_cp1258  # noqa: E402  (Excel's Windows-1258: tones combining)

TEXT = "KẾT QUẢ DTI NĂM 2023\nTên đơn vị,Tổng điểm\nHuyện Lập Thạch,744.213\nTP. Vĩnh Yên,631.5\n"


def viscii(text: str) -> bytes:
    inverse = {ch: i for i, ch in enumerate(VISCII_TABLE)}
    return bytes(inverse[c] for c in unicodedata.normalize("NFC", text))


@pytest.mark.parametrize("word,valid", [
    ("điểm", True), ("Huyện", True), ("Thạch", True), ("Nguyễn", True), ("giữa", True),
    ("khuyến", True), ("thao", True),
    ("ðõn", False), ("viò", False), ("TôÒng", False), ("Huyêòn", False), ("hoàá", False)])
def test_vietnamese_syllables(word, valid):
    assert is_vietnamese_syllable(word) is valid


def test_windows_1258_once_refused_as_ambiguous_is_read(tmp_path):
    data = encode_cp1258(TEXT)
    # its VISCII reading is gibberish ("Tên đõn viò"); the Windows-1258 one is Vietnamese
    assert vietnamese_plausibility(data.decode("cp1258")) == 1.0
    assert vietnamese_plausibility(codecs_viscii(data)) == pytest.approx(6 / 13)
    assert detect_encoding(data, legacy=True) == "cp1258"
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    result = read_file(path)
    assert not result.errors
    assert dict(zip(result.observations["unit_code"], result.observations["score"])) == {
        "246": 744.213, "243": 631.5}
    assert [p.problem for p in result.problems] == [
        "not UTF-8: read as Windows-1258 (detected from the Vietnamese letters in the file)"]


def codecs_viscii(data: bytes) -> str:
    from lib.data.io import decode_bytes

    return decode_bytes(data, "viscii")


def test_viscii_is_still_recognised():
    assert detect_encoding(viscii(TEXT), legacy=True) == "viscii"


def test_sidecar_names_the_encoding(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(viscii(TEXT))
    result = read_file(path, {"encoding": "VISCII"})
    assert not result.problems  # stated, so no "not UTF-8" warning
    assert result.observations["unit_name"].tolist() == ["Lập Thạch", "Vĩnh Yên"]


def test_sidecar_encoding_that_does_not_fit_the_bytes(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("Tên đơn vị,Tổng điểm\n".encode("utf-8") + b"L\x90p,700\n")
    problem, = read_file(path, {"encoding": "windows_1258"}).problems
    assert (problem.row, problem.value) == (2, None)
    assert problem.problem == ("not valid Windows-1258 text, as the sidecar's encoding says "
                               "(byte 0x90)")


def test_unknown_sidecar_encoding_is_an_error(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(TEXT, encoding="utf-8")
    problems = read_file(path, {"encoding": "latin-9"}).problems
    assert [(p.problem, p.column, p.value) for p in problems] == [
        ("invalid encoding", "encoding", "latin-9")]
    assert "utf-8, utf-8-sig, utf-16, windows-1258, cp1258, viscii" in problems[0].hint


def test_unrecognised_bytes_are_named_not_shown_as_text():
    data = "Tên đơn vị,Tổng điểm\n".encode("utf-8") + b"\x81\x8d\x8f\x90 \xff\xfe\x9d,700\n"
    with pytest.raises(DataError) as err:
        detect_encoding(data, "x.csv", legacy=True)
    assert (err.value.row, err.value.value) == (2, None)
    assert err.value.problem == ("text encoding not recognised: not UTF-8, UTF-16, Windows-1258 "
                                 "or VISCII (byte 0x81 (the first that is not UTF-8))")
