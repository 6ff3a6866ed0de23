"""Unit tests of leadbridge/ modules with pure logic, no server."""
