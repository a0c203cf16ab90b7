"""The ``/compare`` page (a sector × pilot heat map, measure types per pilot) and the similar tasks
listed on a pilot's page.

Charts are SVG drawn on the server: this module computes the geometry (plain numbers and strings),
the templates only place it, so every label goes through Jinja's autoescaping. Pilots are rows
(sorted by city, then year), so the charts grow downwards, one short row per pilot, and scroll
inside their container when there are many.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from flask import Blueprint, Response, render_template, request

from pilotkg.server.linkeddata import Labeller, wording_diff
from pilotkg.server.runtime import QueryError, Runtime, runtime

bp = Blueprint("compare", __name__)

NONE = ""  # key of "no sector" / "no measure type"
HEAT = ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")  # 6 bins, light → dark
HEAT_ZERO = "#ffffff"  # on the white chart: an empty cell
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f")
OTHER_COLOUR, NONE_COLOUR = "#bab0ac", "#e3e6ea"
SIMILAR_LIMIT = 20


# -- data ----------------------------------------------------------------------------------------
def _statistic(rt: Runtime, name: str, pattern: str) -> list[dict]:
    """The observations of one data set of the precomputed statistics, per pilot ``?p``."""
    return rt.select(f"""PREFIX qb: <http://purl.org/linked-data/cube#>
        SELECT * WHERE {{ ?dataSet dcterms:identifier "{name}" .
          ?o qb:dataSet ?dataSet ; pilot:refPilot ?p ; {pattern} }}""")


def _cells(rt: Runtime, dimension: str, key: str, measure: str) -> list[dict]:
    """Pilot ``?p``, ``?{key}`` and count ``?n`` of the observations that have pilot:refPilot and
    ``dimension`` (the two identify the data set). Each property is read in one scan and joined on
    the observation: Oxigraph 0.5 would otherwise look every observation up one by one (0.55 s
    against 0.1 s for the 15,000 observations of measure types at a thousand pilots)."""
    return rt.select(f"""SELECT ?p ?{key} ?n WHERE {{
        {{ SELECT ?o ?{key} WHERE {{ ?o pilot:{dimension} ?{key} }} }}
        {{ SELECT ?o ?p WHERE {{ ?o pilot:refPilot ?p }} }}
        {{ SELECT ?o ?n WHERE {{ ?o pilot:{measure} ?n }} }} }}""")


def _rest(sizes: list[dict], measure: str, counted: list[dict], var: str) -> list[dict]:
    """Per pilot, what the observations by sector (or type) leave uncounted, under the key NONE."""
    left = {r["p"]["value"]: int(r[measure]["value"]) for r in sizes}
    for r in counted:
        left[r["p"]["value"]] = left.get(r["p"]["value"], 0) - int(r["n"]["value"])
    return [{"p": {"value": p}, var: {"value": NONE}, "n": {"value": str(n)}} for p, n in left.items() if n > 0]


def comparison() -> dict:
    """Pilots (sorted by city, year), tasks per sector and measures per type for each pilot."""
    rt = runtime()

    def compute() -> dict:
        pilots = rt.select(
            """SELECT ?p (SAMPLE(?y) AS ?year) (SAMPLE(?c) AS ?city) WHERE { ?p a pilot:Pilot .
              OPTIONAL { ?p pilot:year ?y } OPTIONAL { ?p pilot:city ?c } } GROUP BY ?p"""
        )
        # Counts from the precomputed statistics ({base}graph/statistics, statistics/*.rq): counting
        # every task and measure of every pilot here took seconds at a thousand pilots.
        sizes = _statistic(
            rt, "pilots", "pilot:taskCount ?tasks ; pilot:sectorTaskCount ?sectorTasks ; pilot:measureCount ?measures"
        )
        sectors = [r for r in _cells(rt, "refSector", "sector", "taskCount") if r["n"]["value"] != "0"]
        derived = [r for r in _cells(rt, "refSector", "sector", "derivedTaskCount") if r["n"]["value"] != "0"]
        types = _cells(rt, "refMeasureType", "type", "measureCount")
        sectors += _rest(sizes, "tasks", sectors, "sector")  # tasks without a sector (tables 2-5)
        # the tasks that print no sector, by the sector derived from their wording; (none): not even that
        unprinted = [
            {"p": r["p"], "n": {"value": str(int(r["tasks"]["value"]) - int(r["sectorTasks"]["value"]))}} for r in sizes
        ]
        derived += _rest(unprinted, "n", derived, "sector")
        types += _rest(sizes, "measures", types, "type")
        iris = [r["p"]["value"] for r in pilots] + [r["city"]["value"] for r in pilots if "city" in r]
        iris += [r["sector"]["value"] for r in sectors + derived] + [r["type"]["value"] for r in types]
        label = Labeller([i for i in iris if i])
        rows = []
        for r in pilots:
            iri, city = r["p"]["value"], r.get("city", {}).get("value", "")
            year = r.get("year", {}).get("value", "")
            city_en = label.en(city) if city else ""
            name = (label(city) + (f" {city_en}" if city_en else "")) if city else label(iri)
            rows.append(
                {
                    "iri": iri,
                    "label": f"{name} {year}".strip(),
                    "title": label(iri),
                    "en": label.en(iri),
                    "sort": ((label.en(city) or label(city)).casefold() if city else "~", year, iri),
                }
            )
        rows.sort(key=lambda p: p["sort"])

        def table(bindings: list[dict], var: str) -> tuple[list[dict], dict[tuple[str, str], int]]:
            counts: dict[tuple[str, str], int] = {}
            totals: dict[str, int] = {}
            for b in bindings:
                key = (b["p"]["value"], b[var]["value"])
                counts[key] = int(b["n"]["value"])
                totals[key[1]] = totals.get(key[1], 0) + counts[key]
            columns = sorted(totals, key=lambda k: (k == NONE, -totals[k], label(k) if k else ""))
            return [
                {"iri": k, "label": label(k) if k else "(none)", "en": label.en(k) if k else "", "total": totals[k]}
                for k in columns
            ], counts

        sector_columns, sector_counts = table(sectors, "sector")
        derived_columns, derived_counts = table(derived, "sector")
        type_columns, type_counts = table(types, "type")
        return {
            "pilots": rows,
            "sectors": sector_columns,
            "sector_counts": sector_counts,
            "derived_sectors": derived_columns,
            "derived_counts": derived_counts,
            "types": type_columns,
            "type_counts": type_counts,
        }

    return rt.memo("compare", compute)


# -- geometry ------------------------------------------------------------------------------------
def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def text_px(text: str) -> float:
    """How wide ``text`` is drawn in the charts' 12 px font: a Chinese character is a full em, a
    Latin one about half (sizing by characters alone cut "武汉市 Wuhan 2022" to "汉市 Wuhan 2022")."""
    return sum(12.5 if unicodedata.east_asian_width(ch) in "WF" else 7.0 for ch in text)


def _label_width(labels: list[str]) -> int:
    return int(16 + max([text_px(_truncate(label, 32)) for label in labels] + [56.0]))


def _row_height(rows: int) -> int:
    return 28 if rows <= 12 else 20


def _bins(maximum: float, share: bool) -> list[tuple[float, float, str]]:
    """Equal-width bins over (0, maximum]: (low, high, colour); integer edges for counts."""
    if maximum <= 0:
        return []
    if not share and maximum <= len(HEAT):
        return [(k, k, HEAT[round(k * (len(HEAT) - 1) / maximum)]) for k in range(1, int(maximum) + 1)]
    out, low = [], 0.0 if share else 1
    for i, colour in enumerate(HEAT):
        high = maximum * (i + 1) / len(HEAT)
        if not share:
            high = math.ceil(high)
            if high < low:
                continue
        out.append((low, high, colour))
        low = high if share else high + 1
    return out


def _colour(value: float, bins: list[tuple[float, float, str]]) -> str:
    if value <= 0:
        return HEAT_ZERO
    for _low, high, colour in bins:
        if value <= high + 1e-9:
            return colour
    return bins[-1][2] if bins else HEAT_ZERO


@dataclass
class HeatMap:
    """A rows × columns heat map; ``head`` (column labels) and ``body`` are two SVGs of one width,
    so the head can stay in view while the body scrolls."""

    id: str
    title: str
    unit: str
    share: bool
    width: int = 0
    head_height: int = 0
    body_height: int = 0
    label_width: int = 0
    total_x: int = 0  # where the totals column stands
    columns: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)


def heat_map(
    id: str,
    title: str,
    unit: str,
    pilots: list[dict],
    columns: list[dict],
    counts: dict[tuple[str, str], int],
    share: bool = False,
) -> HeatMap:
    chart = HeatMap(id=id, title=title, unit=unit, share=share)
    cell_w = 36 if len(columns) <= 24 else 28
    row_h = _row_height(len(pilots))
    label_w = _label_width([p["label"] for p in pilots])
    column_chars = 64  # whole labels (the longest sector, zh · en, is under 50 characters)
    longest = max([text_px(_truncate(_column_text(c), column_chars)) for c in columns] + [28.0])
    chart.head_height = int(18 + longest * math.sin(math.radians(50)))
    chart.label_width = label_w
    overhang = int(longest * math.cos(math.radians(50)))  # the last head's tail
    chart.width = label_w + len(columns) * cell_w + max(70, overhang + 12)
    chart.total_x = label_w + len(columns) * cell_w + 6
    totals = {p["iri"]: sum(counts.get((p["iri"], c["iri"]), 0) for c in columns) for p in pilots}
    values = {
        (p["iri"], c["iri"]): (
            counts.get((p["iri"], c["iri"]), 0) / totals[p["iri"]]
            if share and totals[p["iri"]]
            else counts.get((p["iri"], c["iri"]), 0)
        )
        for p in pilots
        for c in columns
    }
    # "(none)" (tasks without a sector) is shown in grey and kept out of the scale, which it would
    # otherwise dominate.
    maximum = max((v for (_p, c), v in values.items() if c != NONE), default=0)
    bins = _bins(maximum, share)
    for j, c in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        chart.columns.append(
            {
                **c,
                "x": x,
                "y": chart.head_height - 6,
                "text": _truncate(_column_text(c), column_chars),
                "full": _column_text(c) + f" — {c['total']} {unit} in all",
            }
        )
    dark = set(HEAT[3:])
    for i, p in enumerate(pilots):
        y = i * row_h
        cells = []
        for j, c in enumerate(columns):
            n = counts.get((p["iri"], c["iri"]), 0)
            v = values[(p["iri"], c["iri"])]
            colour = (NONE_COLOUR if n else HEAT_ZERO) if c["iri"] == NONE else _colour(v, bins)
            shown = (f"{round(100 * v)}" if share else str(n)) if n else ""
            cells.append(
                {
                    "n": n,
                    "column": c["iri"],
                    "x": label_w + j * cell_w + 1,
                    "y": y + 1,
                    "w": cell_w - 2,
                    "h": row_h - 2,
                    "fill": colour,
                    "text": shown,
                    "tx": label_w + j * cell_w + cell_w / 2,
                    "ty": y + row_h / 2 + 4,
                    "dark": colour in dark,
                    "title": f"{p['label']} · {_column_text(c)}: {n} {unit}"
                    + (f" ({100 * v:.0f} % of the pilot's {totals[p['iri']]})" if share and n else ""),
                }
            )
        chart.rows.append(
            {
                **p,
                "y": y,
                "ty": y + row_h / 2 + 4,
                "h": row_h,
                "text": _truncate(p["label"], 32),
                "cells": cells,
                "total": totals[p["iri"]],
                "total_x": label_w + len(columns) * cell_w + 6,
            }
        )
    chart.body_height = max(1, len(pilots) * row_h)
    chart.legend = [
        {
            "fill": colour,
            "text": (
                f"{100 * low:.0f}–{100 * high:.0f} %" if share else (str(low) if low == high else f"{low}–{high}")
            ),
        }
        for low, high, colour in bins
    ]
    return chart


def _column_text(c: dict) -> str:
    return c["label"] + (f" · {c['en']}" if c["en"] and c["en"] != c["label"] else "")


@dataclass
class Stacked:
    """One 100 % bar per pilot, a segment per measure type (the most frequent ones, then "other")."""

    id: str
    title: str
    width: int = 0
    height: int = 0
    label_width: int = 0
    bar_width: int = 0
    rows: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)


def stacked(
    id: str,
    title: str,
    pilots: list[dict],
    columns: list[dict],
    counts: dict[tuple[str, str], int],
    unit: str = "measures",
) -> Stacked:
    chart = Stacked(id=id, title=title)
    named = [c for c in columns if c["iri"] != NONE]
    if len(named) > len(PALETTE) + 1:
        shown, rest = named[: len(PALETTE)], named[len(PALETTE) :]
    else:
        shown, rest = named, []
    groups = [
        {
            "key": c["iri"],
            "members": [c["iri"]],
            "label": _column_text(c),
            "iri": c["iri"],
            "fill": PALETTE[i % len(PALETTE)],
        }
        for i, c in enumerate(shown)
    ]
    if rest:
        groups.append(
            {
                "key": "other",
                "members": [c["iri"] for c in rest],
                "iri": "",
                "label": f"{len(rest)} other types",
                "fill": OTHER_COLOUR,
            }
        )
    if any(c["iri"] == NONE for c in columns):
        groups.append({"key": "none", "members": [NONE], "iri": "", "label": "(no type)", "fill": NONE_COLOUR})
    row_h = _row_height(len(pilots))
    chart.label_width = _label_width([p["label"] for p in pilots])
    chart.bar_width = 480
    chart.width = chart.label_width + chart.bar_width + 70
    chart.height = max(1, len(pilots) * row_h)
    for i, p in enumerate(pilots):
        y = i * row_h
        total = sum(counts.get((p["iri"], c["iri"]), 0) for c in columns)
        x = float(chart.label_width)
        segments = []
        for g in groups:
            n = sum(counts.get((p["iri"], m), 0) for m in g["members"])
            if not n:
                continue
            w = chart.bar_width * n / total
            segments.append(
                {
                    "n": n,
                    "key": g["key"],
                    "x": x,
                    "y": y + 3,
                    "w": w,
                    "h": row_h - 6,
                    "fill": g["fill"],
                    "title": f"{p['label']} · {g['label']}: {n} {unit} ({100 * n / total:.0f} %)",
                }
            )
            x += w
        chart.rows.append(
            {
                **p,
                "y": y,
                "ty": y + row_h / 2 + 4,
                "text": _truncate(p["label"], 32),
                "segments": segments,
                "total": total,
                "total_x": chart.label_width + chart.bar_width + 6,
            }
        )
    totals = {g["key"]: sum(counts.get((p["iri"], m), 0) for p in pilots for m in g["members"]) for g in groups}
    chart.legend = [{**g, "n": totals[g["key"]]} for g in groups]
    return chart


# -- routes --------------------------------------------------------------------------------------
@bp.route("/compare")
def compare_page() -> Response:
    share = request.args.get("by") == "share"
    try:
        data = comparison()
        problem = None
    except QueryError as exc:
        data = {
            "pilots": [],
            "sectors": [],
            "sector_counts": {},
            "derived_sectors": [],
            "derived_counts": {},
            "types": [],
            "type_counts": {},
        }
        problem = str(exc)
    pilots = data["pilots"]
    sectors = heat_map(
        "heat-sectors", "Tasks per sector and pilot", "tasks", pilots, data["sectors"], data["sector_counts"], share
    )
    derived = heat_map(
        "heat-derived-sectors",
        "Tasks per derived sector and pilot (tasks whose table prints no sector)",
        "tasks",
        pilots,
        data["derived_sectors"],
        data["derived_counts"],
        share,
    )
    types = stacked("chart-types", "Measure types per pilot", pilots, data["types"], data["type_counts"])
    type_map = heat_map(
        "heat-types", "Measures per type and pilot", "measures", pilots, data["types"], data["type_counts"], share
    )
    return render_template(
        "compare.html",
        pilots=pilots,
        sectors=sectors,
        derived=derived,
        types=types,
        type_map=type_map,
        share=share,
        problem=problem,
    )


# -- similar tasks on a pilot's page -----------------------------------------------------------
def similar_tasks(pilot: str, others: bool = True, limit: int = SIMILAR_LIMIT) -> dict:
    """The ``limit`` best-scored similarity links from this pilot's tasks to tasks of other pilots
    (``others``) or to other tasks of the same pilot (each pair once)."""
    rt = runtime()
    where = "FILTER(?op != ?p)" if others else "FILTER(?op = ?p && STR(?t) < STR(?o))"
    rows = rt.select(
        f"""SELECT ?t ?o ?op ?score ?method ?text ?otext ?n ?on ?table ?otable WHERE {{
          BIND(<{pilot}> AS ?p)
          ?t pilot:ofPilot ?p ; a pilot:Task ; pilot:similarTo ?o .
          ?o a pilot:Task ; pilot:ofPilot ?op .
          {where}
          ?s pilot:between ?t , ?o ; pilot:similarityScore ?score .
          OPTIONAL {{ ?s pilot:method ?method }}
          OPTIONAL {{ ?t pilot:text ?text }} OPTIONAL {{ ?o pilot:text ?otext }}
          OPTIONAL {{ ?t pilot:taskNumber ?n }} OPTIONAL {{ ?o pilot:taskNumber ?on }}
          OPTIONAL {{ ?t pilot:inTable/pilot:tableNumber ?table }}
          OPTIONAL {{ ?o pilot:inTable/pilot:tableNumber ?otable }}
        }} ORDER BY DESC(?score) ?table ?n ?t ?op ?otable ?on ?o LIMIT {int(limit)}"""
    )
    links = []
    methods: list[str] = []
    for r in rows:
        v = {k: b["value"] for k, b in r.items()}
        score = float(v["score"])
        text, otext = v.get("text", ""), v.get("otext", "")
        diff = wording_diff(text, otext) if score < 1 and text and otext else ([(False, text)], [(False, otext)])
        links.append(
            {
                **v,
                "score": f"{score:.3f}",
                "number": (f"{v['table']}-" if v.get("table") else "") + v.get("n", ""),
                "onumber": (f"{v['otable']}-" if v.get("otable") else "") + v.get("on", ""),
                "diff": diff,
            }
        )
        if v.get("method") and v["method"] not in methods:
            methods.append(v["method"])
    return {"links": links, "methods": methods}


def similar_for_pilot(pilot: str) -> dict:
    """What a pilot's page shows: links to other pilots, repeats within the plan, how many pilots."""
    rt = runtime()
    pilots = rt.select("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a pilot:Pilot }")
    elsewhere = similar_tasks(pilot, others=True)
    within = similar_tasks(pilot, others=False)
    return {
        "pilots": int(pilots[0]["n"]["value"]) if pilots else 0,
        "elsewhere": elsewhere["links"],
        "within": within["links"],
        "methods": list(dict.fromkeys(elsewhere["methods"] + within["methods"])),
        "limit": SIMILAR_LIMIT,
    }


# -- two pilots, task by task --------------------------------------------------------------------
ALIGNMENT_VIEWS = {"all": "every task", "new": "only in one plan", "reworded": "reworded"}
PILOT_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # what a pilot's IRI ends with: nothing else reaches a query


def pair_alignment(a: str, b: str) -> dict | None:
    """The alignment of pilot ``a`` with pilot ``b`` (slugs), computed from their tasks with the
    build's method (graph/alignment.py), so any two pilots can be compared; None for an unknown pilot."""
    from pilotkg.graph.alignment import METHOD, align
    from pilotkg.graph.similarity import item_of

    rt = runtime()
    prefix = rt.settings.id_prefix

    def tasks(slug: str) -> list | None:
        pilot = f"{prefix}pilot/{slug}"
        if not rt.select(f"SELECT ?p WHERE {{ BIND(<{pilot}> AS ?p) ?p a pilot:Pilot }} LIMIT 1"):
            return None
        rows = rt.select(f"""SELECT ?t ?text ?table ?n WHERE {{
              ?t pilot:ofPilot <{pilot}> ; a pilot:Task ; pilot:text ?text ;
                 pilot:taskNumber ?n ; pilot:inTable/pilot:tableNumber ?table }}""")
        ordered = sorted(rows, key=lambda r: (int(r["table"]["value"]), int(r["n"]["value"])))
        return [item_of(r["t"]["value"], r["text"]["value"]) for r in ordered]

    def memo() -> dict | None:
        a_tasks, b_tasks = tasks(a), tasks(b)
        if a_tasks is None or b_tasks is None:
            return None
        alignment = align(a, a_tasks, b, b_tasks)
        labels = Labeller([f"{prefix}pilot/{a}", f"{prefix}pilot/{b}"])
        rows = []
        for row in alignment.rows:
            left = right = None
            if row.a is not None and row.b is not None and row.status == "reworded":
                left, right = wording_diff(row.a.text, row.b.text)
            rows.append(
                {
                    "status": row.status,
                    "a": _task_cell(row.a, left),
                    "b": _task_cell(row.b, right),
                    "score": f"{row.score:.3f}" if row.score is not None else "",
                    "differences": list(row.differences),
                }
            )
        counts = {s: alignment.count(s) for s in ("same", "reworded", "only-a", "only-b")}
        return {
            "a": a,
            "b": b,
            "a_label": labels(f"{prefix}pilot/{a}"),
            "b_label": labels(f"{prefix}pilot/{b}"),
            "rows": rows,
            "counts": counts,
            "method": METHOD,
        }

    return rt.memo(f"alignment {a} {b}", memo)


def _task_cell(item, segments) -> dict | None:
    if item is None:
        return None
    iri = str(item.iri)
    return {
        "iri": iri,
        "number": iri.rsplit("/", 1)[1],
        "text": item.text,
        "segments": segments or [(False, item.text)],
    }


@bp.route("/compare/pair")
def compare_pair_form() -> Response:
    """The /compare page's form: two pilot slugs → their side-by-side page."""
    from flask import abort, redirect

    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not PILOT_SLUG.match(a) or not PILOT_SLUG.match(b):
        abort(400, description="choose two pilots by slug: ?a=wuhan-2022&b=nanjing-2023")
    return redirect(f"/compare/{a}/{b}", code=303)


@bp.route("/compare/<a>/<b>")
@bp.route("/compare/<a>/<b>.<fmt>")
def compare_pair(a: str, b: str, fmt: str = "html") -> Response:
    """Two pilots side by side, task by task: same wording, reworded (differences marked), only in
    one; ``?show=new|reworded`` filters; ``.csv`` downloads every row."""
    from flask import abort

    if fmt not in ("html", "csv") or not PILOT_SLUG.match(a) or not PILOT_SLUG.match(b):
        abort(404, description="pilots are named by slug, such as /compare/wuhan-2022/nanjing-2023")
    data = pair_alignment(a, b)
    if data is None:
        abort(404, description=f"no pilot {a!r} or {b!r} in the graph (slugs such as wuhan-2022)")
    if fmt == "csv":
        return _alignment_csv(data)
    show = request.args.get("show", "all")
    if show not in ALIGNMENT_VIEWS:
        abort(400, description=f"show must be one of {', '.join(ALIGNMENT_VIEWS)}")
    wanted = {"all": None, "new": {"only-a", "only-b"}, "reworded": {"reworded"}}[show]
    rows = [r for r in data["rows"] if wanted is None or r["status"] in wanted]
    return render_template("compare_pair.html", data=data, rows=rows, show=show, views=ALIGNMENT_VIEWS)


def _alignment_csv(data: dict) -> Response:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "status",
            f"task_{data['a']}",
            f"text_{data['a']}",
            f"task_{data['b']}",
            f"text_{data['b']}",
            "score",
            "differences",
        ]
    )
    for row in data["rows"]:
        a, b = row["a"] or {}, row["b"] or {}
        writer.writerow(
            [
                row["status"],
                a.get("iri", ""),
                a.get("text", ""),
                b.get("iri", ""),
                b.get("text", ""),
                row["score"],
                " | ".join(row["differences"]),
            ]
        )
    name = f"alignment-{data['a']}-{data['b']}.csv"
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
