"""Loaders: turn a plan's source (text or CSV) into the plan model and then into RDF."""
