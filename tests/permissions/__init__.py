"""Unit tests of permissions/: roles and actions, no database."""
