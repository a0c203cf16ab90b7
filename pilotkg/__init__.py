"""pilotkg: China's service-industry opening-up pilot plans as a linked-data knowledge graph."""

__version__ = "0.1.0"
