"""Graph: build, validate, reason over and publish the pilot graph."""
