"""Read a Word file (python-docx): body paragraphs as lines, tables as rows of cells with their spans.

The body is read in document order (paragraphs and tables interleaved, as python-docx's
``iter_inner_content`` gives them). A cell's horizontal span is its ``gridSpan``; a cell that
continues a vertical merge (``vMerge`` without ``restart``) is written once, in the row where the
merge starts, as a merged cell prints. Each character keeps the XPath of its paragraph or cell in
``word/document.xml``.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from pilotkg.loaders.document import Document, TextBuilder
from pilotkg.loaders.errors import LoadError
from pilotkg.loaders.source import SourceText

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def read_docx(path: Path, data: bytes) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise LoadError(path, f"not a readable Word (.docx) file ({exc})") from None
    except Exception as exc:  # a damaged part fails deep inside lxml or python-docx
        raise LoadError(path, f"the Word file is damaged ({type(exc).__name__}: {exc})") from None
    out = TextBuilder("xpath")
    body = document.element.body
    tables = 0
    for child, where in _blocks(body, "/w:document/w:body"):
        tag = child.tag.removeprefix(W)
        if tag == "p":
            for part in _text(child).split("\n"):
                out.line([(part, where)], where)
        else:
            tables += 1
            _table(child, where, tables, out)
    if not out.lines:
        raise LoadError(path, "the Word file has no text")
    source = SourceText(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=None,
        text=out.text(),
        byte_size=len(data),
        kind="docx",
        media_type=MEDIA_TYPE,
        locators=out.locators,
    )
    return Document(source, out.lines, [f"{tables} tables; merged cells written once"])


def _blocks(parent, path: str):
    """The paragraphs and tables under ``parent`` in document order, with their XPaths; content
    controls (``w:sdt``) and custom XML wrappers are looked through, as Word shows their content."""
    counts: dict[str, int] = {}
    for child in parent.iterchildren():
        if not isinstance(child.tag, str):
            continue
        tag = child.tag.removeprefix(W)
        counts[tag] = counts.get(tag, 0) + 1
        where = f"{path}/w:{tag}[{counts[tag]}]"
        if tag in ("p", "tbl"):
            yield child, where
        elif tag == "sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _blocks(content, f"{where}/w:sdtContent")
        elif tag == "customXml":
            yield from _blocks(child, where)


def _text(paragraph) -> str:
    """A paragraph's text as Word shows it: runs, tabs (as spaces) and line breaks (``\\n``; a body
    paragraph is split at them, a cell's lines run together)."""
    parts: list[str] = []
    for el in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        if el.tag == f"{W}t":
            parts.append(el.text or "")
        elif el.tag == f"{W}tab":
            parts.append(" ")
        else:
            parts.append("\n")
    return "".join(parts)


def _table(table, where: str, number: int, out: TextBuilder) -> None:
    rows = table.findall(f"{W}tr")
    for r, tr in enumerate(rows, start=1):
        row_where = f"{where}/w:tr[{r}]"
        column = 0
        cells: list[tuple[int, int, int, list[tuple[str, str]]]] = []
        for c, tc in enumerate(tr.findall(f"{W}tc"), start=1):
            props = tc.find(f"{W}tcPr")
            span = props.find(f"{W}gridSpan") if props is not None else None
            merge = props.find(f"{W}vMerge") if props is not None else None
            colspan = int(span.get(f"{W}val", "1")) if span is not None else 1
            continues = merge is not None and merge.get(f"{W}val", "continue") != "restart"
            if not continues:
                cell_where = f"{row_where}/w:tc[{c}]"
                text = "".join(_text(p).replace("\n", "") for p in tc.iter(f"{W}p"))
                cells.append((column, colspan, 1, [(text, cell_where)]))
            column += colspan
        out.row(cells, number, row_where)
