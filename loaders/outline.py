"""What a reader read, as an outline a person can check against the document (``pilotkg inspect``).

The outline lists the notice's parts (found, or missing), the plan's sections and paragraphs, each
table with its groups, sectors and task numbers, and every finding (repairs, differences from the
narrative, what the copy does not print). It is built from the plan model, so it shows exactly
what a build would publish; ``as_text`` renders it for a terminal, the dict itself is the JSON.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from pilotkg.loaders.model import Plan


def _runs(numbers: list[int]) -> str:
    """1, 2, 3, 5 → "1–3, 5"."""
    out: list[str] = []
    for _, run in groupby(enumerate(numbers), key=lambda pair: pair[1] - pair[0]):
        values = [n for _, n in run]
        out.append(str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}")
    return ", ".join(out)


def outline(plan: Plan) -> dict[str, Any]:
    src, notice = plan.source, plan.notice
    tables = []
    for table in plan.tables:
        groups = []
        for group in table.groups:
            tasks = [t for t in table.tasks if t.group == group.number]
            sectors: dict[str, list[int]] = {}
            for task in tasks:
                sectors.setdefault(task.sector or "", []).append(task.number)
            groups.append(
                {
                    "number": group.number,
                    "label": group.label.text,
                    "category": group.category,
                    "narrative_paragraph": group.narrative_paragraph,
                    "tasks": _runs([t.number for t in tasks]),
                    "sectors": {k: _runs(v) for k, v in sectors.items() if k},
                }
            )
        tables.append(
            {
                "number": table.number,
                "title": table.title.text,
                "tasks": len(table.tasks),
                "narrative_section": table.narrative_section,
                "groups": groups,
                "differ_from_narrative": [t.number for t in table.tasks if t.matches_narrative is False],
                "not_in_narrative": [t.number for t in table.tasks if t.narrative is None],
            }
        )
    return {
        "file": src.name,
        "kind": src.kind,
        "media_type": src.media_type,
        "encoding": src.encoding,
        "bytes": src.byte_size,
        "sha256": src.sha256,
        "characters": len(src.text),
        "pilot": {
            "slug": plan.slug,
            "city": plan.city,
            "city_slug": plan.city_slug,
            "province": plan.province_slug,
            "year": plan.year,
            "approved_by": plan.approved_by,
            "implemented_by": plan.implemented_by,
            "period_years": plan.period_years,
        },
        "notice": {
            "kind": notice.kind if notice.span is not None else None,
            "title": notice.title.text if notice.title else None,
            "document_number": notice.document_number.text if notice.document_number else None,
            "issued": notice.issued.isoformat() if notice.issued else None,
            "issuer": notice.issuer,
            "signature": notice.signature.text if notice.signature else None,
            "addressees": notice.addressees,
        },
        "plan": {
            "title": plan.title.text,
            "sections": [
                {"number": s.number, "title": s.title.text, "paragraphs": s.paragraphs, "unnumbered": len(s.body)}
                for s in plan.sections
            ],
            "paragraphs": len(plan.paragraphs),
        },
        "task_list": {
            "title": plan.task_list_title.text if plan.task_list_title else None,
            "tasks": len(plan.tasks()),
            "tables": tables,
        },
        "findings": [
            {"kind": f.kind, "subject": f.subject, "message": f.message, "details": f.details} for f in plan.findings
        ],
    }


def as_text(data: dict[str, Any]) -> str:
    """The outline for a terminal: one line a part, indented as the document nests."""
    n, p, t = data["notice"], data["pilot"], data["task_list"]

    def show(value: object) -> str:
        return "— not printed" if value in (None, "", []) else str(value)

    lines = [
        f"{data['file']}: {data['kind']} ({data['media_type']}, {data['bytes']:,} bytes"
        + (f", {data['encoding']}" if data["encoding"] else "")
        + f"), sha256 {data['sha256'][:16]}…",
        f"pilot {p['slug']}: {p['city']} (province {show(p['province'])}), year {show(p['year'])}, "
        f"approved by {show(p['approved_by'])}, implemented by {show(', '.join(p['implemented_by']))}, "
        f"period {show(p['period_years'])} years",
        f"notice ({show(n['kind'])}): {show(n['title'])}",
        f"  document number: {show(n['document_number'])}",
        f"  issued: {show(n['issued'])} by {show(n['issuer'])}; signature: {show(n['signature'])}",
        f"  addressees: {len(n['addressees'])}"
        + (
            f" ({', '.join(n['addressees'][:5])}{', …' if len(n['addressees']) > 5 else ''})" if n["addressees"] else ""
        ),
        f"plan: {data['plan']['title']} — {len(data['plan']['sections'])} sections, "
        f"{data['plan']['paragraphs']} numbered paragraphs",
    ]
    for s in data["plan"]["sections"]:
        indent = "    " if "-" in s["number"] else "  "
        extra = f" ¶ {_runs(s['paragraphs'])}" if s["paragraphs"] else ""
        extra += f" ({s['unnumbered']} unnumbered)" if s["unnumbered"] else ""
        lines.append(f"{indent}{s['number']} {s['title']}{extra}")
    lines.append(f"task list: {show(t['title'])} — {len(t['tables'])} tables, {t['tasks']} tasks")
    for table in t["tables"]:
        lines.append(
            f"  table {table['number']} {table['title']}: {table['tasks']} tasks"
            + (f", mirrors section {table['narrative_section']}" if table["narrative_section"] else "")
        )
        for g in table["groups"]:
            category = f" [{g['category']}]" if g["category"] else ""
            paragraph = f" ¶ {g['narrative_paragraph']}" if g["narrative_paragraph"] else ""
            lines.append(f"    group {g['number']} {g['label']}{category}{paragraph}: tasks {g['tasks']}")
            for sector, runs in g["sectors"].items():
                lines.append(f"      {sector}: {runs}")
        if table["differ_from_narrative"]:
            lines.append(f"    worded differently from the narrative: {_runs(table['differ_from_narrative'])}")
        if table["not_in_narrative"]:
            lines.append(f"    not found in the narrative: {_runs(table['not_in_narrative'])}")
    if data["findings"]:
        lines.append(f"findings: {len(data['findings'])}")
        for f in data["findings"]:
            lines.append(f"  [{f['kind']}] {f['subject']}: {f['message']}")
    return "\n".join(lines)
