"""Write the DTI data-entry workbook that provincial staff fill in (``python -m lib template``).

The workbook has one data sheet (``DTI <year>``: one row per unit, one column per main
indicator with its maximum in the header, the total and the rank), an instructions sheet, the
list of indicators and of units, and a hidden ``_meta`` sheet that :mod:`lib.staff.reading` reads.
Cells carry input validation (a number between 0 and the maximum, or ``n/a``). A
``.source.yml`` sidecar is written next to it, so that once filled, the pair can be copied
into ``data/raw`` and ``python -m lib validate`` and ``python -m lib data`` accept it as is.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from lib.data.datasets.dti_scores import year_problem
from lib.data.files import write_atomic, write_text_atomic
from lib.data.io import DataError
from lib.data.paths import RAW_DIR, outputs_dir
from lib.staff.tables import (DEFAULT_FRAMEWORK, INFO_SHEETS, META_SHEET, indicator_names,
                              main_indicator_maxima)
from lib.staff.unit_names import load_units

TEMPLATE_VERSION = "1"
HEADER_ROW = 4  # group header; indicator names on row 5; units from row 6
TOTAL_MAX = 1000


def default_path(province: str, year: int) -> Path:
    """``outputs/templates/dti_districts_<province>_<year>.xlsx``."""
    return outputs_dir() / "templates" / f"dti_districts_{province}_{year}.xlsx"


def template_units(province: str, year: int, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """The district-level units of ``province`` valid in ``year`` (``unit_code``,
    ``unit_type``, ``unit_name``), sorted by code.

    Raises :class:`DataError` when there are none (unknown province, or a year after the
    district level was abolished on 2025-07-01).
    """
    units = load_units(str(raw_dir))
    mask = (units["unit_level"] == "district") & (units["parent_code"] == province)
    valid = units["valid_to"].isna() | (units["valid_to"].astype(str) >= f"{year}-01-01")
    valid &= units["valid_from"].isna() | (units["valid_from"].astype(str) <= f"{year}-12-31")
    chosen = units[mask & valid].sort_values("unit_code")
    if chosen.empty:
        raise DataError("units", f"no district-level units of province {province!r} in {year}",
                        hint="district-level units are listed for province 26 (Vĩnh Phúc) and "
                             "exist until 2025-06-30")
    return chosen[["unit_code", "unit_type", "unit_name"]].reset_index(drop=True)


def _province_name(province: str, raw_dir: Path) -> str:
    units = load_units(str(raw_dir))
    names = units[(units["unit_level"] == "province") & (units["unit_code"] == province)]
    return names["unit_name"].iloc[0] if len(names) else province


def _instructions(year: int, province_name: str, n_units: int, maxima: dict) -> list[str]:
    sheet = f"DTI {year}"
    return [
        f"BIỂU NHẬP KẾT QUẢ CHỈ SỐ CHUYỂN ĐỔI SỐ (DTI) CẤP HUYỆN NĂM {year} – TỈNH "
        f"{province_name.upper()}",
        "",
        f"1. Nhập điểm của {n_units} đơn vị vào trang '{sheet}', mỗi đơn vị một dòng. Không sửa "
        "mã, tên đơn vị, tiêu đề cột và tên các trang.",
        "2. Mỗi ô chỉ số chính: điểm đạt được, từ 0 đến điểm tối đa ghi ở tiêu đề cột. Nhập số "
        "(dấu thập phân theo cài đặt của Excel); nếu nhập dạng chữ thì dùng dấu phẩy: 87,5.",
        "3. Đơn vị không được đánh giá chỉ số nào: ghi n/a. Điểm đã được công bố nhưng chưa "
        "nhập vào tệp này: ghi 'chưa nhập' và nêu văn bản có điểm đó trong tệp .source.yml. "
        "Không để trống ô giữa các ô đã nhập; dòng để trống toàn bộ được bỏ qua.",
        "4. Tổng điểm DTI: ghi theo quyết định công bố kết quả; để trống thì được tính bằng tổng "
        "các chỉ số chính. Tổng phải bằng tổng các chỉ số chính (sai số làm tròn).",
        f"5. Xếp hạng: số nguyên 1–{n_units}, 1 = cao nhất; đồng hạng ghi cùng số. Để trống "
        "thì được xếp theo tổng điểm.",
        "6. Kiểm tra: python -m lib validate <tệp>. Sau đó chép tệp .xlsx cùng tệp "
        ".source.yml vào data/raw và chạy python -m lib data.",
        "",
        f"Các chỉ số chính và điểm tối đa ({len(maxima)} chỉ số, tổng "
        f"{sum(maxima.values()):g} điểm) theo khung DTI cấp tỉnh (QĐ 922/QĐ-BTTTT). Tên và "
        "điểm tối đa của bộ chỉ số cấp huyện (QĐ 2074/QĐ-UBND) chưa có trong nguồn của dự án: "
        "nếu khác, sửa '(tối đa …)' ở tiêu đề cột; chương trình đọc điểm tối đa từ tiêu đề.",
        "",
        "ENGLISH. Enter one row per unit in the data sheet: the points of each main indicator "
        "(0 to the maximum in the column header), 'n/a' when not assessed, 'not entered' when "
        "the score is published but not copied here (name the document in the sidecar), the total as "
        "published (blank = sum of the main indicators) and the rank (blank = ranked by the "
        "total). Do not edit codes, names, headers or sheet names. Check the file with "
        "`python -m lib validate FILE`, then copy it with its .source.yml sidecar into data/raw "
        "and run `python -m lib data`. Main indicators and maxima follow the provincial DTI "
        "framework (QĐ 922/QĐ-BTTTT); the district framework's names and points are not in the "
        "project's sources: correct the '(tối đa …)' in the headers if yours differ.",
    ]


def build_workbook(province: str = "26", year: int = 2024, framework_id: str = DEFAULT_FRAMEWORK,
                   raw_dir: Path = RAW_DIR):
    """The template as an ``openpyxl.Workbook`` (see the module docstring).

    Raises :class:`lib.data.io.DataError` for a year outside the frameworks' years or a
    framework without main indicators.
    """
    from openpyxl import Workbook

    if problem := year_problem(year):
        raise DataError("lib/data/reference/dti_framework_years.csv", problem)
    maxima = main_indicator_maxima(framework_id)
    if not maxima:
        raise DataError("lib/data/reference/dti_main_indicators.csv",
                        f"no main indicators for framework {framework_id!r}")
    units = template_units(province, year, raw_dir)
    province_name = _province_name(province, raw_dir)
    names = indicator_names().set_index("indicator")
    book = Workbook()
    data = book.active
    data.title = f"DTI {year}"
    _write_data_sheet(data, year, province_name, maxima, names, units)
    _write_info_sheets(book, year, province_name, maxima, names, units)
    meta = book.create_sheet(META_SHEET)
    for key, value in (("template_version", TEMPLATE_VERSION), ("province", province),
                       ("reference_year", str(year)), ("framework_id", framework_id),
                       ("unit_level", "district"), ("data_sheet", data.title)):
        meta.append([key, value])
    meta.sheet_state = "hidden"
    book.active = 1
    return book


def _write_data_sheet(data, year: int, province_name: str, maxima: dict, names, units) -> None:
    """The data-entry sheet: title, two header rows, one row per unit, entry cells unlocked."""
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="center",
                                              horizontal="center")
    entry = PatternFill("solid", fgColor="FFFFFFFF")
    fixed = PatternFill("solid", fgColor="FFEDEDED")
    first_ind, total_col = 4, 4 + len(maxima)
    rank_col, note_col = total_col + 1, total_col + 2
    last = get_column_letter(note_col)
    data["A1"] = (f"KẾT QUẢ ĐÁNH GIÁ CHỈ SỐ CHUYỂN ĐỔI SỐ (DTI) CẤP HUYỆN NĂM {year} – TỈNH "
                  f"{province_name.upper()}")
    data["A1"].font = Font(bold=True, size=13)
    data.merge_cells(f"A1:{last}1")
    data["A2"] = ("Nhập điểm vào các ô trắng; xem trang 'Hướng dẫn'. "
                  "Enter points in the white cells.")
    data.merge_cells(f"A2:{last}2")
    h, h2 = HEADER_ROW, HEADER_ROW + 1
    for col, label in ((1, "STT"), (2, "Mã đơn vị"), (3, "Tên đơn vị"),
                       (total_col, f"Tổng điểm DTI (tối đa {TOTAL_MAX})"),
                       (rank_col, "Xếp hạng"), (note_col, "Ghi chú")):
        data.cell(h, col, label)
        data.merge_cells(start_row=h, start_column=col, end_row=h2, end_column=col)
    data.cell(h, first_ind, "Chỉ số chính")
    data.merge_cells(start_row=h, start_column=first_ind, end_row=h,
                     end_column=total_col - 1)
    for offset, (indicator, maximum) in enumerate(maxima.items()):
        data.cell(h2, first_ind + offset, f"{names.at[indicator, 'name_vi']} (tối đa {maximum:g})")
    for row in (h, h2):
        for col in range(1, note_col + 1):
            data.cell(row, col).font, data.cell(row, col).alignment = bold, wrap
    data.row_dimensions[h2].height = 45
    for i, unit in units.iterrows():
        row = h2 + 1 + i
        data.cell(row, 1, i + 1)
        data.cell(row, 2, unit["unit_code"])
        data.cell(row, 3, f"{unit['unit_type']} {unit['unit_name']}".strip())
        for col in range(1, 4):
            data.cell(row, col).fill = fixed
        for col in range(first_ind, note_col + 1):
            data.cell(row, col).fill = entry
            data.cell(row, col).protection = Protection(locked=False)
    first_row, last_row = h2 + 1, h2 + len(units)
    data.cell(last_row + 2, 1, "Ghi chú: điểm tối đa ở tiêu đề cột; 'n/a' = không đánh giá; "
                               "'chưa nhập' = đã công bố nhưng chưa nhập. Notes: maxima in the "
                               "headers; 'n/a' = not assessed; 'not entered' = published, not "
                               "entered here.")
    _add_validations(data, maxima, first_ind, rank_col, first_row, last_row)
    data.protection.sheet = True
    data.protection.formatColumns = False
    data.column_dimensions["C"].width = 24
    for col in range(first_ind, note_col + 1):
        data.column_dimensions[get_column_letter(col)].width = 14
    data.freeze_panes = f"D{first_row}"


def _add_validations(data, maxima: dict, first_ind: int, rank_col: int, first_row: int,
                     last_row: int) -> None:
    """Excel data validation: each score 0–maximum, 'n/a' or 'chưa nhập'; ranks 1–n."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    n = last_row - first_row + 1
    for offset, maximum in enumerate([*maxima.values(), TOTAL_MAX]):
        col = get_column_letter(first_ind + offset)
        top = f"{col}{first_row}"
        rule = DataValidation(
            type="custom", allow_blank=True, showErrorMessage=True,
            errorTitle="Giá trị không hợp lệ",
            formula1=(f'OR(AND(ISNUMBER({top}),{top}>=0,{top}<={maximum:g}),'
                      f'LOWER({top})="n/a",LOWER({top})="chưa nhập",LOWER({top})="not entered")'),
            error=f"Nhập một số từ 0 đến {maximum:g}, n/a hoặc chưa nhập. "
                  f"Enter 0–{maximum:g}, n/a or not entered.",
            showInputMessage=True, promptTitle="Điểm",
            prompt=f"0 – {maximum:g} điểm, n/a hoặc chưa nhập")
        rule.add(f"{top}:{col}{last_row}")
        data.add_data_validation(rule)
    rank_letter = get_column_letter(rank_col)
    rank_rule = DataValidation(type="whole", operator="between", formula1="1", formula2=str(n),
                               allow_blank=True, showErrorMessage=True,
                               error=f"Xếp hạng là số nguyên từ 1 đến {n}. Rank 1–{n}.")
    rank_rule.add(f"{rank_letter}{first_row}:{rank_letter}{last_row}")
    data.add_data_validation(rank_rule)


def _write_info_sheets(book, year: int, province_name: str, maxima: dict, names, units) -> None:
    """The instructions sheet (first), the indicator list and the unit list."""
    from openpyxl.styles import Alignment, Font

    guide = book.create_sheet(INFO_SHEETS[0], 0)
    for i, line in enumerate(_instructions(year, province_name, len(units), maxima), start=1):
        guide.cell(i, 1, line).alignment = Alignment(wrap_text=True, vertical="top")
    guide["A1"].font = Font(bold=True, size=13)
    guide.column_dimensions["A"].width = 120
    table = book.create_sheet(INFO_SHEETS[1])
    table.append(["Mã chỉ số (indicator)", "Tên chỉ số", "Indicator", "Điểm tối đa (max)"])
    for indicator, maximum in maxima.items():
        table.append([indicator, names.at[indicator, "name_vi"], names.at[indicator, "name_en"],
                      maximum])
    table.append(["dti_total", "Tổng điểm DTI", "DTI total", TOTAL_MAX])
    units_sheet = book.create_sheet(INFO_SHEETS[2])
    units_sheet.append(["Mã đơn vị (GSO)", "Loại", "Tên đơn vị"])
    for _, unit in units.iterrows():
        units_sheet.append(list(unit))
    for sheet in (table, units_sheet):
        for cell in sheet[1]:
            cell.font = Font(bold=True)


def sidecar_text(path: Path, province: str, year: int, framework_id: str,
                 province_name: str) -> str:
    """The ``.source.yml`` written next to a template (provenance placeholders to complete)."""
    meta = {
        "title": f"DTI of the district-level units of {province_name}, {year} "
                 "(data-entry template filled by provincial staff)",
        "publisher": "TO COMPLETE: the office that provided the figures",
        "url": "",
        "published": "TO COMPLETE: date of the decision announcing the results",
        "accessed": date.today().isoformat(),
        "licence": "internal data of the provincial administration",
        "number_format": {"decimal": ",", "thousands": ".", "encoding": "xlsx",
                          "notes": "numeric Excel cells are read as they are; numbers typed as "
                                   "text use the Vietnamese convention (87,5)"},
        "trust": "official results as entered by provincial staff; check against the signed "
                 "decision",
        "feeds": ["dti_scores"],
        "shape": "dti_workbook",
        "province": province,
        "unit_level": "district",
        "reference_year": year,
        "scale": "points",
        "framework_id": framework_id,
        "source_type": "official",
    }
    header = (f"# Provenance of {path.name} (written by `python -m lib template`).\n"
              "# Complete publisher, url and published; keep shape, feeds, province and "
              "reference_year.\n")
    return header + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)


def write_template(path: str | Path | None = None, province: str = "26", year: int = 2024,
                   framework_id: str = DEFAULT_FRAMEWORK, raw_dir: Path = RAW_DIR,
                   overwrite: bool = False) -> list[Path]:
    """Write the template workbook and its sidecar, each atomically; return both paths.

    Raises :class:`DataError` when the file exists (unless ``overwrite``), or see
    :func:`build_workbook`.
    """
    path = Path(path) if path else default_path(province, year)
    if path.suffix.lower() != ".xlsx":
        raise DataError(path, "the template must be an .xlsx file")
    if path.exists() and not overwrite:
        raise DataError(path, "file exists; not overwritten",
                        hint="choose another --out, or add --force")
    book = build_workbook(province, year, framework_id, raw_dir)
    sidecar = path.with_name(path.name + ".source.yml")
    write_atomic(path, lambda tmp: book.save(tmp))
    write_text_atomic(sidecar, sidecar_text(path, province, year, framework_id,
                                            _province_name(province, raw_dir)))
    return [path, sidecar]
