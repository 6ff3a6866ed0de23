"""Unit tests of schema/: documents measured and planned against the exported schema, no database."""
