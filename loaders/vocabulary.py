"""The shared vocabularies a loader resolves names against, loaded once from vocab/."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pilotkg.loaders.gazetteer import Agencies, ConceptScheme, Places
from pilotkg.loaders.measures import MeasureRules
from pilotkg.loaders.sector_lexicon import SectorLexicon
from pilotkg.loaders.stri import StriRules, instruments_of
from pilotkg.paths import VOCAB_DIR

DEFAULT_BASE = "https://w3id.org/pilotkg/"


@dataclass(frozen=True, slots=True)
class SchemeSlugs:
    """A concept scheme that answers with the concept's slug (the last IRI segment)."""

    scheme: ConceptScheme

    def resolve(self, label: str) -> str | None:
        iri = self.scheme.resolve(label)
        return None if iri is None else str(iri).rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    agencies: Agencies
    places: Places
    sectors: SchemeSlugs
    categories: SchemeSlugs
    measure_types: SchemeSlugs
    rules: MeasureRules
    sector_lexicon: SectorLexicon
    stri: StriRules

    @classmethod
    def load(cls, vocab_dir: Path = VOCAB_DIR, base: str = DEFAULT_BASE) -> Vocabulary:
        return _load(Path(vocab_dir), base)


@cache
def _load(vocab_dir: Path, base: str) -> Vocabulary:
    sectors = SchemeSlugs(ConceptScheme.load(vocab_dir / "sectors.ttl", base))
    return Vocabulary(
        agencies=Agencies.load(vocab_dir / "agencies.csv"),
        places=Places.load(vocab_dir / "places.csv"),
        sectors=sectors,
        categories=SchemeSlugs(ConceptScheme.load(vocab_dir / "categories.ttl", base)),
        measure_types=SchemeSlugs(ConceptScheme.load(vocab_dir / "measure-types.ttl", base)),
        rules=MeasureRules.load(vocab_dir / "measure-rules.csv", vocab_dir / "measure-adverbs.txt"),
        sector_lexicon=SectorLexicon.load(vocab_dir / "sector-lexicon.csv", set(sectors.scheme)),
        stri=StriRules.load(
            vocab_dir / "stri-rules.csv",
            ConceptScheme.load(vocab_dir / "stri-areas.ttl", base).concepts,
            instruments_of(vocab_dir / "measure-types.ttl", base),
        ),
    )
