"""The CSV loader: a small pilot written here loads into the same plan model, with exact spans;
every kind of bad row or metadata is refused with the file and line named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rdflib import Literal, Namespace, URIRef

from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.fragment import clean
from pilotkg.loaders.plan_csv import is_meta_file, load_plan_csv, meta_path, read_records
from pilotkg.loaders.to_rdf import plan_graph

PILOT = Namespace("https://w3id.org/pilotkg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
BASE = "https://example.org/kg/"

HEADER = "table,table_title,group,sector,number,text"
ROWS = [
    "1,推动服务业重点行业领域深化改革扩大开放,充分竞争性服务业,科技服务,1,"
    '"支持杭州市创建中国软件名园，鼓励高等学校、科研院所和龙头企业对接重点产业需求。"',
    "1,,充分竞争性服务业,科技服务,2,推进科技保险创新示范区建设。",
    '1,,充分竞争性服务业,金融服务领域,3,"支持符合条件的外商独资企业申请成为私募基金管理人，探索""绿色金融""改革。"',
    '1,,有限竞争性服务业,教育服务,4,"4. 支持按规定引进境外理工农医类教材，\n持续探索发展职业教育。"',
    "2,加强服务业开放发展的要素保障,优化人才服务,,1,允许外籍人才在签证有效期内创新创业，由公安部制定办法。",
    "2,,优化人才服务,,2,  加强 **人才服务** 。 ",
    "2,,保障数据安全有序流动,,3,探索构建数据保护能力认证体系，建立企业数据保护能力第三方认证机制。",
]
META = """\
city = "杭州市"
notice_title = "商务部关于印发《杭州市服务业扩大开放综合试点总体方案》的通知"
document_number = "商资发〔2023〕100号"
issued = 2023-05-04
issuer = "商务部"
addressees = ["浙江省人民政府", "中央网信办", "外交部", "中央网信办"]
approved_by = "国务院"
implemented_by = "浙江省人民政府、杭州市人民政府"
period_years = 3
"""


def write_pilot(
    folder: Path,
    rows: list[str] | None = None,
    meta: str | None = META,
    header: str = HEADER,
    name: str = "hangzhou-2023",
) -> Path:
    path = folder / f"{name}.csv"
    path.write_text("\n".join([header, *(ROWS if rows is None else rows)]) + "\n", encoding="utf-8")
    if meta is not None:
        meta_path(path).write_text(meta, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory, vocabulary):
    return load_plan_csv(write_pilot(tmp_path_factory.mktemp("csv")), vocabulary)


def test_structure(pilot) -> None:
    assert pilot.slug == "hangzhou-2023"
    assert (pilot.city, pilot.city_slug, pilot.province_slug, pilot.city_en) == (
        "杭州市",
        "hangzhou",
        "zhejiang",
        "Hangzhou",
    )
    assert [(t.number, t.title.text, len(t.tasks)) for t in pilot.tables] == [
        (1, "推动服务业重点行业领域深化改革扩大开放", 4),
        (2, "加强服务业开放发展的要素保障", 3),
    ]
    assert [(g.number, g.label.text, g.category) for g in pilot.tables[0].groups] == [
        (1, "充分竞争性服务业", "fully-competitive"),
        (2, "有限竞争性服务业", "limited-competition"),
    ]
    assert [(g.number, g.label.text, g.category) for g in pilot.tables[1].groups] == [
        (1, "优化人才服务", None),
        (2, "保障数据安全有序流动", None),
    ]
    assert [(t.table, t.number, t.group, t.sector) for t in pilot.tasks()] == [
        (1, 1, 1, "science-technology"),
        (1, 2, 1, "science-technology"),
        (1, 3, 1, "finance"),
        (1, 4, 2, "education"),
        (2, 1, 1, None),
        (2, 2, 1, None),
        (2, 3, 2, None),
    ]
    assert pilot.sections == [] and pilot.paragraphs == [] and pilot.intro == []
    assert all(t.narrative is None and t.matches_narrative is None for t in pilot.tasks())


def test_notice_and_pilot_from_the_metadata(pilot) -> None:
    notice = pilot.notice
    assert notice.title.text == "商务部关于印发《杭州市服务业扩大开放综合试点总体方案》的通知"
    assert pilot.title.text == "杭州市服务业扩大开放综合试点总体方案"
    assert notice.document_number.text == "商资发〔2023〕100号"
    assert notice.issued == dt.date(2023, 5, 4)
    assert notice.issuer == "mofcom"
    assert notice.addressees == ["zhejiang-government", "cyberspace-affairs-office", "mfa"]  # each once
    assert pilot.approved_by == "state-council"
    assert pilot.implemented_by == ["zhejiang-government", "hangzhou-government"]
    assert pilot.period_years == 3


def test_task_texts_are_clean_and_spans_are_the_text_cells(pilot) -> None:
    source = pilot.source.text
    texts = [t.text.text for t in pilot.tasks()]
    # "" unescaped; the number before the text and the line break inside it dropped
    assert texts[2] == '支持符合条件的外商独资企业申请成为私募基金管理人，探索"绿色金融"改革。'
    assert texts[3] == "支持按规定引进境外理工农医类教材，持续探索发展职业教育。"
    assert texts[5] == "加强人才服务。"  # stray spaces and bold marks gone
    for task in pilot.tasks():
        raw = source[task.span.start : task.span.end]
        assert not raw.startswith('"') and not raw.endswith('"')
        assert clean_text(raw) == task.text.text or task.text.text in clean_text(raw)
        # every clean character stands at its offset in the CSV
        assert all(
            source[o] == c or (c == '"' and source[o : o + 2] == '""')
            for c, o in zip(task.text.text, task.text.offsets, strict=True)
        )
    row = ROWS[4].split(",", 5)[5]
    assert source[pilot.tasks()[4].span.start : pilot.tasks()[4].span.end] == row


def clean_text(raw: str) -> str:
    from pilotkg.loaders.fragment import Fragment

    return clean(Fragment.raw(raw, 0, len(raw))).text.replace('""', '"')


def test_measures_and_agencies_as_in_the_text_loader(pilot) -> None:
    for task in pilot.tasks():
        assert "".join(m.text.text for m in task.measures) == task.text.text
    first = pilot.tasks()[0]
    assert [m.measure_type for m in first.measures] == ["support", "encourage"]
    assert pilot.tasks()[4].agencies == ["mps"]


def test_rdf_spans_point_at_the_csv_characters(pilot) -> None:
    graph = plan_graph(pilot, BASE)
    task = URIRef(f"{BASE}id/pilot/hangzhou-2023/task/1-3")
    assert graph.value(task, PILOT.text) == Literal(pilot.tasks()[2].text.text, lang="zh")
    position = URIRef(f"{graph.value(task, PILOT.sourceSpan)}/position")
    start, end = (graph.value(position, p).toPython() for p in (OA.start, OA.end))
    quote = URIRef(str(position).replace("/position", "/quote"))
    assert pilot.source.text[start:end] == str(graph.value(quote, OA.exact))
    assert str(graph.value(quote, OA.exact)).endswith('""改革。')
    measure = URIRef(f"{task}/measure/2")
    mpos = URIRef(f"{graph.value(measure, PILOT.sourceSpan)}/position")
    assert str(graph.value(URIRef(str(mpos).replace("/position", "/quote")), OA.exact)).startswith("探索")
    assert not list(graph.objects(task, PILOT.narrativeParagraph))


def test_records_keep_offsets_through_quotes_and_line_breaks() -> None:
    text = 'a,"b,""c""\nd",e\r\n\n"",f\n'
    records = list(read_records(Path("x.csv"), text))
    assert [(r.line, [c.text for c in r.cells]) for r in records] == [
        (1, ["a", 'b,"c"\nd', "e"]),
        (3, [""]),
        (4, ["", "f"]),
    ]
    cell = records[0].cells[1]
    assert all(text[o] == ch for ch, o in zip(cell.text, cell.offsets, strict=True))


def test_meta_file_naming() -> None:
    assert meta_path("data/x/hangzhou-2023.csv") == Path("data/x/hangzhou-2023.meta.toml")
    assert is_meta_file("hangzhou-2023.meta.toml") and not is_meta_file("hangzhou-2023.csv")


def _replace_row(k: int, row: str) -> list[str]:
    return [row if i == k else r for i, r in enumerate(ROWS)]


BAD_ROWS = {
    "missing column": (dict(header="table,table_title,group,number,text"), 1, "missing: sector"),
    "unknown column": (dict(header=HEADER + ",note"), 1, "unknown: note"),
    "cell count": (dict(rows=_replace_row(1, "1,,充分竞争性服务业,科技服务,2,推进,建设")), 3, "7 cells"),
    "non-integer number": (dict(rows=_replace_row(2, "1,,充分竞争性服务业,,三,支持。")), 4, "'三' is not"),
    "numbers not consecutive": (dict(rows=_replace_row(2, "1,,充分竞争性服务业,,5,支持。")), 4, "task 5 where task 3"),
    # row 4 stands on line 7: row 3's quoted text spans two lines
    "table out of order": (dict(rows=_replace_row(4, "3,标题,组,,1,支持。")), 7, "table 3 where table 2"),
    "table without title": (dict(rows=_replace_row(4, "2,,优化人才服务,,1,支持。")), 7, "table_title"),
    "empty text": (dict(rows=_replace_row(1, "1,,充分竞争性服务业,科技服务,2,  ")), 3, "empty text"),
    "empty group": (dict(rows=_replace_row(1, "1,,,科技服务,2,支持。")), 3, "empty group"),
    "unknown sector": (dict(rows=_replace_row(1, "1,,充分竞争性服务业,太空服务,2,支持。")), 3, "sector '太空服务'"),
    "unclosed quote": (dict(rows=[*ROWS, '2,,优化人才服务,,4,"支持。']), 10, "never closed"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_rows_name_file_and_line(case: str, tmp_path: Path, vocabulary) -> None:
    kwargs, line, words = BAD_ROWS[case]
    path = write_pilot(tmp_path, **kwargs)
    with pytest.raises(LoadError) as caught:
        load_plan_csv(path, vocabulary)
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert words in caught.value.problem


BAD_META = {
    "unknown agency": (META.replace('"外交部"', '"星际事务部"'), 6, "'星际事务部' is not in the gazetteer"),
    "unknown city": (META.replace('city = "杭州市"', 'city = "雄安市"'), 1, "'雄安市' is not in"),
    "bad date": (META.replace("issued = 2023-05-04", 'issued = "2023-02-30"'), 4, "bad date"),
    "missing field": (META.replace('approved_by = "国务院"\n', ""), None, "missing field(s): approved_by"),
    "unknown field": (META + 'colour = "红"\n', 10, "unknown field"),
    "not TOML": (META.replace("period_years = 3", "period_years = = 3"), 9, "not valid TOML"),
    "bad period": (META.replace("period_years = 3", "period_years = 0"), 9, "positive whole number"),
}


@pytest.mark.parametrize("case", list(BAD_META))
def test_bad_metadata_names_file_and_line(case: str, tmp_path: Path, vocabulary) -> None:
    meta, line, words = BAD_META[case]
    path = write_pilot(tmp_path, meta=meta)
    with pytest.raises(LoadError) as caught:
        load_plan_csv(path, vocabulary)
    assert caught.value.path == str(meta_path(path))
    assert caught.value.line == line
    assert words in caught.value.problem


def test_missing_metadata_file_is_named(tmp_path: Path, vocabulary) -> None:
    path = write_pilot(tmp_path, meta=None)
    with pytest.raises(LoadError, match=r"hangzhou-2023\.meta\.toml.*metadata file not found"):
        load_plan_csv(path, vocabulary)


def test_header_only_is_refused(tmp_path: Path, vocabulary) -> None:
    with pytest.raises(LoadError, match=r"hangzhou-2023\.csv: "):
        load_plan_csv(write_pilot(tmp_path, rows=[]), vocabulary)
