"""Queries the endpoint benchmark uses when queries/ holds no examples (follows docs/model.md)."""

PREFIXES = """PREFIX pilot: <https://w3id.org/pilotkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

BUILTIN_QUERIES = {
    "tasks-per-sector": PREFIXES
    + """SELECT ?sector ?label (COUNT(?task) AS ?tasks) WHERE {
  ?task a pilot:Task ; pilot:sector ?sector .
  OPTIONAL { ?sector skos:prefLabel ?label FILTER(lang(?label) = "en") }
} GROUP BY ?sector ?label ORDER BY DESC(?tasks)""",
    "measures-per-type": PREFIXES
    + """SELECT ?type (COUNT(?m) AS ?n) WHERE { ?m a pilot:Measure ; pilot:measureType ?type }
GROUP BY ?type ORDER BY DESC(?n)""",
    "differing-wordings": PREFIXES
    + """SELECT ?task ?text ?narrative WHERE {
  ?task a pilot:Task ; pilot:text ?text ; pilot:narrativeText ?narrative .
} ORDER BY ?task""",
    "agencies-named": PREFIXES
    + """SELECT ?agency ?label (COUNT(DISTINCT ?task) AS ?tasks) WHERE {
  ?task pilot:mentionsAgency ?agency . ?agency skos:prefLabel ?label FILTER(lang(?label) = "zh")
} GROUP BY ?agency ?label ORDER BY DESC(?tasks) LIMIT 20""",
    "tasks-of-table-1": PREFIXES
    + """SELECT ?task ?n ?text WHERE {
  ?task pilot:inTable ?table ; pilot:taskNumber ?n ; pilot:text ?text .
  ?table pilot:tableNumber 1 .
} ORDER BY ?n""",
    "search-text": PREFIXES
    + """SELECT ?task ?text WHERE { ?task a pilot:Task ; pilot:text ?text FILTER(CONTAINS(?text, "金融")) }""",
    "describe-task": "DESCRIBE <https://w3id.org/pilotkg/id/pilot/wuhan-2022/task/1-1>",
    "ask-pilot": PREFIXES + "ASK { ?p a pilot:Pilot }",
}
