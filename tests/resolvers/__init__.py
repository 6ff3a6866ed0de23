"""Unit tests of resolvers/ modules with pure logic, no database."""
