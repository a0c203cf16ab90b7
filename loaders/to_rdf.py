"""Write a plan model as RDF: the triples of one pilot's named graph (see docs/model.md).

The writer makes pyoxigraph terms, not rdflib ones: a build writes millions of triples, and
rdflib's term checks and the conversion after cost a build more than reading the plans. IRIs are
plain strings while the graph is written (``_Iri``) and become terms once, at the end;
:func:`plan_graph` gives the same triples as an rdflib graph for those who want one.
"""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef

from pilotkg.loaders.fragment import Fragment
from pilotkg.loaders.model import Plan, Task
from pilotkg.loaders.sector_lexicon import METHOD as SECTOR_METHOD
from pilotkg.loaders.stri import METHOD as STRI_METHOD
from pilotkg.loaders.stri import StriDerived

PILOT = Namespace("https://w3id.org/pilotkg/ontology#")  # rdflib namespaces, for readers of plan_graph
OA = Namespace("http://www.w3.org/ns/oa#")
QUOTE_CONTEXT = 32  # characters of prefix and suffix a text quote carries


class _Iri(str):
    """An IRI while the graph is written: a string (f-strings build the IRIs of parts from it)."""

    __slots__ = ()


class _Vocabulary:
    """``_Vocabulary(ns).term`` is the IRI ``ns + "term"``."""

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> _Iri:
        iri = _Iri(self._namespace + name)
        setattr(self, name, iri)  # looked up once
        return iri


_PILOT = _Vocabulary(str(PILOT))
_OA = _Vocabulary(str(OA))
_RDF = _Vocabulary("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
_RDFS = _Vocabulary("http://www.w3.org/2000/01/rdf-schema#")
_SKOS = _Vocabulary("http://www.w3.org/2004/02/skos/core#")
_PROV = _Vocabulary("http://www.w3.org/ns/prov#")
_DCTERMS = _Vocabulary("http://purl.org/dc/terms/")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_TYPES = {
    name: ox.NamedNode(_XSD + name)
    for name in ("integer", "nonNegativeInteger", "gYear", "date", "dateTime", "boolean")
}
RFC8118 = _Iri("http://tools.ietf.org/rfc/rfc8118")  # the PDF fragment syntax (#page=N)


def _literal(value: object, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    """A literal as rdflib would type the Python value: bool, int, date and datetime get their XSD
    type, a string is plain unless a language or datatype is given."""
    if lang:
        return ox.Literal(str(value), language=lang)
    if datatype is not None:
        return ox.Literal(str(value), datatype=_TYPES[datatype])
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=_TYPES["boolean"])
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=_TYPES["integer"])
    if isinstance(value, dt.datetime):
        return ox.Literal(value.isoformat(), datatype=_TYPES["dateTime"])
    if isinstance(value, dt.date):
        return ox.Literal(value.isoformat(), datatype=_TYPES["date"])
    return ox.Literal(str(value))


def zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def integer(value: int) -> ox.Literal:
    return _literal(value, datatype="integer")


Term = _Iri | ox.Literal


class _Writer:
    def __init__(self, plan: Plan, base: str) -> None:
        self.plan = plan
        self.base = base
        self.triples: dict[tuple[_Iri, _Iri, Term], None] = {}  # an ordered set
        self.pilot = _Iri(f"{base}id/pilot/{plan.slug}")
        self.source = _Iri(f"{self.pilot}/source")
        self.labels: dict[_Iri, tuple[str, str]] = {}
        year = f" {plan.year}" if plan.year else ""
        self.names = (f"{plan.city_en}{year}", f"{plan.city}{f'{plan.year}年' if plan.year else ''}")

    def label(self, subject: _Iri, en: str, zh_: str) -> None:
        """An rdfs:label that names the part within its pilot ("Wuhan 2022 · Table 1 · Task 27"), so
        that generic tools show names instead of IRIs."""
        en, zh_ = f"{self.names[0]} · {en}", f"{self.names[1]} · {zh_}"
        self.labels[subject] = (en, zh_)
        self.add(subject, _RDFS.label, _literal(en, lang="en"))
        self.add(subject, _RDFS.label, _literal(zh_, lang="zh"))

    def iri(self, kind: str, local: str) -> _Iri:
        return _Iri(f"{self.base}id/{kind}/{local}")

    def add(self, s: _Iri, p: _Iri, o: Term) -> None:
        if isinstance(o, ox.Literal) and not o.value:
            return  # a source that gives no value (e.g. a CSV plan without notice text) gets no triple
        self.triples[(s, p, o)] = None

    def span(self, subject: _Iri, fragment: Fragment, prop: _Iri = _PILOT.sourceSpan, name: str = "span") -> None:
        """Provenance: where in its source file this thing was read, as W3C Web Annotation selectors
        that each pick the same characters: always a text quote (exact, prefix, suffix); for a text
        file the code-point positions; for a PDF the page (RFC 8118); for a web page or Word file
        the element's XPath; a range of two pages or elements where the span crosses one."""
        src = self.plan.source
        span = _Iri(f"{subject}/{name}")
        self.add(subject, prop, span)
        if subject in self.labels:
            en, zh_ = self.labels[subject]
            narrative = name != "span"
            self.add(span, _RDFS.label, _literal(f"{en} · {'narrative' if narrative else 'source'} span", lang="en"))
            self.add(span, _RDFS.label, _literal(f"{zh_} · {'叙述原文' if narrative else '原文'}", lang="zh"))
        self.add(subject, _PROV.wasDerivedFrom, self.source)
        self.add(span, _RDF.type, _OA.SpecificResource)
        self.add(span, _OA.hasSource, self.source)
        start, end = fragment.start, fragment.end
        quote = _Iri(f"{span}/quote")
        self.add(span, _OA.hasSelector, quote)
        self.add(quote, _RDF.type, _OA.TextQuoteSelector)
        self.add(quote, _OA.exact, _literal(src.text[start:end]))
        self.add(quote, _OA.prefix, _literal(src.text[max(0, start - QUOTE_CONTEXT) : start]))
        self.add(quote, _OA.suffix, _literal(src.text[end : end + QUOTE_CONTEXT]))
        if src.locators is None:
            position = _Iri(f"{span}/position")
            self.add(span, _OA.hasSelector, position)
            self.add(position, _RDF.type, _OA.TextPositionSelector)
            self.add(position, _OA.start, _literal(start, datatype="nonNegativeInteger"))
            self.add(position, _OA.end, _literal(end, datatype="nonNegativeInteger"))
            return
        first, last = src.locators.at(start), src.locators.at(end - 1)
        pages = src.locators.kind == "page"
        local = "page" if pages else "xpath"
        begin = self._locator(_Iri(f"{span}/{local}"), first, pages)
        if first == last:
            self.add(span, _OA.hasSelector, begin)
            return
        finish = self._locator(_Iri(f"{span}/end-{local}"), last, pages)
        both = _Iri(f"{span}/range")
        self.add(span, _OA.hasSelector, both)
        self.add(both, _RDF.type, _OA.RangeSelector)
        self.add(both, _OA.hasStartSelector, begin)
        self.add(both, _OA.hasEndSelector, finish)

    def _locator(self, node: _Iri, label: str, pages: bool) -> _Iri:
        if pages:
            self.add(node, _RDF.type, _OA.FragmentSelector)
            self.add(node, _DCTERMS.conformsTo, RFC8118)
            self.add(node, _RDF.value, _literal(f"page={label}"))
        else:
            self.add(node, _RDF.type, _OA.XPathSelector)
            self.add(node, _RDF.value, _literal(label))
        return node

    def write(self) -> list[ox.Triple]:
        self._source()
        self._pilot()
        self._notice()
        self._plan()
        for table in self.plan.tables:
            self._table(table)
        nodes: dict[str, ox.NamedNode] = {}

        def node(iri: str) -> ox.NamedNode:
            term = nodes.get(iri)
            if term is None:
                term = nodes[iri] = ox.NamedNode(iri)
            return term

        return [
            ox.Triple(node(s), node(p), node(o) if type(o) is _Iri else o)  # type: ignore[arg-type]
            for s, p, o in self.triples
        ]

    def _source(self) -> None:
        src = self.plan.source
        self.add(self.source, _RDF.type, _PILOT.SourceText)
        self.add(self.source, _DCTERMS.identifier, _literal(src.name))
        self.add(self.source, _DCTERMS.format, _literal("text/csv" if src.path.suffix == ".csv" else src.media_type))
        self.add(self.source, _PILOT.sha256, _literal(src.sha256))
        if src.encoding:
            self.add(self.source, _PILOT.encoding, _literal(src.encoding))
        self.add(self.source, _PILOT.characterCount, integer(len(src.text)))
        self.add(self.source, _PILOT.byteSize, integer(src.byte_size))

    def _pilot(self) -> None:
        plan, pilot = self.plan, self.pilot
        self.add(pilot, _RDF.type, _PILOT.Pilot)
        name = plan.title.text.removesuffix("总体方案")
        self.add(pilot, _SKOS.prefLabel, zh(name))
        year = f" ({plan.year})" if plan.year else ""
        self.add(
            pilot,
            _SKOS.prefLabel,
            _literal(
                f"{plan.city_en} pilot programme for expanding the opening-up of the service industry{year}", lang="en"
            ),
        )
        self.add(pilot, _PILOT.city, self.iri("place", plan.city_slug))
        if plan.province_slug:
            self.add(pilot, _PILOT.province, self.iri("place", plan.province_slug))
        if plan.year:
            self.add(pilot, _PILOT.year, _literal(str(plan.year), datatype="gYear"))
        start = plan.notice.issued
        if start is not None:
            self.add(pilot, _PILOT.startDate, _literal(start))
        if plan.period_years and start is not None:
            self.add(pilot, _PILOT.periodYears, integer(plan.period_years))
            end = start.replace(
                year=start.year + plan.period_years,
                day=min(start.day, 28) if (start.month, start.day) == (2, 29) else start.day,
            )
            self.add(pilot, _PILOT.endDate, _literal(end))
        self.add(pilot, _PILOT.plan, _Iri(f"{pilot}/plan"))
        if self.has_notice:
            self.add(pilot, _PILOT.notice, _Iri(f"{pilot}/notice"))
        if plan.approved_by:
            self.add(pilot, _PILOT.approvedBy, self.iri("agency", plan.approved_by))
        for slug in plan.implemented_by:
            self.add(pilot, _PILOT.implementedBy, self.iri("agency", slug))

    @property
    def has_notice(self) -> bool:
        """A copy of the plan without its covering notice gets no notice node (nothing is invented)."""
        return self.plan.notice.span is not None

    def _notice(self) -> None:
        notice, subject = self.plan.notice, _Iri(f"{self.pilot}/notice")
        if not self.has_notice:
            return
        self.add(subject, _RDF.type, _PILOT.Notice)
        approval = notice.kind == "approval"
        self.label(subject, "Approval" if approval else "Notice", "批复" if approval else "通知")
        if notice.kind == "approval":
            self.add(subject, _RDF.type, _PILOT.Approval)
        if notice.title is not None:
            self.add(subject, _DCTERMS.title, zh(notice.title.text))
        if notice.document_number is not None:
            self.add(subject, _PILOT.documentNumber, _literal(notice.document_number.text))
        if notice.issued is not None:
            self.add(subject, _DCTERMS.issued, _literal(notice.issued))
        if notice.issuer is not None:
            self.add(subject, _PILOT.issuedBy, self.iri("agency", notice.issuer))
        for slug in notice.addressees:
            self.add(subject, _PILOT.addressedTo, self.iri("agency", slug))
        self.add(subject, _PILOT.text, zh("\n".join(p.text for p in notice.body)))
        self.add(subject, _DCTERMS.hasPart, _Iri(f"{self.pilot}/plan"))
        self.span(subject, notice.span)

    def _plan(self) -> None:
        plan, subject = self.plan, _Iri(f"{self.pilot}/plan")
        self.add(subject, _RDF.type, _PILOT.PlanDocument)
        self.label(subject, "Plan", "总体方案")
        self.add(subject, _DCTERMS.title, zh(plan.title.text))
        if self.has_notice:
            self.add(subject, _DCTERMS.isPartOf, _Iri(f"{self.pilot}/notice"))
        if plan.intro:
            self.add(subject, _PILOT.text, zh("\n".join(p.text for p in plan.intro)))
        if plan.task_list_title is not None:
            self.add(subject, _PILOT.taskListTitle, zh(plan.task_list_title.text))
        self.span(subject, plan.span)
        for section in plan.sections:
            node = _Iri(f"{self.pilot}/section/{section.number}")
            parent = section.number.rpartition("-")[0]
            self.add(node, _RDF.type, _PILOT.Section)
            self.label(node, f"Section {section.number}", f"第{section.number}部分")
            self.add(node, _DCTERMS.title, zh(section.title.text))
            self.add(node, _PILOT.sectionNumber, _literal(section.number))
            self.add(node, _DCTERMS.isPartOf, _Iri(f"{self.pilot}/section/{parent}") if parent else subject)
            if not parent:
                self.add(subject, _PILOT.hasSection, node)
            if section.body:
                self.add(node, _PILOT.text, zh("\n".join(p.text for p in section.body)))
            self.span(node, section.span)
        for paragraph in plan.paragraphs:
            node = _Iri(f"{self.pilot}/paragraph/{paragraph.number}")
            self.add(node, _RDF.type, _PILOT.Paragraph)
            self.label(node, f"Paragraph {paragraph.number}", f"第{paragraph.number}段")
            self.add(node, _PILOT.paragraphNumber, integer(paragraph.number))
            self.add(node, _PILOT.heading, zh(paragraph.heading.text))
            self.add(node, _PILOT.text, zh(paragraph.text.text))
            self.add(node, _DCTERMS.isPartOf, _Iri(f"{self.pilot}/section/{paragraph.section}"))
            self.span(node, paragraph.span)

    def _table(self, table) -> None:
        node = _Iri(f"{self.pilot}/table/{table.number}")
        self.add(node, _RDF.type, _PILOT.TaskTable)
        self.label(node, f"Table {table.number}", f"表{table.number}")
        self.add(node, _PILOT.tableNumber, integer(table.number))
        self.add(node, _DCTERMS.title, zh(table.title.text))
        self.add(node, _DCTERMS.isPartOf, _Iri(f"{self.pilot}/plan"))
        if table.narrative_section:
            self.add(node, _PILOT.narrativeSection, _Iri(f"{self.pilot}/section/{table.narrative_section}"))
        self.span(node, table.span)
        for group in table.groups:
            g = _Iri(f"{self.pilot}/group/{table.number}-{group.number}")
            self.add(g, _RDF.type, _PILOT.TaskGroup)
            self.label(g, f"Table {table.number} · Group {group.number}", f"表{table.number} · 第{group.number}组")
            self.add(g, _SKOS.prefLabel, zh(group.label.text))
            self.add(g, _PILOT.inTable, node)
            self.add(g, _PILOT.groupNumber, integer(group.number))
            if group.category:
                self.add(g, _PILOT.category, self.iri("category", group.category))
            if group.narrative_paragraph:
                self.add(g, _PILOT.narrativeParagraph, _Iri(f"{self.pilot}/paragraph/{group.narrative_paragraph}"))
        for task in table.tasks:
            self._task(task, node)

    def _task(self, task: Task, table: _Iri) -> None:
        t = _Iri(f"{self.pilot}/task/{task.table}-{task.number}")
        self.add(t, _RDF.type, _PILOT.Task)
        self.label(t, f"Table {task.table} · Task {task.number}", f"表{task.table} · 任务{task.number}")
        self.add(t, _PILOT.ofPilot, self.pilot)
        self.add(t, _PILOT.inTable, table)
        self.add(t, _PILOT.inGroup, _Iri(f"{self.pilot}/group/{task.table}-{task.group}"))
        self.add(t, _PILOT.taskNumber, integer(task.number))
        self.add(t, _PILOT.text, zh(task.text.text))
        if task.sector:
            self.add(t, _PILOT.sector, self.iri("sector", task.sector))
        if task.derived_sector:
            # Derived, not printed: a property of its own, and a node saying how (PROV).
            sector, derivation = self.iri("sector", task.derived_sector), _Iri(f"{t}/sector-derivation")
            self.add(t, _PILOT.derivedSector, sector)
            self.add(t, _PILOT.sectorDerivation, derivation)
            self.add(derivation, _RDF.type, _PILOT.SectorDerivation)
            self.add(derivation, _PROV.wasDerivedFrom, t)
            self.add(derivation, _PILOT.derivedSector, sector)
            self.add(derivation, _PILOT.derivationMethod, _literal(SECTOR_METHOD))
            for term in task.derived_terms:
                self.add(derivation, _PILOT.matchedTerm, zh(term))
        if task.number_inferred:
            self.add(t, _PILOT.numberInferred, _literal(True))
        self.span(t, task.span)
        if task.narrative is not None:
            self.add(t, _PILOT.narrativeParagraph, _Iri(f"{self.pilot}/paragraph/{task.narrative_paragraph}"))
            self.add(t, _PILOT.matchesNarrative, _literal(bool(task.matches_narrative)))
            if not task.matches_narrative:
                self.add(t, _PILOT.narrativeText, zh(task.narrative.text))
            self.span(t, task.narrative, _PILOT.narrativeSpan, "narrative-span")
        for slug in task.agencies:
            self.add(t, _PILOT.mentionsAgency, self.iri("agency", slug))
        for measure in task.measures:
            m = _Iri(f"{t}/measure/{measure.number}")
            self.add(t, _PILOT.hasMeasure, m)
            self.add(m, _RDF.type, _PILOT.Measure)
            self.label(
                m,
                f"Table {task.table} · Task {task.number} · Measure {measure.number}",
                f"表{task.table} · 任务{task.number} · 措施{measure.number}",
            )
            self.add(m, _PILOT.ofTask, t)
            self.add(m, _PILOT.measureNumber, integer(measure.number))
            self.add(m, _PILOT.text, zh(measure.text.text))
            self.add(m, _PILOT.measureType, self.iri("measure-type", measure.measure_type))
            if measure.verb:
                self.add(m, _PILOT.actionVerb, zh(measure.verb))
            if measure.stri is not None:
                self.stri(m, measure.stri)
            self.span(m, measure.text)

    def stri(self, m: _Iri, derived: StriDerived) -> None:
        # Derived, not printed: the areas on the measure for queries, and a node saying how (PROV).
        derivation = _Iri(f"{m}/stri-derivation")
        self.add(m, _PILOT.striDerivation, derivation)
        self.add(derivation, _RDF.type, _PILOT.StriDerivation)
        self.add(derivation, _PROV.wasDerivedFrom, m)
        self.add(derivation, _PILOT.derivationMethod, _literal(STRI_METHOD))
        for term in derived.terms:
            self.add(derivation, _PILOT.matchedTerm, zh(term))
        for area, terms in derived.areas:
            self.add(m, _PILOT.striArea, self.iri("stri-area", area))
            self.add(derivation, _PILOT.striArea, self.iri("stri-area", area))
            for term in terms:
                self.add(derivation, _PILOT.matchedTerm, zh(term))


def plan_triples(plan: Plan, base: str) -> list[ox.Triple]:
    """The triples of ``plan``'s named graph, each once, in the order they were written."""
    return _Writer(plan, base).write()


def plan_graph(plan: Plan, base: str) -> Graph:
    """``plan``'s named graph as an rdflib graph."""
    graph = Graph()
    graph.addN((*map(_rdflib, triple), graph) for triple in plan_triples(plan, base))
    return graph


def _rdflib(term: ox.NamedNode | ox.Literal) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype.endswith("#string") else URIRef(datatype))
