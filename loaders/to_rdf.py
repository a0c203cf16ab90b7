"""Write a plan model as RDF: the triples of one pilot's named graph (see docs/model.md)."""

from __future__ import annotations

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS

from pilotkg.loaders.fragment import Fragment
from pilotkg.loaders.model import Plan, Task
from pilotkg.loaders.sector_lexicon import METHOD as SECTOR_METHOD
from pilotkg.loaders.stri import METHOD as STRI_METHOD
from pilotkg.loaders.stri import StriDerived

PILOT = Namespace("https://w3id.org/pilotkg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
RFC8118 = URIRef("http://tools.ietf.org/rfc/rfc8118")  # the PDF fragment syntax (#page=N)
QUOTE_CONTEXT = 32  # characters of prefix and suffix a text quote carries


def zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def integer(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


class _Writer:
    def __init__(self, plan: Plan, base: str) -> None:
        self.plan = plan
        self.base = base
        self.triples: dict[tuple[URIRef, URIRef, URIRef | Literal], None] = {}  # an ordered set
        self.pilot = URIRef(f"{base}id/pilot/{plan.slug}")
        self.source = URIRef(f"{self.pilot}/source")
        self.labels: dict[URIRef, tuple[str, str]] = {}
        year = f" {plan.year}" if plan.year else ""
        self.names = (f"{plan.city_en}{year}", f"{plan.city}{f'{plan.year}年' if plan.year else ''}")

    def label(self, subject: URIRef, en: str, zh_: str) -> None:
        """An rdfs:label that names the part within its pilot ("Wuhan 2022 · Table 1 · Task 27"), so
        that generic tools show names instead of IRIs."""
        en, zh_ = f"{self.names[0]} · {en}", f"{self.names[1]} · {zh_}"
        self.labels[subject] = (en, zh_)
        self.add(subject, RDFS.label, Literal(en, lang="en"))
        self.add(subject, RDFS.label, Literal(zh_, lang="zh"))

    def iri(self, kind: str, local: str) -> URIRef:
        return URIRef(f"{self.base}id/{kind}/{local}")

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal) -> None:
        if isinstance(o, Literal) and not str(o):
            return  # a source that gives no value (e.g. a CSV plan without notice text) gets no triple
        self.triples[(s, p, o)] = None

    def span(self, subject: URIRef, fragment: Fragment, prop: URIRef = PILOT.sourceSpan, name: str = "span") -> None:
        """Provenance: where in its source file this thing was read, as W3C Web Annotation selectors
        that each pick the same characters: always a text quote (exact, prefix, suffix); for a text
        file the code-point positions; for a PDF the page (RFC 8118); for a web page or Word file
        the element's XPath; a range of two pages or elements where the span crosses one."""
        src = self.plan.source
        span = URIRef(f"{subject}/{name}")
        self.add(subject, prop, span)
        if subject in self.labels:
            en, zh_ = self.labels[subject]
            narrative = name != "span"
            self.add(span, RDFS.label, Literal(f"{en} · {'narrative' if narrative else 'source'} span", lang="en"))
            self.add(span, RDFS.label, Literal(f"{zh_} · {'叙述原文' if narrative else '原文'}", lang="zh"))
        self.add(subject, PROV.wasDerivedFrom, self.source)
        self.add(span, RDF.type, OA.SpecificResource)
        self.add(span, OA.hasSource, self.source)
        start, end = fragment.start, fragment.end
        quote = URIRef(f"{span}/quote")
        self.add(span, OA.hasSelector, quote)
        self.add(quote, RDF.type, OA.TextQuoteSelector)
        self.add(quote, OA.exact, Literal(src.text[start:end]))
        self.add(quote, OA.prefix, Literal(src.text[max(0, start - QUOTE_CONTEXT) : start]))
        self.add(quote, OA.suffix, Literal(src.text[end : end + QUOTE_CONTEXT]))
        if src.locators is None:
            position = URIRef(f"{span}/position")
            self.add(span, OA.hasSelector, position)
            self.add(position, RDF.type, OA.TextPositionSelector)
            self.add(position, OA.start, Literal(start, datatype=XSD.nonNegativeInteger))
            self.add(position, OA.end, Literal(end, datatype=XSD.nonNegativeInteger))
            return
        first, last = src.locators.at(start), src.locators.at(end - 1)
        pages = src.locators.kind == "page"
        local = "page" if pages else "xpath"
        begin = self._locator(URIRef(f"{span}/{local}"), first, pages)
        if first == last:
            self.add(span, OA.hasSelector, begin)
            return
        finish = self._locator(URIRef(f"{span}/end-{local}"), last, pages)
        both = URIRef(f"{span}/range")
        self.add(span, OA.hasSelector, both)
        self.add(both, RDF.type, OA.RangeSelector)
        self.add(both, OA.hasStartSelector, begin)
        self.add(both, OA.hasEndSelector, finish)

    def _locator(self, node: URIRef, label: str, pages: bool) -> URIRef:
        if pages:
            self.add(node, RDF.type, OA.FragmentSelector)
            self.add(node, DCTERMS.conformsTo, RFC8118)
            self.add(node, RDF.value, Literal(f"page={label}"))
        else:
            self.add(node, RDF.type, OA.XPathSelector)
            self.add(node, RDF.value, Literal(label))
        return node

    def write(self) -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
        self._source()
        self._pilot()
        self._notice()
        self._plan()
        for table in self.plan.tables:
            self._table(table)
        return list(self.triples)

    def _source(self) -> None:
        src = self.plan.source
        self.add(self.source, RDF.type, PILOT.SourceText)
        self.add(self.source, DCTERMS.identifier, Literal(src.name))
        self.add(self.source, DCTERMS.format, Literal("text/csv" if src.path.suffix == ".csv" else src.media_type))
        self.add(self.source, PILOT.sha256, Literal(src.sha256))
        if src.encoding:
            self.add(self.source, PILOT.encoding, Literal(src.encoding))
        self.add(self.source, PILOT.characterCount, integer(len(src.text)))
        self.add(self.source, PILOT.byteSize, integer(src.byte_size))

    def _pilot(self) -> None:
        plan, pilot = self.plan, self.pilot
        self.add(pilot, RDF.type, PILOT.Pilot)
        name = plan.title.text.removesuffix("总体方案")
        self.add(pilot, SKOS.prefLabel, zh(name))
        year = f" ({plan.year})" if plan.year else ""
        self.add(
            pilot,
            SKOS.prefLabel,
            Literal(
                f"{plan.city_en} pilot programme for expanding the opening-up of the service industry{year}", lang="en"
            ),
        )
        self.add(pilot, PILOT.city, self.iri("place", plan.city_slug))
        if plan.province_slug:
            self.add(pilot, PILOT.province, self.iri("place", plan.province_slug))
        if plan.year:
            self.add(pilot, PILOT.year, Literal(str(plan.year), datatype=XSD.gYear))
        start = plan.notice.issued
        if start is not None:
            self.add(pilot, PILOT.startDate, Literal(start))
        if plan.period_years and start is not None:
            self.add(pilot, PILOT.periodYears, integer(plan.period_years))
            end = start.replace(
                year=start.year + plan.period_years,
                day=min(start.day, 28) if (start.month, start.day) == (2, 29) else start.day,
            )
            self.add(pilot, PILOT.endDate, Literal(end))
        self.add(pilot, PILOT.plan, URIRef(f"{pilot}/plan"))
        if self.has_notice:
            self.add(pilot, PILOT.notice, URIRef(f"{pilot}/notice"))
        if plan.approved_by:
            self.add(pilot, PILOT.approvedBy, self.iri("agency", plan.approved_by))
        for slug in plan.implemented_by:
            self.add(pilot, PILOT.implementedBy, self.iri("agency", slug))

    @property
    def has_notice(self) -> bool:
        """A copy of the plan without its covering notice gets no notice node (nothing is invented)."""
        return self.plan.notice.span is not None

    def _notice(self) -> None:
        notice, subject = self.plan.notice, URIRef(f"{self.pilot}/notice")
        if not self.has_notice:
            return
        self.add(subject, RDF.type, PILOT.Notice)
        approval = notice.kind == "approval"
        self.label(subject, "Approval" if approval else "Notice", "批复" if approval else "通知")
        if notice.kind == "approval":
            self.add(subject, RDF.type, PILOT.Approval)
        if notice.title is not None:
            self.add(subject, DCTERMS.title, zh(notice.title.text))
        if notice.document_number is not None:
            self.add(subject, PILOT.documentNumber, Literal(notice.document_number.text))
        if notice.issued is not None:
            self.add(subject, DCTERMS.issued, Literal(notice.issued))
        if notice.issuer is not None:
            self.add(subject, PILOT.issuedBy, self.iri("agency", notice.issuer))
        for slug in notice.addressees:
            self.add(subject, PILOT.addressedTo, self.iri("agency", slug))
        self.add(subject, PILOT.text, zh("\n".join(p.text for p in notice.body)))
        self.add(subject, DCTERMS.hasPart, URIRef(f"{self.pilot}/plan"))
        self.span(subject, notice.span)

    def _plan(self) -> None:
        plan, subject = self.plan, URIRef(f"{self.pilot}/plan")
        self.add(subject, RDF.type, PILOT.PlanDocument)
        self.label(subject, "Plan", "总体方案")
        self.add(subject, DCTERMS.title, zh(plan.title.text))
        if self.has_notice:
            self.add(subject, DCTERMS.isPartOf, URIRef(f"{self.pilot}/notice"))
        if plan.intro:
            self.add(subject, PILOT.text, zh("\n".join(p.text for p in plan.intro)))
        if plan.task_list_title is not None:
            self.add(subject, PILOT.taskListTitle, zh(plan.task_list_title.text))
        self.span(subject, plan.span)
        for section in plan.sections:
            node = URIRef(f"{self.pilot}/section/{section.number}")
            parent = section.number.rpartition("-")[0]
            self.add(node, RDF.type, PILOT.Section)
            self.label(node, f"Section {section.number}", f"第{section.number}部分")
            self.add(node, DCTERMS.title, zh(section.title.text))
            self.add(node, PILOT.sectionNumber, Literal(section.number))
            self.add(node, DCTERMS.isPartOf, URIRef(f"{self.pilot}/section/{parent}") if parent else subject)
            if not parent:
                self.add(subject, PILOT.hasSection, node)
            if section.body:
                self.add(node, PILOT.text, zh("\n".join(p.text for p in section.body)))
            self.span(node, section.span)
        for paragraph in plan.paragraphs:
            node = URIRef(f"{self.pilot}/paragraph/{paragraph.number}")
            self.add(node, RDF.type, PILOT.Paragraph)
            self.label(node, f"Paragraph {paragraph.number}", f"第{paragraph.number}段")
            self.add(node, PILOT.paragraphNumber, integer(paragraph.number))
            self.add(node, PILOT.heading, zh(paragraph.heading.text))
            self.add(node, PILOT.text, zh(paragraph.text.text))
            self.add(node, DCTERMS.isPartOf, URIRef(f"{self.pilot}/section/{paragraph.section}"))
            self.span(node, paragraph.span)

    def _table(self, table) -> None:
        node = URIRef(f"{self.pilot}/table/{table.number}")
        self.add(node, RDF.type, PILOT.TaskTable)
        self.label(node, f"Table {table.number}", f"表{table.number}")
        self.add(node, PILOT.tableNumber, integer(table.number))
        self.add(node, DCTERMS.title, zh(table.title.text))
        self.add(node, DCTERMS.isPartOf, URIRef(f"{self.pilot}/plan"))
        if table.narrative_section:
            self.add(node, PILOT.narrativeSection, URIRef(f"{self.pilot}/section/{table.narrative_section}"))
        self.span(node, table.span)
        for group in table.groups:
            g = URIRef(f"{self.pilot}/group/{table.number}-{group.number}")
            self.add(g, RDF.type, PILOT.TaskGroup)
            self.label(g, f"Table {table.number} · Group {group.number}", f"表{table.number} · 第{group.number}组")
            self.add(g, SKOS.prefLabel, zh(group.label.text))
            self.add(g, PILOT.inTable, node)
            self.add(g, PILOT.groupNumber, integer(group.number))
            if group.category:
                self.add(g, PILOT.category, self.iri("category", group.category))
            if group.narrative_paragraph:
                self.add(g, PILOT.narrativeParagraph, URIRef(f"{self.pilot}/paragraph/{group.narrative_paragraph}"))
        for task in table.tasks:
            self._task(task, node)

    def _task(self, task: Task, table: URIRef) -> None:
        t = URIRef(f"{self.pilot}/task/{task.table}-{task.number}")
        self.add(t, RDF.type, PILOT.Task)
        self.label(t, f"Table {task.table} · Task {task.number}", f"表{task.table} · 任务{task.number}")
        self.add(t, PILOT.ofPilot, self.pilot)
        self.add(t, PILOT.inTable, table)
        self.add(t, PILOT.inGroup, URIRef(f"{self.pilot}/group/{task.table}-{task.group}"))
        self.add(t, PILOT.taskNumber, integer(task.number))
        self.add(t, PILOT.text, zh(task.text.text))
        if task.sector:
            self.add(t, PILOT.sector, self.iri("sector", task.sector))
        if task.derived_sector:
            # Derived, not printed: a property of its own, and a node saying how (PROV).
            sector, derivation = self.iri("sector", task.derived_sector), URIRef(f"{t}/sector-derivation")
            self.add(t, PILOT.derivedSector, sector)
            self.add(t, PILOT.sectorDerivation, derivation)
            self.add(derivation, RDF.type, PILOT.SectorDerivation)
            self.add(derivation, PROV.wasDerivedFrom, t)
            self.add(derivation, PILOT.derivedSector, sector)
            self.add(derivation, PILOT.derivationMethod, Literal(SECTOR_METHOD))
            for term in task.derived_terms:
                self.add(derivation, PILOT.matchedTerm, zh(term))
        if task.number_inferred:
            self.add(t, PILOT.numberInferred, Literal(True))
        self.span(t, task.span)
        if task.narrative is not None:
            self.add(t, PILOT.narrativeParagraph, URIRef(f"{self.pilot}/paragraph/{task.narrative_paragraph}"))
            self.add(t, PILOT.matchesNarrative, Literal(bool(task.matches_narrative)))
            if not task.matches_narrative:
                self.add(t, PILOT.narrativeText, zh(task.narrative.text))
            self.span(t, task.narrative, PILOT.narrativeSpan, "narrative-span")
        for slug in task.agencies:
            self.add(t, PILOT.mentionsAgency, self.iri("agency", slug))
        for measure in task.measures:
            m = URIRef(f"{t}/measure/{measure.number}")
            self.add(t, PILOT.hasMeasure, m)
            self.add(m, RDF.type, PILOT.Measure)
            self.label(
                m,
                f"Table {task.table} · Task {task.number} · Measure {measure.number}",
                f"表{task.table} · 任务{task.number} · 措施{measure.number}",
            )
            self.add(m, PILOT.ofTask, t)
            self.add(m, PILOT.measureNumber, integer(measure.number))
            self.add(m, PILOT.text, zh(measure.text.text))
            self.add(m, PILOT.measureType, self.iri("measure-type", measure.measure_type))
            if measure.verb:
                self.add(m, PILOT.actionVerb, zh(measure.verb))
            if measure.stri is not None:
                self.stri(m, measure.stri)
            self.span(m, measure.text)

    def stri(self, m: URIRef, derived: StriDerived) -> None:
        # Derived, not printed: the areas on the measure for queries, and a node saying how (PROV).
        derivation = URIRef(f"{m}/stri-derivation")
        self.add(m, PILOT.striDerivation, derivation)
        self.add(derivation, RDF.type, PILOT.StriDerivation)
        self.add(derivation, PROV.wasDerivedFrom, m)
        self.add(derivation, PILOT.derivationMethod, Literal(STRI_METHOD))
        for term in derived.terms:
            self.add(derivation, PILOT.matchedTerm, zh(term))
        for area, terms in derived.areas:
            self.add(m, PILOT.striArea, self.iri("stri-area", area))
            self.add(derivation, PILOT.striArea, self.iri("stri-area", area))
            for term in terms:
                self.add(derivation, PILOT.matchedTerm, zh(term))


def plan_triples(plan: Plan, base: str) -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
    """The triples of ``plan``'s named graph, each once (a build converts them without an rdflib
    graph in between: adding to one cost a build more than writing the triples)."""
    return _Writer(plan, base).write()


def plan_graph(plan: Plan, base: str) -> Graph:
    """``plan``'s named graph as an rdflib graph."""
    graph = Graph()
    graph.addN((s, p, o, graph) for s, p, o in plan_triples(plan, base))
    return graph
