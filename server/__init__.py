"""Server: the Flask app that serves SPARQL and Linked Data over the built store."""
