"""The machine-readable twin of a report: ``metrics.json`` and CSV files of its tables.

The dashboard and every weekly post publish one document each, in the shape described by
``generator/schemas/metrics.schema.json`` (also published on the site, with a page generated from
it). Numbers are raw (``0.0123`` is +1.23 %), rounded to :data:`DIGITS` decimals; a number that
does not exist (a symbol without a close at the period's start) is ``null``, never a made-up
value. Weekly posts are written from this document, so their text can only state its numbers.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from generator import charts, inert, schema
from generator.formatting import json_date as _date
from generator.formatting import json_number as number

if TYPE_CHECKING:
    from generator.metrics import Streak, StreakSummary
    from generator.report import PairReport, Report
    from generator.snapshot import Snapshot
    from generator.weekly import Week


def _run(streak: Streak) -> dict[str, Any]:
    return {"length": streak.length, "start": _date(streak.start), "end": _date(streak.end)}


def _streaks(summary: StreakSummary) -> dict[str, Any]:
    return {
        "current": _run(summary.current),
        "record": _run(summary.record),
        "rank": summary.rank,
        "runs": summary.runs,
    }


def _universe(report: Report) -> list[dict[str, Any]]:
    rows = []
    for inst in report.config.universe:
        has = inst.symbol in report.returns.index
        last = report.last.loc[inst.symbol] if has else None
        rows.append(
            {
                "symbol": inst.symbol,
                "name": inst.name,
                "group": inst.group,
                "kind": inst.kind,
                "status": report.status.status_of(inst.symbol).status,
                "last_close": number(last["close"]) if has else None,
                "last_date": _date(last["date"]) if has else None,
                "returns": {
                    p: number(report.returns.at[inst.symbol, p]) if has else None
                    for p in report.config.periods
                },
                "from_peak": number(last["drawdown"]) if has else None,
            }
        )
    return rows


def pair_entry(pr: PairReport) -> dict[str, Any]:
    last = pr.ratio.iloc[-1]

    def above(column: str) -> bool | None:
        return None if pd.isna(last[column]) else bool(last["ratio"] > last[column])

    return {
        "key": pr.pair.key,
        "a": pr.pair.a,
        "b": pr.pair.b,
        "label": pr.pair.label,
        "ratio": number(last["ratio"]),
        "above_ma_short": above("ma_short"),
        "above_ma_long": above("ma_long"),
        "ratio_drawdown": number(pr.ratio_drawdown),
        "ratio_high": _date(pr.ratio_high),
        "first_session": _date(pr.ratio.index[0]),
        "returns": {
            p: {k: number(pr.returns.at[p, k]) for k in ("a", "b", "spread")}
            for p in pr.returns.index
        },
        "a_beats": _streaks(pr.a_beats),
        "b_beats": _streaks(pr.b_beats),
    }


def _week(week: Week) -> dict[str, Any]:
    return {
        "start": _date(week.previous),
        "end": _date(week.session),
        "sessions": week.sessions,
        "pairs": [
            {
                "key": p.key,
                "a": p.a,
                "b": p.b,
                "return_a": number(p.return_a),
                "return_b": number(p.return_b),
                "spread": number(p.spread),
                "previous_spread": number(p.previous_spread),
                "ytd_gap": number(p.ytd_gap),
                "leader": p.leader or None,
                "streak": _run(p.streak),
                "started": p.started,
                "record": p.record,
                "rank": p.rank,
                "runs": p.runs,
                "ended": [
                    {
                        "side": e.side,
                        **_run(e.run),
                        "rank": e.rank,
                        "runs": e.runs,
                        "best_before": _run(e.best_before),
                    }
                    for e in p.ended
                ],
                "high_52w": _date(p.high_52w),
                "low_52w": _date(p.low_52w),
                "ma_cross": p.ma_cross,
            }
            for p in week.pairs
        ],
        "quadrant_moves": [
            {"group": m.group, "symbol": m.symbol, "previous": m.previous, "current": m.current}
            for m in week.quadrant_moves
        ],
        "breadth": [
            {
                "list": b.list_name,
                "window": b.window,
                "share": number(b.share),
                "previous": number(b.previous),
                "change": number(b.change),
            }
            for b in week.breadth
        ],
    }


def document(snap: Snapshot, week: Week | None = None) -> dict[str, Any]:
    """The ``metrics.json`` of a snapshot; with ``week``, of that week's post."""
    report = snap.report
    cfg = report.config
    doc: dict[str, Any] = {
        "schema_version": schema.SCHEMA_VERSION,
        "kind": "weekly" if week else "dashboard",
        "as_of": _date(report.as_of),
        "source": report.source,
        "sample": report.is_sample,
        "basis": charts.BASIS,
        "benchmark": cfg.benchmark,
        "parameters": {
            "periods": list(cfg.periods),
            "ma_short": cfg.metrics.ma_short,
            "ma_long": cfg.metrics.ma_long,
            "rrg_window": cfg.rotation.window if cfg.rotation else None,
            "rrg_momentum_lag": cfg.rotation.momentum_lag if cfg.rotation else None,
            "min_streak": cfg.weekly.min_streak,
        },
        "headline": cfg.headline_pair.key,
        "universe": _universe(report),
        "pairs": [pair_entry(pr) for pr in report.pairs],
        **snap.exports(),
    }
    if week is not None:
        doc["week"] = _week(week)
    return doc


def to_json(doc: dict[str, Any]) -> bytes:
    """Stable bytes: same document, same file (posts are compared byte for byte)."""
    return (json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode()


def _cell(value: Any) -> Any:
    """A CSV cell as the JSON has it: empty for ``null``, ``true``/``false`` for flags."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return inert.csv_cell(value)


def _csv(rows: list[dict[str, Any]], fields: list[str] | None = None) -> bytes:
    """A CSV table (its columns ``fields``, or the first row's keys); text that a spreadsheet
    would run as a formula is quoted as text, in the header too (a chart's table heads its
    columns with names from the config)."""
    fields = list(rows[0]) if fields is None else fields
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writerow({k: _cell(k) for k in fields})
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue().encode()


def frame_csv(frame: pd.DataFrame) -> bytes:
    """A data frame as a CSV table (a chart's data, ``charts/<name>.csv``) through the same cells
    as the downloads: empty for a missing value, text made inert."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return _csv(rows, [str(c) for c in frame.columns])


def tables(doc: dict[str, Any]) -> dict[str, bytes]:
    """CSV files of the document's tables (empty cells where the JSON has ``null``)."""
    fields = ("symbol", "name", "group", "kind", "status", "last_close", "last_date")
    rows = {
        "returns": [
            {k: r[k] for k in fields} | r["returns"] | {"from_peak": r["from_peak"]}
            for r in doc["universe"]
        ],
        "pairs": [
            {"pair": p["key"], "a": p["a"], "b": p["b"], "period": period}
            | {"return_a": v["a"], "return_b": v["b"], "spread": v["spread"]}
            for p in doc["pairs"]
            for period, v in p["returns"].items()
        ],
        "rotation": [{"group": g["group"], **s} for g in doc["rotation"] for s in g["symbols"]],
        "breadth": doc["breadth"],
        **_section_tables(doc),
    }
    if "week" in doc:
        week = doc["week"]
        rows["week"] = [
            {"pair": p["key"], "a": p["a"], "b": p["b"], "start": week["start"]}
            | {k: p[k] for k in ("return_a", "return_b", "spread", "ytd_gap", "leader")}
            | {"streak_length": p["streak"]["length"], "streak_start": p["streak"]["start"]}
            for p in week["pairs"]
        ]
    return {f"{name}.csv": _csv(table) for name, table in rows.items() if table}


def _section_tables(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The dashboard-only sections' tables (absent from a weekly post's document, or ``null``
    when the section is not configured)."""
    out: dict[str, list[dict[str, Any]]] = {}
    if style := doc.get("style"):
        out["style-box"] = [
            {k: c[k] for k in ("size", "style", "symbol")} | c["returns"] | {"note": c["note"]}
            for c in style["cells"]
        ]
        out["style-spreads"] = [
            {k: s[k] for k in ("spread", "scope", "long", "short")}
            | s["returns"]
            | {"note": s["note"]}
            for s in style["spreads"]
        ]
    if rates := doc.get("rates"):
        out["rates"] = [rates]
    if risk := doc.get("risk"):
        out["risk"] = risk["symbols"]
    if watchlist := doc.get("watchlist"):
        out["watchlist"] = [
            {"group": g["group"], "period": period, "average": v["value"], "count": v["count"]}
            | {"missing": " ".join(v["missing"])}
            for g in watchlist
            for period, v in g["averages"].items()
        ]
    if claims := doc.get("claims"):
        fields = ("claim", "source", "kind", "date", "session", "claimed", "tolerance")
        fields += ("unit", "value", "verdict", "reason")
        out["claims"] = [{k: c[k] for k in fields} for c in claims]
    if history := doc.get("history"):
        for table in ("episodes", "records"):
            out[f"history-{table}"] = [
                {"a": p["a"], "b": p["b"], **row} for p in history["pairs"] for row in p[table]
            ]
    return out


def files(snap: Snapshot) -> dict[str, bytes]:
    """The dashboard's ``metrics.json``, its CSV tables and the schema, for the site root."""
    doc = snap.document
    return {
        "metrics.json": to_json(doc),
        **tables(doc),
        "metrics.schema.json": schema.SCHEMA_FILE.read_bytes(),
    }
