"""Write a parsed plan out again as the kinds of file plans reach users in: a ministry web page
(site chrome, ``<p>`` paragraphs, tables with ``rowspan``), a printed PDF (reportlab, built-in CID
font, page numbers ``— N —``, ruled tables broken over pages with the header row repeated) and an
agency's Word file (python-docx, merged cells). The tests read them back and expect the plan they
came from: same tasks, groups, sectors, texts, narrative paragraphs and discrepancy flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pilotkg.loaders import layout
from pilotkg.loaders.document import split_lines
from pilotkg.loaders.fragment import clean
from pilotkg.loaders.model import Plan

CN = "零一二三四五六七八九十"


def cn(n: int) -> str:
    if n <= 10:
        return CN[n]
    tens, units = divmod(n, 10)
    return (CN[tens] if tens > 1 else "") + "十" + (CN[units] if units else "")


@dataclass
class Row:
    group: str | None  # label printed in this row (None: spanned from above)
    group_span: int
    sector: str | None
    sector_span: int
    text: str


@dataclass
class Table:
    title: str
    has_sector: bool
    rows: list[Row]


def sector_labels(plan: Plan) -> dict[str, str]:
    """The sector labels as the task list prints them (科技服务领域 …), by sector slug."""
    lines = split_lines(plan.source.text)
    labels: dict[str, str] = {}
    notice = layout.read_notice(plan.source, lines)
    plan_layout = layout.read_plan(plan.source, lines, notice)
    tables = layout.read_task_list(plan.source, lines, plan_layout.tasks_start, notice.after)
    for tl, table in zip(tables, plan.tables, strict=True):
        if tl.sector_column is None:
            continue
        for row, task in zip(tl.rows, table.tasks, strict=True):
            raw = row.labels.get(tl.sector_column)
            if task.sector and raw is not None:
                labels.setdefault(task.sector, clean(raw).text)
    return labels


def outline(plan: Plan) -> tuple[list[tuple[str, str]], list[Table]]:
    """The plan as blocks — (kind, text) with kind title, p, h, date — and its task tables."""
    notice = plan.notice
    blocks: list[tuple[str, str]] = [("title", notice.title.text), ("p", f"（{notice.document_number.text}）")]
    blocks += [("p", p.text) for p in notice.body]
    blocks += [("sign", "商务部"), ("sign", f"{notice.issued.year}年{notice.issued.month}月{notice.issued.day}日")]
    blocks.append(("title", plan.title.text))
    blocks += [("p", p.text) for p in plan.intro]
    paragraphs = {p.number: p for p in plan.paragraphs}
    sections = {s.number: s for s in plan.sections}
    for top in (s for s in plan.sections if "-" not in s.number):
        blocks.append(("h", f"{cn(int(top.number))}、{top.title.text}"))
        blocks += [("p", b.text) for b in top.body]
        blocks += [("p", paragraphs[n].text.text) for n in top.paragraphs]
        for child in top.children:
            sub = sections[child]
            blocks.append(("h", f"（{cn(int(child.split('-')[1]))}）{sub.title.text}。"))
            blocks += [("p", b.text) for b in sub.body]
            blocks += [("p", paragraphs[n].text.text) for n in sub.paragraphs]
    blocks.append(("title", plan.task_list_title.text))
    labels = sector_labels(plan)
    tables: list[Table] = []
    for table in plan.tables:
        groups = {g.number: g.label.text for g in table.groups}
        has_sector = any(t.sector for t in table.tasks)
        rows: list[Row] = []
        for k, task in enumerate(table.tasks):
            prev = table.tasks[k - 1] if k else None
            new_group = prev is None or prev.group != task.group
            new_sector = new_group or prev.sector != task.sector
            rows.append(
                Row(
                    groups[task.group] if new_group else None,
                    0,
                    labels.get(task.sector, "") if (has_sector and new_sector) else None,
                    0,
                    f"{task.number}. {task.text.text}",
                )
            )
        for attr in ("group", "sector"):
            start = None
            for k, row in enumerate(rows):
                if getattr(row, attr) is not None:
                    start = k
                if start is not None:
                    setattr(rows[start], f"{attr}_span", getattr(rows[start], f"{attr}_span") + 1)
        tables.append(Table(f"表 {table.number} {table.title.text}", has_sector, rows))
    return blocks, tables


def write_html(plan: Plan, path: Path, encoding: str = "utf-8") -> Path:
    from html import escape

    blocks, tables = outline(plan)
    out = [
        f'<!DOCTYPE html><html><head><meta charset="{encoding}"><title>{escape(blocks[0][1])}</title>',
        "<script>var x = '<p>not text</p>';</script><style>p{margin:0}</style></head><body>",
        '<div class="header"><a href="/">首页</a> <nav><a href="#">政务公开</a> &gt; <a href="#">通知公告</a></nav>',
        "<ul class='menu'><li>机构</li><li>新闻</li></ul></div>",
        '<div class="crumb">当前位置：首页 &gt; 政务公开</div><div class="article">',
    ]
    out.append(f"<h1>{escape(blocks[0][1])}</h1>")
    out.append(
        '<div class="meta">发布时间：2023-01-05 10:00 来源：本网 【<a href="#">大</a> <a href="#">中</a>】</div>'
    )
    out.append('<div class="content">')
    for kind, text in blocks[1:]:
        style = ' style="text-align:right"' if kind == "sign" else ""
        tag = "h2" if kind == "title" else "p"
        out.append(f"<{tag}{style}>{escape(text)}</{tag}>")
    for table in tables:
        out.append(f"<p><strong>{escape(table.title)}</strong></p>")
        out.append('<table border="1"><tbody>')
        header = '<td colspan="2">类别</td>' if table.has_sector else "<td>类别</td>"
        out.append(f"<tr>{header}<td>试点任务</td></tr>")
        for row in table.rows:
            cells = []
            if row.group is not None:
                cells.append(f'<td rowspan="{row.group_span}">{escape(row.group)}</td>')
            if table.has_sector and row.sector is not None:
                cells.append(f'<td rowspan="{row.sector_span}">{escape(row.sector)}</td>')
            cells.append(f"<td><p>{escape(row.text)}</p></td>")
            out.append(f"<tr>{''.join(cells)}</tr>")
        out.append("</tbody></table>")
    out.append(
        '</div></div><div class="footer"><a href="#">打印本页</a> <a href="#">关闭窗口</a>'
        "<p>主办单位：某网站 网站标识码 000000</p></div></body></html>"
    )
    path.write_bytes("\n".join(out).encode(encoding))
    return path


def write_docx(plan: Plan, path: Path) -> Path:
    import docx

    blocks, tables = outline(plan)
    document = docx.Document()
    for _, text in blocks:
        document.add_paragraph(text)
    for table in tables:
        document.add_paragraph(table.title)
        columns = 3 if table.has_sector else 2
        grid = document.add_table(rows=len(table.rows) + 1, cols=columns)
        if table.has_sector:
            grid.cell(0, 0).merge(grid.cell(0, 1)).text = "类别"
        else:
            grid.cell(0, 0).text = "类别"
        grid.cell(0, columns - 1).text = "试点任务"
        for k, row in enumerate(table.rows, start=1):
            grid.cell(k, columns - 1).text = row.text
            if row.group is not None:
                cell = grid.cell(k, 0)
                if row.group_span > 1:
                    cell = cell.merge(grid.cell(k + row.group_span - 1, 0))
                cell.text = row.group
            if table.has_sector and row.sector is not None:
                cell = grid.cell(k, 1)
                if row.sector_span > 1:
                    cell = cell.merge(grid.cell(k + row.sector_span - 1, 1))
                cell.text = row.sector
    document.save(str(path))
    return path


def _paged(table: Table, page_rows: int, split: bool) -> list[list[tuple[str | None, int, str | None, int, str]]]:
    """The table's rows cut into pages of ``page_rows`` rows, as a printed table breaks: each page
    prints its group and sector labels again in its first row (spans end at the page). With
    ``split``, the last task of the first page runs on at the top of the next, without a number."""
    group = sector = None
    flat: list[tuple[str | None, str | None, str]] = []
    for row in table.rows:
        group = row.group if row.group is not None else group
        sector = row.sector if row.sector is not None else sector
        flat.append((group, sector, row.text))
    if split and len(flat) > page_rows:
        g, s, text = flat[page_rows - 1]
        cut = len(text) // 2
        flat[page_rows - 1] = (g, s, text[:cut])
        flat.insert(page_rows, (g, s, text[cut:]))
    pages = []
    for start in range(0, len(flat), page_rows):
        chunk = flat[start : start + page_rows]
        rows = []
        for k, (g, s, text) in enumerate(chunk):
            new_group = k == 0 or chunk[k - 1][0] != g
            new_sector = new_group or chunk[k - 1][1] != s
            g_span = next((n for n in range(k + 1, len(chunk)) if chunk[n][0] != g), len(chunk)) - k
            s_span = next((n for n in range(k + 1, len(chunk)) if chunk[n][0] != g or chunk[n][1] != s), len(chunk)) - k
            rows.append((g if new_group else None, g_span, s if new_sector else None, s_span, text))
        pages.append(rows)
    return pages


def write_pdf(plan: Plan, path: Path, page_rows: int | None = None, split: bool = False) -> Path:
    """The plan as a printed PDF. With ``page_rows``, each table breaks after that many rows onto a
    new page that repeats the header row and the group and sector cells (``split``: a task cell
    broken over the page too); without, reportlab breaks the tables where they fill a page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as Grid

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=12, leading=20, wordWrap="CJK", firstLineIndent=24)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=26, alignment=1, firstLineIndent=0)
    right = ParagraphStyle("right", parent=body, alignment=2, firstLineIndent=0)
    cell = ParagraphStyle("cell", parent=body, fontSize=10, leading=14, firstLineIndent=0)
    blocks, tables = outline(plan)
    story = []
    for kind, text in blocks:
        style = {"title": title, "sign": right}.get(kind, body)
        if kind == "p" and text.endswith("：") and text == blocks[2][1]:
            style = ParagraphStyle("addr", parent=body, firstLineIndent=0)
        story.append(Paragraph(text, style))
    width = A4[0] - 144
    for table in tables:
        story.append(Spacer(1, 12))
        story.append(Paragraph(table.title, ParagraphStyle("th", parent=body, firstLineIndent=0)))
        columns = 3 if table.has_sector else 2
        pages = (
            _paged(table, page_rows, split and table is tables[0])
            if page_rows
            else [[(r.group, r.group_span, r.sector, r.sector_span, r.text) for r in table.rows]]
        )
        for n, rows in enumerate(pages):
            if n:
                story.append(PageBreak())
            data = [["类别", "", "试点任务"] if table.has_sector else ["类别", "试点任务"]]
            spans = [("SPAN", (0, 0), (1, 0))] if table.has_sector else []
            for k, (group, group_span, sector, sector_span, text) in enumerate(rows, start=1):
                line = [Paragraph(group, cell) if group else ""]
                if table.has_sector:
                    line.append(Paragraph(sector, cell) if sector else "")
                line.append(Paragraph(text, cell))
                data.append(line)
                if group is not None and group_span > 1:
                    spans.append(("SPAN", (0, k), (0, k + group_span - 1)))
                if table.has_sector and sector is not None and sector_span > 1:
                    spans.append(("SPAN", (1, k), (1, k + sector_span - 1)))
            widths = [width * 0.14, width * 0.14, width * 0.72] if columns == 3 else [width * 0.2, width * 0.8]
            grid = Grid(data, colWidths=widths, repeatRows=1)
            grid.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        *spans,
                    ]
                )
            )
            story.append(grid)

    def page_number(canvas, doc) -> None:
        canvas.setFont("STSong-Light", 12)
        canvas.drawCentredString(A4[0] / 2, 40, f"— {doc.page} —")

    doc = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=72, rightMargin=72, topMargin=72, bottomMargin=72, invariant=1
    )
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return path
