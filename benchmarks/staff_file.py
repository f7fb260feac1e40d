"""Benchmark validating a large staff file (not a test: run it by hand).

    .venv/bin/python benchmarks/staff_file.py            # 100,000 and 1,000,000 rows
    .venv/bin/python benchmarks/staff_file.py --rows 20000

Writes a wide DTI staff CSV (a title row, the header, then the 9 districts of Vĩnh Phúc over
and over with all 8 main indicators, total and rank: what a spreadsheet export gone wrong
looks like; every row after the ninth repeats a unit) into a temporary folder, then runs
``python -m lib validate FILE`` on it in a fresh process per size. It prints the wall time,
rows per second, the peak resident memory of that process (``ru_maxrss``), the number of
problem lines printed, and whether the targets are met: 100,000 rows in at most 20 s and
300 MB, 1,000,000 rows in at most 1 GB.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {100_000: (20.0, 300.0), 1_000_000: (None, 1024.0)}  # rows → (seconds, MB)
HEADER = ("Tên đơn vị,Nhận thức số,Thể chế số,Hạ tầng số,Nhân lực số,An toàn thông tin mạng,"
          "Hoạt động chính quyền số,Hoạt động kinh tế số,Hoạt động xã hội số,Tổng điểm,Xếp hạng")
UNITS = ["TP. Vĩnh Yên", "Thành phố Phúc Yên", "Huyện Lập Thạch", "Tam Dương", "Tam Đảo",
         "H. Bình Xuyên", "Yên Lạc", "Vĩnh Tường", "Sông Lô"]
SIDECAR = ("title: benchmark\npublisher: benchmark\nurl: ''\npublished: '2024'\n"
           "accessed: '2024'\nlicence: none\nnumber_format: {decimal: '.'}\ntrust: test\n"
           "feeds: [dti_scores]\nshape: dti_workbook\nprovince: '26'\nreference_year: 2023\n")
CHILD = """
import resource, sys, time
from lib.__main__ import main
start = time.perf_counter()
code = main(["validate", sys.argv[1]])
print(f"@@ {time.perf_counter() - start:.3f} "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} {code}", file=sys.stderr)
"""


def write_file(path: Path, rows: int) -> Path:
    """A wide staff CSV of ``rows`` data rows (plus title and header) and its sidecar."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("KẾT QUẢ ĐÁNH GIÁ CHỈ SỐ DTI CẤP HUYỆN NĂM 2023\n" + HEADER + "\n")
        for i in range(rows):
            k = i % len(UNITS)
            mains = [60 + k, 62 + k, 64 + k, 66 + k, 68 + k, 140 + k, 100 + k, 105 + k]
            fh.write(f"{UNITS[k]},{','.join(map(str, mains))},{sum(mains)},{9 - k}\n")
    path.with_name(path.name + ".source.yml").write_text(SIDECAR, encoding="utf-8")
    return path


def run(rows: int, folder: Path) -> dict:
    """Validate a file of ``rows`` rows in a fresh process; return its figures."""
    path = write_file(folder / f"staff_{rows}.csv", rows)
    run_ = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT,
                          capture_output=True, text=True)
    line = next((ln for ln in run_.stderr.splitlines() if ln.startswith("@@ ")), None)
    if line is None:
        raise SystemExit(f"validate failed on {rows} rows:\n{run_.stderr[-2000:]}")
    seconds, peak_mb, code = line.split()[1:]
    return {"rows": rows, "bytes": path.stat().st_size, "seconds": float(seconds),
            "peak_mb": float(peak_mb), "exit_code": int(code),
            "printed_lines": run_.stdout.count("\n"), "last_lines": run_.stdout.splitlines()[-3:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append",
                        help="data rows (repeatable; default 100,000 and 1,000,000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dti-staff-bench-") as tmp:
        for rows in args.rows or list(TARGETS):
            r = run(rows, Path(tmp))
            print(f"{r['rows']:>9,} rows ({r['bytes'] / 1e6:.1f} MB): {r['seconds']:.1f} s, "
                  f"{r['rows'] / r['seconds']:,.0f} rows/s, peak {r['peak_mb']:.0f} MB, "
                  f"{r['printed_lines']} lines printed, exit code {r['exit_code']}")
            for line in r["last_lines"]:
                print(f"    | {line[:120]}")
            seconds, mb = TARGETS.get(rows, (None, None))
            if seconds is not None:
                met = "met" if r["seconds"] <= seconds else "missed"
                print(f"    time   {r['seconds']:.1f} s / target {seconds:.0f} s = "
                      f"{r['seconds'] / seconds:.2f}: {met}")
            if mb is not None:
                met = "met" if r["peak_mb"] <= mb else "missed"
                print(f"    memory {r['peak_mb']:.0f} MB / target {mb:.0f} MB = "
                      f"{r['peak_mb'] / mb:.2f}: {met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
