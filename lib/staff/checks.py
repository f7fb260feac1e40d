"""Cross-cell checks over the observations of one or several staff files.

Scores within 0–maximum and on the file's scale, main indicators summing to the total (a missing
total derived), shares within 0–100 and agreeing with score ÷ maximum, ranks consistent with the
total scores (derived when none is given); warnings for a value equal to the previous year's and
for outliers. Every problem is a :class:`lib.data.io.DataError` naming file, sheet, row, column.
"""

from __future__ import annotations

import re
import statistics

import pandas as pd

from lib.data.datasets.dti_scores import SCALES
from lib.data.io import DataError, Problems
from lib.data.parse import ParsedValue, share_convention
from lib.staff.tables import DEFAULT_FRAMEWORK, TOTAL, FileOptions, \
    main_indicator_maxima

def _tolerance(decimals: list) -> float:
    places = [d for d in decimals if d is not None and not pd.isna(d)]
    d = min(places) if places else 3
    return (len(decimals) + 1) * 0.5 * 10 ** (-d) + 1e-9


def check_observations(obs: pd.DataFrame, options: dict[str, FileOptions],
                       reference: pd.DataFrame | None = None) -> tuple[pd.DataFrame,
                                                                      list[DataError]]:
    """Cross-cell checks over the observations of one or several files.

    Parameters
    ----------
    obs
        Observations (``OBSERVATION_COLUMNS``) of the files being validated.
    options
        File name → :class:`FileOptions`.
    reference
        Already-published ``dti_scores`` rows (to compare with the previous year), or None.

    Returns
    -------
    (observations, problems)
        Observations with derived totals and ranks added (status ``derived``); the problems:
        errors for scores outside 0–maximum, a 0–1 scale in a points file, main indicators not
        summing to the total, ranks contradicting scores, shares outside 0–100 or
        disagreeing with score ÷ maximum, and repeated unit × year × indicator; warnings for
        a value equal to the previous year's and for outliers.
    """
    problems = Problems()
    if obs.empty:
        return obs, problems
    obs = obs.copy().reset_index(drop=True)

    def err(r, problem, hint="", severity="error", column=None, value=None):
        problems.append(DataError(r["file"], problem, int(r["row"]),
                                  column if column is not None else r["column"],
                                  r["text"] if value is None else value, hint,
                                  sheet=r["sheet"] or None, severity=severity))

    # units per table (before duplicates are dropped): the default number ranked
    n_units = obs.groupby(["file", "sheet", "reference_year"])["table_units"].max()
    # one value per unit × year × indicator is checked while reading (reading._first_values)
    obs = _check_scale_and_bounds(obs, options, err)
    obs = _check_sums(obs, options, err)
    obs = _check_shares(obs, err)
    _check_ranks(obs, n_units, err)
    _warn_repeated_values(obs, reference, err)
    _warn_outliers(obs, err)
    return obs, problems


def _check_scale_and_bounds(obs: pd.DataFrame, options: dict, err) -> pd.DataFrame:
    """A points file whose totals look like the 0–1 index (its rows dropped); scores outside
    0–maximum."""
    for file, group in obs.groupby("file"):
        opts = options.get(file, FileOptions())
        totals = group[(group["indicator"] == TOTAL) & group["score"].notna()]
        if opts.scale == "points" and len(totals) and (totals["score"] <= 1).all() \
                and (totals["score"] > 0).any():
            r = totals.iloc[0]
            err(r, "totals look like the 0–1 index, but the file is read in points out of 1,000",
                "enter points (e.g. 744.2, not 0.7442), or set scale: 0-1 in the sidecar")
            obs = obs[obs["file"] != file]
    for _, r in obs[obs["score"].notna()].iterrows():
        maximum = r["score_max"]
        if r["score"] < 0:
            err(r, "negative score")
        elif maximum is not None and not pd.isna(maximum) and r["score"] > maximum + 1e-9:
            hint = ""
            if r["score"] / 1000 <= maximum and isinstance(r["text"], str) and \
                    re.search(r"\d[.,]\d{3}$", r["text"]):
                hint = ("'.' or ',' before the last three digits is read as a thousands "
                        "separator here: check the file's decimal mark")
            err(r, f"score above the maximum of {maximum:g}", hint)
    return obs


def _check_sums(obs: pd.DataFrame, options: dict, err) -> pd.DataFrame:
    """Main indicators summing to the total; a missing total derived (status ``derived``)."""
    extra = []
    for (file, sheet, row, unit, year), group in obs.groupby(
            ["file", "sheet", "row", "unit_code", "reference_year"], sort=False):
        opts = options.get(file, FileOptions())
        maxima = main_indicator_maxima(opts.framework_id or DEFAULT_FRAMEWORK)
        mains = group[group["indicator"].isin(list(maxima))]
        total = group[group["indicator"] == TOTAL]
        complete = len(mains) == len(maxima) and mains["score"].notna().all() and \
            mains["value_status"].eq("reported").all()
        if opts.scale != "points" or not complete:
            continue
        summed = float(mains["score"].sum())
        if total.empty:
            r = mains.iloc[0].to_dict()
            rank_info = r["pending_rank"]
            derived = {**r, "indicator": TOTAL, "column": "(sum of main indicators)", "text": "",
                       "score": round(summed, 6), "score_low": None, "score_high": None,
                       "value_status": "derived", "score_max": SCALES["points"],
                       "formula": "sum of the " + str(len(maxima)) + " main indicators",
                       "rank": None, "rank_low": None, "rank_high": None, "rank_of": None,
                       "rank_status": "missing", "rank_text": "", "pct_of_max": None}
            if isinstance(rank_info, tuple):
                rank, rank_of = rank_info
                derived.update(rank=rank.rank, rank_low=rank.low, rank_high=rank.high,
                               rank_of=rank_of, rank_status="reported", rank_text=rank.text)
            extra.append(derived)
            continue
        r = total.iloc[0]
        if r["score"] is None or pd.isna(r["score"]) or r["value_status"] != "reported":
            continue
        tolerance = _tolerance([*mains["decimals"], r["decimals"]])
        if abs(summed - r["score"]) > tolerance:
            err(r, f"main indicators sum to {summed:g}, not to the total {r['score']:g}",
                f"difference {summed - r['score']:+.3f} is more than rounding ({tolerance:.3g})")
    if extra:
        obs = pd.concat([obs, pd.DataFrame(extra)], ignore_index=True)
    return obs


def _check_shares(obs: pd.DataFrame, err) -> pd.DataFrame:
    """Shares of the maximum within 0–100 and agreeing with score ÷ maximum (as 0–100)."""
    if obs["pct_column"].notna().any():
        for file, group in obs[obs["pct_column"].notna()].groupby("file"):
            parsed = list(group["pct_of_max"])
            convention = share_convention(parsed)
            for i, r in group.iterrows():
                value = r["pct_of_max"].value
                pct = None if value is None else value * (100 if convention == "0-1" else 1)
                column = r["pct_column"]
                if pct is None:
                    obs.at[i, "pct_of_max"] = None
                    continue
                if not 0 <= pct <= 100:
                    err(r, "share outside 0–100", column=column, value=f"{value:g}")
                elif r["score_max"] and not pd.isna(r["score"]) and \
                        abs(pct - 100 * r["score"] / r["score_max"]) > 0.51:
                    err(r, f"share {pct:g}% disagrees with score ÷ maximum "
                        f"({100 * r['score'] / r['score_max']:.1f}%)", column=column,
                        value=f"{value:g}")
                obs.at[i, "pct_of_max"] = pct
    obs["pct_of_max"] = [None if isinstance(v, ParsedValue) else v for v in obs["pct_of_max"]]
    return obs


def _check_ranks(obs: pd.DataFrame, n_units: pd.Series, err) -> None:
    """Ranks within the number ranked and consistent with the total scores; ranks derived when
    a complete table gives none (``obs`` updated in place)."""
    totals = obs[obs["indicator"] == TOTAL]
    for (file, sheet, year), group in totals.groupby(["file", "sheet", "reference_year"]):
        ranked = group[group["rank"].notna()]
        scored = group[group["score"].notna()]
        n = max(len(group), int(n_units.get((file, sheet, year), 0)))
        for i, r in ranked.iterrows():
            rank_of = r["rank_of"] if r["rank_of"] is not None and not pd.isna(r["rank_of"]) \
                else None
            if rank_of is None:
                obs.at[i, "rank_of"] = n
            if r["rank"] > (rank_of or n):
                err(r, f"rank {int(r['rank'])} is larger than the number ranked "
                    f"({int(rank_of or n)})", column="rank", value=str(int(r["rank"])))
        both = group[group["rank"].notna() & group["score"].notna()]
        for i, a in both.iterrows():
            for j, b in both.iterrows():
                if a["score"] > b["score"] + 1e-9 and a["rank"] > b["rank"]:
                    err(a, f"rank {int(a['rank'])} contradicts the scores: {b['unit_name']} has "
                        f"a lower score ({b['score']:g} < {a['score']:g}) but rank "
                        f"{int(b['rank'])}", column="rank", value=str(int(a["rank"])))
                    break
                if i < j and a["rank"] == b["rank"] and abs(a["score"] - b["score"]) > 1e-9:
                    err(b, f"same rank {int(a['rank'])} as {a['unit_name']} but a different "
                        f"score ({b['score']:g} vs {a['score']:g})", column="rank",
                        value=str(int(b["rank"])))
        if ranked.empty and len(scored) == n and n > 1:
            ranks = scored["score"].rank(method="min", ascending=False).astype(int)
            for i, value in ranks.items():
                obs.loc[i, ["rank", "rank_low", "rank_high", "rank_of", "rank_status",
                            "rank_text"]] = [value, value, value, n, "derived", ""]


def _warn_repeated_values(obs: pd.DataFrame, reference: pd.DataFrame | None, err) -> None:
    """Warnings for a value equal to the same unit's and indicator's previous-year value."""
    published = reference if reference is not None else pd.DataFrame(
        columns=["unit_code", "reference_year", "indicator", "score", "raw_file", "raw_row"])
    earlier: dict[tuple, str] = {}
    for table, file_col, row_col in ((published, "raw_file", "raw_row"), (obs, "file", "row")):
        for u, i, y, v, f, n in zip(table["unit_code"], table["indicator"],
                                    table["reference_year"], table["score"], table[file_col],
                                    table[row_col]):
            if not pd.isna(v):
                earlier.setdefault((u, i, int(y), float(v)), f"{f} row {n}")
    for _, r in obs[obs["score"].notna() & (obs["value_status"] == "reported")].iterrows():
        if r["score"] in (0, r["score_max"]):
            continue
        year = int(r["reference_year"]) - 1
        where = earlier.get((r["unit_code"], r["indicator"], year, float(r["score"])))
        if where:
            err(r, f"same value as in {year} ({where})", "check it was not copied from the "
                "previous year", severity="warning")


def _warn_outliers(obs: pd.DataFrame, err) -> None:
    """Warnings for values far from the median of their year and indicator (4 MAD, 30 % of
    the maximum)."""
    for (year, indicator), group in obs[obs["score"].notna()].groupby(
            ["reference_year", "indicator"]):
        if len(group) < 5:
            continue
        median = statistics.median(group["score"])
        mad = statistics.median(abs(group["score"] - median)) * 1.4826
        if mad <= 0:
            continue
        for _, r in group.iterrows():
            scale = r["score_max"] if not pd.isna(r["score_max"]) else 0
            if abs(r["score"] - median) > max(4 * mad, 0.3 * scale):
                err(r, f"unusual value: the median of {len(group)} units is {median:g}",
                    "check for a typing mistake", severity="warning")
