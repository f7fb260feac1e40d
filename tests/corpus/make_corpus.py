"""Write the malformed-file corpus of tests/corpus/files (run from the repository root).

    .venv/bin/python tests/corpus/make_corpus.py

Each file carries one problem; tests/corpus/expected.csv says which message (and exit code)
`python -m lib validate FILE` must give. The files are committed; this script documents how
they were made and re-creates them.
"""

from __future__ import annotations

import codecs
import datetime as dt
import sys
import unicodedata
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lib.data.io import VISCII_TABLE  # noqa: E402

OUT = Path(__file__).resolve().parent / "files"
UNITS = ["TP. Vĩnh Yên", "Thành phố Phúc Yên", "Huyện Lập Thạch", "Tam Dương", "Tam Dao",
         "H. Bình Xuyên", "Yên Lạc", "Vĩnh Tường", "Sông Lô"]
MAIN = ["Nhận thức số", "Thể chế số", "Hạ tầng số", "Nhân lực số", "An toàn thông tin mạng",
        "Hoạt động chính quyền số", "Hoạt động kinh tế số", "Hoạt động xã hội số"]
MAXIMA = [100, 100, 100, 100, 100, 200, 150, 150]
TITLE = "KẾT QUẢ ĐÁNH GIÁ CHỈ SỐ DTI CẤP HUYỆN NĂM 2023"


def scores() -> list[list[float]]:
    """Plausible main-indicator points for the 9 units (no outliers, distinct totals)."""
    rows = []
    for i in range(len(UNITS)):
        rows.append([round(m * (0.62 + 0.025 * ((i * 3 + k) % 9)) + 0.25 * i, 2)
                     for k, m in enumerate(MAXIMA)])
    return rows


def fmt(x: float, decimal: str = ".") -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", decimal)


def ranks(totals: list[float]) -> list[int]:
    return [1 + sum(t > x for t in totals) for x in totals]


def wide_lines(decimal=".", sep=",", with_total=True, with_rank=True, title=TITLE,
               edit=None) -> list[list[str]]:
    """Header + 9 unit rows; ``edit(rows)`` may change the cells (list of lists of str)."""
    values = scores()
    totals = [round(sum(v), 2) for v in values]
    header = ["Tên đơn vị", *MAIN] + (["Tổng điểm"] if with_total else []) + \
        (["Xếp hạng"] if with_rank else [])
    rows = []
    for name, vals, total, rank in zip(UNITS, values, totals, ranks(totals)):
        row = [name, *(fmt(v, decimal) for v in vals)]
        row += [fmt(total, decimal)] if with_total else []
        row += [str(rank)] if with_rank else []
        rows.append(row)
    if edit:
        edit(rows)
    lines = ([[title]] if title else []) + [header] + rows
    return lines


def write_csv(name: str, lines, sep=",", encoding="utf-8", bom=False) -> None:
    def quote(cell):
        return f'"{cell}"' if sep in cell or '"' in cell else cell
    text = "\n".join(sep.join(quote(c) for c in line) for line in lines) + "\n"
    data = text.encode(encoding)
    (OUT / name).write_bytes((codecs.BOM_UTF8 if bom else b"") + data)


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as Excel writes it: precomposed base letters, separate tone marks."""
    out = b""
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        tones = [m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323"]
        rest = [m for m in marks if m not in tones]
        out += unicodedata.normalize("NFC", base + "".join(rest)).encode("cp1258")
        out += "".join(tones).encode("cp1258")
    return out


def write_xlsx(name: str, sheets: dict[str, list[list[object]]], merges=None, hide=()) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, lines in sheets.items():
        sheet = book.create_sheet(title)
        for line in lines:
            sheet.append(line)
        for merge in (merges or {}).get(title, []):
            sheet.merge_cells(merge)
        if title in hide:
            sheet.sheet_state = "hidden"
    book.save(OUT / name)


def numeric(lines):
    """Cells that look like numbers → floats (as Excel stores them)."""
    out = []
    for line in lines:
        row = []
        for cell in line:
            try:
                row.append(float(cell) if any(ch.isdigit() for ch in cell) and "." in cell
                           or cell.isdigit() else cell)
            except ValueError:
                row.append(cell)
        out.append(row)
    return out


def set_cell(r, c, value):
    def edit(rows):
        rows[r][c] = value
    return edit


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    lines = wide_lines
    # --- encodings
    (OUT / "enc_unknown_bytes.csv").write_bytes(
        "Tên đơn vị,Tổng điểm\n".encode("utf-8") + b"\x81\x8d\x8f\x90 \xff\xfe\x9d,700\n")
    text = "\n".join(",".join(c for c in line) for line in lines()) + "\n"
    (OUT / "enc_windows1258_valid.csv").write_bytes(encode_cp1258(text))
    inverse = {ch: i for i, ch in enumerate(VISCII_TABLE)}
    (OUT / "enc_viscii_valid.csv").write_bytes(
        bytes(inverse[c] for c in unicodedata.normalize("NFC", text)))
    utf16 = lines(edit=set_cell(2, 0, "Huyện Lập Thạc"))
    (OUT / "enc_utf16_tab_unknown_unit.txt").write_bytes(
        codecs.BOM_UTF16_LE + ("\r\n".join("\t".join(l) for l in utf16) + "\r\n")
        .encode("utf-16-le"))
    nfd = lines()
    write_csv("enc_utf8_bom_nfd_valid.csv", [[unicodedata.normalize("NFD", c) for c in l]
                                             for l in nfd], bom=True)
    # --- numbers
    write_csv("num_semicolon_thousands_over_max.csv",
              lines(decimal=",", edit=set_cell(0, 9, "1.234,5")), sep=";", bom=True)
    write_csv("num_ambiguous_decimal.csv",
              [[TITLE], ["Tên đơn vị", "Tổng điểm"], ["Lập Thạch", "744.213"],
               ["Vĩnh Yên", "631"]])
    write_csv("num_mixed_decimal_marks.csv",
              lines(edit=lambda rows: rows[3].__setitem__(1, "70,5")), sep=";")
    write_csv("num_text_not_a_number.csv", lines(edit=set_cell(4, 2, "khá")))
    write_csv("num_percent_in_score.csv", lines(edit=set_cell(1, 1, "85%")))
    write_csv("num_negative.csv", lines(edit=set_cell(5, 3, "-5")))
    write_csv("num_decimal_comma_in_comma_csv.csv",
              [[TITLE], ["Tên đơn vị", "Tổng điểm", "Xếp hạng"], ["Lập Thạch", "744", "213",
                                                                  "1"]])
    write_csv("num_footnote_marker_warning.csv",
              [[TITLE], ["Tên đơn vị", "Tổng điểm"], ["Lập Thạch", "744.21*"],
               ["Vĩnh Yên", "631.5"], ["* Điểm sau phúc tra"]])
    write_csv("num_dash_warning.csv",
              [["Đơn vị", "Năm", "Chỉ số", "Giá trị"], ["Lập Thạch", "2023", "Tổng điểm", "-"],
               ["Vĩnh Yên", "2023", "Tổng điểm", "631.5"]])
    # --- checks
    write_csv("chk_score_above_max.csv", lines(edit=set_cell(2, 1, "120")))
    write_csv("chk_sum_mismatch.csv", lines(edit=set_cell(6, 9, "700")))
    write_csv("chk_rank_contradicts_scores.csv",
              lines(edit=lambda rows: (rows[0].__setitem__(10, "9"),
                                       rows[8].__setitem__(10, rows[0][10] if False else "1"))))
    write_csv("chk_rank_out_of_range.csv", lines(edit=set_cell(0, 10, "12")))
    write_csv("chk_scale_0_1_in_points_file.csv",
              [[TITLE], ["Tên đơn vị", "Tổng điểm"], ["Lập Thạch", "0.7442"],
               ["Vĩnh Yên", "0.6315"]])
    write_csv("chk_duplicate_unit.csv", lines(edit=set_cell(8, 0, "Vĩnh Yên")))
    write_csv("chk_empty_cell.csv", lines(edit=set_cell(3, 4, "")))
    write_csv("chk_share_over_100.csv",
              [[TITLE], ["Tên đơn vị", "Tổng điểm", "Tỷ lệ (%)"], ["Lập Thạch", "744.21", "120%"],
               ["Vĩnh Yên", "631.5", "63.15%"]])
    write_csv("chk_same_as_previous_year_warning.csv",
              [["Đơn vị", "Năm", "Chỉ số", "Giá trị"],
               ["Tam Đảo", "2022", "Tổng điểm", "612.4"],
               ["Tam Đảo", "2023", "Tổng điểm", "612.4"]])
    # --- names and structure
    write_csv("name_unknown_unit.csv", lines(edit=set_cell(2, 0, "Huyện Lập Thăch Mới")))
    write_csv("name_unknown_indicator_long.csv",
              [["Đơn vị", "Năm", "Chỉ số", "Giá trị"],
               ["Lập Thạch", "2023", "Nhận thứcc số", "80"]])
    write_csv("struct_no_year.csv", lines(title=None))
    write_csv("struct_no_table.csv", [["Báo cáo tình hình chuyển đổi số"], ["Nội dung", "Ghi chú"],
                                      ["Đã triển khai", "tốt"]])
    (OUT / "struct_unsupported.pdf").write_bytes(b"%PDF-1.4\n")
    write_csv("struct_bad_sidecar.csv", lines())
    (OUT / "struct_bad_sidecar.csv.source.yml").write_text(
        "title: x\npublisher: x\nurl: ''\npublished: x\naccessed: x\nlicence: x\n"
        "number_format: {decimal: ';'}\ntrust: x\nfeeds: [dti_scores]\nshape: dti_table\n",
        encoding="utf-8")
    # --- Excel
    header_group = ["STT", "Mã đơn vị", "Tên đơn vị", "Chỉ số chính", *[None] * 7,
                    "Tổng điểm DTI (tối đa 1000)", "Xếp hạng"]
    header_names = ["STT", "Mã đơn vị", "Tên đơn vị", *[f"{n} (tối đa {m})" for n, m in
                                                       zip(MAIN, MAXIMA)], None, None]
    numbers = ["(1)", "(2)", "(3)", *[f"({i})" for i in range(4, 14)]]
    body = numeric(lines(title=None))[1:]
    codes = ["243", "244", "246", "247", "248", "249", "251", "252", "253"]
    rows = [[i + 1, code, *row] for i, (code, row) in enumerate(zip(codes, body))]
    rows[2][1] = "247"  # code of Tam Dương on the Lập Thạch row
    write_xlsx("xlsx_merged_header_code_mismatch.xlsx", {
        "Kết quả": [["ỦY BAN NHÂN DÂN TỈNH VĨNH PHÚC"], [TITLE], [], header_group, header_names,
                    numbers, *rows, [], ["Ghi chú: điểm theo QĐ 2074/QĐ-UBND"],
                    ["Người lập biểu"]]},
        merges={"Kết quả": ["A1:F1", "A2:M2", "A4:A5", "B4:B5", "C4:C5", "D4:K4", "L4:L5",
                            "M4:M5"]})
    sheet22 = numeric(lines(title=None))
    sheet23 = numeric(lines(title=None, edit=set_cell(7, 0, "Vĩnh Tườngg")))
    for row in sheet22[1:]:
        row[1:9] = [round(v - 3, 2) for v in row[1:9]]
        row[9] = round(sum(row[1:9]), 2)
    write_xlsx("xlsx_two_sheets_unknown_unit.xlsx",
               {"Hướng dẫn nhập": [["Nhập điểm vào các trang năm"]], "DTI 2022": sheet22,
                "DTI 2023": sheet23})
    date_rows = numeric(lines())
    date_rows[3][2] = dt.datetime(2023, 5, 12)
    write_xlsx("xlsx_date_in_score.xlsx", {"DTI 2023": date_rows})
    error_rows = numeric(lines())
    error_rows[5][9] = "#DIV/0!"
    write_xlsx("xlsx_excel_error_value.xlsx", {"DTI 2023": error_rows})
    formula_rows = numeric(lines(with_total=True))
    formula_rows[4][9] = "=SUM(B5:I5)"  # openpyxl stores no result: as if never recalculated
    write_xlsx("xlsx_formula_without_value.xlsx", {"DTI 2023": formula_rows})
    (OUT / "xlsx_corrupt.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (OUT / "xlsx_old_format.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 56)
    print(f"wrote {len(list(OUT.iterdir()))} files to {OUT}")


if __name__ == "__main__":
    main()
