"""Every layout of the plan family loads: copies from web pages, 2021's four-table plans, approvals,
other document numbers, notices without parts, page breaks anywhere — and the same plan as a web
page, a printed PDF and a Word file. Each variant is made here from the Wuhan text, so the
expected answer is the Wuhan plan's own (or says exactly what the variant changed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import render  # tests/render.py: the plan written as a web page, a PDF and a Word file
from click.testing import CliRunner

from pilotkg.cli import main
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.plan_text import load_plan_text


def _tasks(plan) -> list[tuple]:
    """What a reader must get right for every task."""
    return [
        (t.table, t.number, t.group, t.sector, t.text.text, t.narrative_paragraph, t.matches_narrative)
        for t in plan.tasks()
    ]


def _write(tmp_path: Path, text: str, name: str = "variant.txt", encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def _missing(plan) -> set[str]:
    return {f.message for f in plan.findings if f.kind == "missing"}


# --- text copies ------------------------------------------------------------------------------

WEB_HEADER = (
    "首页 > 政务公开 > 通知公告 > 商务部关于印发《武汉市服务业扩大开放综合试点总体方案》的通知\n\n"
    "发布时间：2023-01-05 10:00  来源：商务部\n\n【打印】【关闭】\n\n"
)


def test_copied_from_a_web_page_with_site_lines_above_the_title(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    text = "\ufeff" + WEB_HEADER + wuhan_text.replace("(商资发〔2022〕211号)\n", "").replace("。", "。\u00a0", 3)
    plan = load_plan_text(_write(tmp_path, text, newline="\r\n"), vocabulary)
    assert _tasks(plan) == _tasks(wuhan_plan)
    assert plan.notice.document_number is None
    assert plan.notice.title.text == wuhan_plan.notice.title.text
    assert len(plan.notice.addressees) == 47 and len(plan.paragraphs) == 16
    assert any("document number" in m for m in _missing(plan))


def test_gb18030_with_crlf(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    plan = load_plan_text(_write(tmp_path, wuhan_text, encoding="gb18030", newline="\r\n"), vocabulary)
    assert _tasks(plan) == _tasks(wuhan_plan)
    assert plan.source.encoding == "GB18030"


def test_ascii_parenthesis_headings_with_the_body_on_the_line(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    text = re.sub(r"^（([一二三四五六七八九十]+)）(.+?。)\n\n", r"(\1)\2", wuhan_text, flags=re.MULTILINE)
    assert "(一)指导思想。以习近平" in text
    plan = load_plan_text(_write(tmp_path, text), vocabulary)

    def outline(p):
        return [(s.number, s.title.text, [b.text for b in s.body]) for s in p.sections]

    assert outline(plan) == outline(wuhan_plan)
    assert _tasks(plan) == _tasks(wuhan_plan)


@pytest.mark.parametrize(
    ("printed", "number", "issued"),
    [
        ("(商资发〔2021〕65号)", "商资发〔2021〕65号", "2022-12-29"),
        ("国函[2020]123号", "国函[2020]123号", "2022-12-29"),
        ("［商资函〔2025〕84号］", "商资函〔2025〕84号", "2022-12-29"),
    ],
)
def test_document_numbers_in_other_forms(tmp_path, vocabulary, wuhan_text, printed, number, issued):
    text = wuhan_text.replace("(商资发〔2022〕211号)", printed)
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.notice.document_number.text == number
    assert plan.notice.issued.isoformat() == issued


def test_number_and_date_in_the_sites_brackets_without_a_date_line(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    text = wuhan_text.replace("(商资发〔2022〕211号)", "[商资函〔2025〕84号] [2025-04-11]")
    text = text.replace("商务部\n\n2022年12月29日\n", "")
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.notice.document_number.text == "商资函〔2025〕84号"
    assert plan.notice.issued.isoformat() == "2025-04-11" and plan.slug == "wuhan-2025"
    assert plan.notice.signature is None
    assert _tasks(plan) == _tasks(wuhan_plan)


def test_signature_and_date_after_the_plan(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    text = wuhan_text.replace("现将《总体方案》及试点任务清单印发给你们，", "现将《总体方案》印发给你们，")
    text = text.replace("商务部\n\n2022年12月29日\n", "")
    at = text.index("武汉市服务业扩大开放综合试点任务清单")
    text = text[:at] + "商务部\n\n2022年12月29日\n\n" + text[at:]
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.notice.issued.isoformat() == "2022-12-29"
    assert plan.notice.signature.text == "商务部"
    assert _tasks(plan) == _tasks(wuhan_plan)
    assert [p.text.text for p in plan.paragraphs] == [p.text.text for p in wuhan_plan.paragraphs]
    assert [b.text for b in plan.sections[-1].body] == [b.text for b in wuhan_plan.sections[-1].body]


def test_signature_and_date_at_the_end(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    text = wuhan_text.replace("商务部\n\n2022年12月29日\n", "") + "\n\n商务部\n\n2022年12月29日\n"
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.notice.issued.isoformat() == "2022-12-29"
    assert _tasks(plan) == _tasks(wuhan_plan)


def test_no_notice_at_all(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    text = wuhan_text[wuhan_text.index("武汉市服务业扩大开放综合试点总体方案\n\n为全面") :]
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.notice.title is None and plan.notice.document_number is None and plan.notice.issued is None
    assert plan.slug == "wuhan" and plan.year is None
    assert _tasks(plan) == _tasks(wuhan_plan)
    assert _missing(plan) == {"the copy prints no covering notice (…关于印发《…》的通知) before the plan"}


APPROVAL = """国务院关于武汉市服务业扩大开放综合试点总体方案的批复

国函〔2022〕123号

湖北省人民政府、商务部：

你们关于在武汉市开展服务业扩大开放综合试点的请示收悉。现批复如下：

一、原则同意《武汉市服务业扩大开放综合试点总体方案》（以下简称《方案》），请认真组织实施。

二、湖北省人民政府要加强对试点工作的组织领导。

国务院

2022年12月20日

"""


def test_a_state_council_approval_instead_of_a_notice(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    text = APPROVAL + wuhan_text[wuhan_text.index("武汉市服务业扩大开放综合试点总体方案\n\n为全面") :]
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.notice.kind == "approval"
    assert plan.notice.issuer == "state-council" and plan.approved_by == "state-council"
    assert plan.notice.addressees == ["hubei-government", "mofcom"]
    assert plan.notice.document_number.text == "国函〔2022〕123号"
    assert plan.notice.issued.isoformat() == "2022-12-20"
    assert [s.number for s in plan.sections] == [s.number for s in wuhan_plan.sections]
    assert _tasks(plan) == _tasks(wuhan_plan)


def test_page_breaks_in_the_addressees_a_heading_a_task_number_and_a_cell(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    text = wuhan_text.replace("人力资源社会保障部、", "人力资源社\n\n— 1 —\n\n会保障部、", 1)
    text = text.replace("（四）优化服务业开放发展的体制机制。", "（四）优化服务业开放发展的体制\n\n— 7 —\n\n机制。")
    text = text.replace("\t\t3. 支持武汉市创建中国软件名园。", "\t\t3.\n\n— 9 —\n\n支持武汉市创建中国软件名园。")
    text = text.replace(
        "\t\t12. 推进“设计之都”建设，创新重大项目设计招标方式，",
        "\t\t12. 推进“设计之都”建设，创新重大项目\n\n— 10 —\n\n类别\t\t试点任务\n"
        "充分竞争服务业\t专业服务领域\t设计招标方式，",
    )
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.notice.addressees == wuhan_plan.notice.addressees
    assert [s.title.text for s in plan.sections] == [s.title.text for s in wuhan_plan.sections]
    assert _tasks(plan) == _tasks(wuhan_plan)


def _four_table_plan(text: str) -> str:
    """The 2021 layout: no manufacturing–services (两业) sub-section, paragraphs or table."""
    start = text.index("（二）推进现代服务业同先进制造业“两业”融合发展。")
    end = text.index("（三）促进服务业扩大开放在重点园区和平台示范发展。")
    text = text[:start] + text[end:]
    for old, new in (("（三）促进", "（二）促进"), ("（四）优化", "（三）优化"), ("（五）加强", "（四）加强")):
        text = text.replace(old, new, 1)

    def renumber(m: re.Match[str]) -> str:
        n = int(m[1])
        return f"{n - 3}{m[2]}" if n >= 8 else m[0]

    narrative, _, tasks = text.partition("武汉市服务业扩大开放综合试点任务清单")
    narrative = re.sub(r"^(\d{1,2})(\.)", renumber, narrative, flags=re.MULTILINE)
    start = tasks.index("表 2 ")
    end = tasks.index("表 3 ")
    tasks = tasks[:start] + tasks[end:]
    for n in (3, 4, 5):
        tasks = tasks.replace(f"表 {n} ", f"表 {n - 1} ")
    text = narrative + "武汉市服务业扩大开放综合试点任务清单" + tasks
    return (
        text.replace("湖北省人民政府", "天津市人民政府")
        .replace("武汉市人民政府", "天津市人民政府")
        .replace("湖北省", "天津市")
        .replace("（湖北）", "（天津）")
        .replace("武汉", "天津")
        .replace("〔2022〕211号", "〔2021〕65号")
        .replace("2022年12月29日", "2021年4月9日")
    )


def test_the_2021_layout_four_tables_a_municipality_copied_from_a_web_page(
    tmp_path, vocabulary, wuhan_text, wuhan_plan
):
    text = WEB_HEADER + _four_table_plan(wuhan_text).replace("(商资发〔2021〕65号)\n", "")
    text = re.sub(r"^（([一二三四五六七八九十]+)）(.+?。)\n\n", r"(\1)\2", text, flags=re.MULTILINE)
    plan = load_plan_text(_write(tmp_path, text, newline="\r\n"), vocabulary)
    assert plan.slug == "tianjin-2021" and plan.city_slug == plan.province_slug == "tianjin"
    assert [len(t.tasks) for t in plan.tables] == [38, 18, 10, 13]
    assert len(plan.paragraphs) == 13
    assert "tianjin-government" in plan.notice.addressees and plan.implemented_by == ["tianjin-government"]
    expected = [t for t in _tasks(wuhan_plan) if t[0] != 2]
    shifted = [
        (
            (t[0] - 1) if t[0] > 2 else t[0],
            t[1],
            t[2],
            t[3],
            t[4].replace("武汉", "天津").replace("湖北", "天津"),
            (t[5] - 3) if t[5] and t[5] >= 8 else t[5],
            t[6],
        )
        for t in expected
    ]
    assert _tasks(plan) == shifted


# --- web pages, PDF, Word ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, wuhan_plan) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("rendered")
    return {
        "html": render.write_html(wuhan_plan, out / "wuhan-2022.html"),
        "html-gbk": render.write_html(wuhan_plan, out / "wuhan-gbk.htm", encoding="gbk"),
        "pdf": render.write_pdf(wuhan_plan, out / "wuhan-2022.pdf"),
        # Tables broken every 7 rows, header and group and sector cells printed again on each page,
        # a task cell broken over a page.
        "pdf-paged": render.write_pdf(wuhan_plan, out / "wuhan-paged.pdf", page_rows=7, split=True),
        "docx": render.write_docx(wuhan_plan, out / "wuhan-2022.docx"),
    }


@pytest.mark.parametrize("kind", ["html", "html-gbk", "pdf", "pdf-paged", "docx"])
def test_the_plan_as_a_web_page_a_pdf_and_a_word_file(kind, rendered, vocabulary, wuhan_plan):
    plan = load_plan_text(rendered[kind], vocabulary)
    assert _tasks(plan) == _tasks(wuhan_plan)
    assert plan.slug == "wuhan-2022"
    assert plan.notice.title.text == wuhan_plan.notice.title.text
    assert plan.notice.document_number.text == "商资发〔2022〕211号"
    assert plan.notice.issued == wuhan_plan.notice.issued
    assert plan.notice.addressees == wuhan_plan.notice.addressees
    assert [p.text.text for p in plan.paragraphs] == [p.text.text for p in wuhan_plan.paragraphs]
    assert [(g.label.text, g.category) for t in plan.tables for g in t.groups] == [
        (g.label.text, g.category) for t in wuhan_plan.tables for g in t.groups
    ]
    assert plan.approved_by == "state-council" and plan.period_years == 3


def test_a_renamed_file_is_read_by_its_content(tmp_path, rendered, vocabulary, wuhan_plan):
    for kind in ("pdf", "html", "docx"):
        path = tmp_path / f"plan-{kind}.txt"
        path.write_bytes(rendered[kind].read_bytes())
        assert _tasks(load_plan_text(path, vocabulary)) == _tasks(wuhan_plan), kind


def _selectors(graph, thing):
    from rdflib import RDF, URIRef

    oa = "http://www.w3.org/ns/oa#"
    span = graph.value(thing, URIRef("https://w3id.org/pilotkg/ontology#sourceSpan"))
    return {str(graph.value(s, RDF.type)).removeprefix(oa): s for s in graph.objects(span, URIRef(oa + "hasSelector"))}


@pytest.mark.parametrize(
    ("kind", "locator"), [("pdf", "FragmentSelector"), ("html", "XPathSelector"), ("docx", "XPathSelector")]
)
def test_provenance_reaches_the_file(kind, locator, rendered, vocabulary):
    from rdflib import RDF, URIRef

    from pilotkg.loaders.to_rdf import OA, plan_graph

    plan = load_plan_text(rendered[kind], vocabulary)
    graph = plan_graph(plan, "https://w3id.org/pilotkg/")
    task = URIRef("https://w3id.org/pilotkg/id/pilot/wuhan-2022/task/1-3")
    selectors = _selectors(graph, task)
    assert set(selectors) == {"TextQuoteSelector", locator}
    quote = selectors["TextQuoteSelector"]
    assert "支持武汉市创建中国软件名园。" in str(graph.value(quote, OA.exact))
    value = str(graph.value(selectors[locator], RDF.value))
    if kind == "pdf":
        assert re.fullmatch(r"page=\d+", value)
        assert int(value[5:]) > 1
    elif kind == "html":
        assert value.startswith("/html/body/") and "/tr[" in value
    else:
        assert value.startswith("/w:document/w:body/w:tbl[1]/w:tr[")
    # A text source keeps its code-point positions; no kind has both.
    assert "TextPositionSelector" not in selectors


def test_a_build_of_each_kind_conforms(tmp_path, rendered):
    for kind in ("pdf", "html", "docx"):
        out = tmp_path / kind
        result = CliRunner().invoke(main, ["build", str(rendered[kind]), "--out", str(out), "-q"])
        assert result.exit_code == 0, result.output
        assert (out / "pilotkg.nq").exists()


# --- bad input --------------------------------------------------------------------------------


def _scanned_pdf(path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    page.rect(100, 100, 300, 400, fill=1)  # a picture of a page: no text layer
    page.showPage()
    page.save()
    return path


def _encrypted_pdf(path: Path) -> Path:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0), invariant=1)
    page.drawString(100, 700, "locked")
    page.save()
    return path


BAD = {
    "scanned.pdf": (_scanned_pdf, "no text layer"),
    "encrypted.pdf": (_encrypted_pdf, "encrypted"),
    "damaged.pdf": (
        lambda p: (p.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog" + b"\x00garbage" * 50), p)[1],
        "damaged",
    ),
    "menu.html": (
        lambda p: (p.write_text("<html><body><p>首页</p><p>新闻中心</p></body></html>", "utf-8"), p)[1],
        "no plan title",
    ),
    "letter.docx": (None, "no plan title"),
    "old.doc": (lambda p: (p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), p)[1], ".doc"),
    "scan.png": (lambda p: (p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100), p)[1], "image"),
    "archive.zip": (None, "not a Word"),
}


def _letter_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("关于召开会议的通知")
    document.add_paragraph("各单位：请准时参加。")
    document.save(str(path))
    return path


def _zip(path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    return path


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_get_one_clear_error(name, tmp_path, vocabulary, wuhan_text):
    make, expected = BAD[name]
    make = {"letter.docx": _letter_docx, "archive.zip": _zip}.get(name, make)
    path = make(tmp_path / name)
    with pytest.raises(LoadError) as caught:
        load_plan_text(path, vocabulary)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value), str(caught.value)
    # Through the command line: exit 1, the message, and a previous build left untouched.
    out = tmp_path / "dist"
    out.mkdir()
    (out / "keep.txt").write_text("previous build")
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 1
    assert expected in result.output
    assert (out / "keep.txt").read_text() == "previous build"


# --- pilotkg inspect --------------------------------------------------------------------------


def test_inspect_outlines_what_was_read(tmp_path, rendered, wuhan_text):
    import json

    text = wuhan_text.replace("(商资发〔2022〕211号)\n", "")
    path = _write(tmp_path, text, "copy.txt")
    result = CliRunner().invoke(main, ["inspect", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["notice"]["document_number"] is None
    assert [t["tasks"] for t in data["task_list"]["tables"]] == [38, 11, 18, 10, 13]
    assert data["task_list"]["tables"][0]["groups"][0]["sectors"]["science-technology"] == "1–10"
    assert any(f["kind"] == "missing" and "document number" in f["message"] for f in data["findings"])
    outline = CliRunner().invoke(main, ["inspect", str(rendered["pdf"])])
    assert outline.exit_code == 0
    assert "document number: 商资发〔2022〕211号" in outline.output
    assert "group 1 充分竞争性服务业 [fully-competitive] ¶ 1: tasks 1–19" in outline.output
    assert re.search(r"\[reader\] pdf: \d+ pages, \d+ ruled table rows", outline.output)
    bad = CliRunner().invoke(main, ["inspect", str(tmp_path / "absent.pdf")])
    assert bad.exit_code == 1 and "file not found" in bad.output


def test_a_web_copy_with_each_table_cell_on_a_line_of_its_own(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    narrative, _, task_list = wuhan_text.partition("武汉市服务业扩大开放综合试点任务清单")
    lines = []
    for line in task_list.split("\n"):
        lines += [cell for cell in line.split("\t") if cell.strip()] or [""]
    text = narrative + "武汉市服务业扩大开放综合试点任务清单" + "\n".join(lines)
    assert "\t" not in text.partition("任务清单")[2]
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert [(t.table, t.number, t.group, t.sector, t.text.text) for t in plan.tasks()] == [
        (t.table, t.number, t.group, t.sector, t.text.text) for t in wuhan_plan.tasks()
    ]


def test_addressees_sharing_a_suffix_and_one_the_gazetteer_lacks(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    start = wuhan_text.index("湖北省人民政府，中央组织部")
    end = wuhan_text.index("：", start)
    text = wuhan_text[:start] + "天津市、上海市、海南省、湖北省人民政府，外交部、星际事务部" + wuhan_text[end:]
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.notice.addressees == [
        "tianjin-government",
        "shanghai-government",
        "hainan-government",
        "hubei-government",
        "mfa",
    ]
    assert any("星际事务部" in m and "not linked" in m for m in _missing(plan))
    assert _tasks(plan) == _tasks(wuhan_plan)


def test_page_breaks_in_the_task_lists_title_and_a_tables_title(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    text = wuhan_text.replace(
        "\n武汉市服务业扩大开放综合试点任务清单\n", "\n武汉市服务业扩大开放综合试点任务\n\n— 8 —\n\n清单\n"
    )
    text = text.replace("表 4 优化服务业开放发展的体制机制\n", "表 4 优化服务业开放发展的体制\n\n— 12 —\n\n机制\n")
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.task_list_title.text == wuhan_plan.task_list_title.text
    assert [t.title.text for t in plan.tables] == [t.title.text for t in wuhan_plan.tables]
    assert [b.text for b in plan.sections[-1].body] == [b.text for b in wuhan_plan.sections[-1].body]
    assert _tasks(plan) == _tasks(wuhan_plan)


def test_an_approval_titled_by_the_pilot_it_allows(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    approval = APPROVAL.replace(
        "国务院关于武汉市服务业扩大开放综合试点总体方案的批复", "国务院关于同意在武汉市开展服务业扩大开放综合试点的批复"
    )
    text = approval + wuhan_text[wuhan_text.index("武汉市服务业扩大开放综合试点总体方案\n\n为全面") :]
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert plan.notice.kind == "approval" and plan.approved_by == "state-council"
    assert _tasks(plan) == _tasks(wuhan_plan)


def test_a_word_file_with_its_notice_inside_a_content_control(tmp_path, rendered, vocabulary, wuhan_plan):
    import docx
    from docx.oxml.ns import qn
    from lxml import etree

    document = docx.Document(str(rendered["docx"]))
    body = document.element.body
    sdt = etree.SubElement(body, qn("w:sdt"))
    content = etree.SubElement(sdt, qn("w:sdtContent"))
    first = list(body.iterchildren(qn("w:p")))[:6]
    first[0].addprevious(sdt)
    for paragraph in first:
        content.append(paragraph)
    path = tmp_path / "controlled.docx"
    document.save(str(path))
    plan = load_plan_text(path, vocabulary)
    assert plan.notice.document_number.text == "商资发〔2022〕211号"
    assert plan.notice.addressees == wuhan_plan.notice.addressees
    assert _tasks(plan) == _tasks(wuhan_plan)


def test_a_first_table_headed_by_sector_alone(tmp_path, vocabulary, wuhan_text, wuhan_plan):
    """Table 1 with one label column, 领域: the groups come from the narrative, the sectors from it."""
    head, _, rest = wuhan_text.partition("表 1 ")
    table1, _, tail = rest.partition("表 2 ")
    lines = []
    for line in table1.split("\n"):
        parts = line.split("\t")
        if line.startswith("类别"):
            line = "领域\t试点任务"
        elif len(parts) >= 3:
            line = "\t".join(parts[1:])
        lines.append(line)
    text = head + "表 1 " + "\n".join(lines) + "表 2 " + tail
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert _tasks(plan) == _tasks(wuhan_plan)
    assert [g.label.text for g in plan.tables[0].groups] == [g.label.text for g in wuhan_plan.tables[0].groups]


def test_a_sector_the_scheme_lacks_is_reported_not_fatal(tmp_path, vocabulary, wuhan_text):
    text = wuhan_text.replace("专业服务领域：", "星际服务领域：").replace("\t专业服务领域\t", "\t星际服务领域\t")
    plan = load_plan_text(_write(tmp_path, text), vocabulary)
    assert [t.sector for t in plan.tables[0].tasks[10:14]] == [None] * 4
    assert any("星际服务领域" in m for m in _missing(plan))


def test_every_part_has_a_label_in_chinese_and_english(wuhan_plan):
    from rdflib import RDF, RDFS, URIRef

    from pilotkg.loaders.to_rdf import OA, PILOT, plan_graph

    graph = plan_graph(wuhan_plan, "https://w3id.org/pilotkg/")
    kinds = [
        PILOT.Task,
        PILOT.Measure,
        PILOT.Paragraph,
        PILOT.TaskTable,
        PILOT.TaskGroup,
        PILOT.Section,
        PILOT.Notice,
        PILOT.PlanDocument,
        OA.SpecificResource,
    ]
    for kind in kinds:
        things = list(graph.subjects(RDF.type, kind))
        assert things, kind
        for thing in things:
            labels = {label.language: str(label) for label in graph.objects(thing, RDFS.label)}
            assert set(labels) == {"zh", "en"}, thing
    task = URIRef("https://w3id.org/pilotkg/id/pilot/wuhan-2022/task/1-27")
    assert {str(x) for x in graph.objects(task, RDFS.label)} == {
        "Wuhan 2022 · Table 1 · Task 27",
        "武汉市2022年 · 表1 · 任务27",
    }
