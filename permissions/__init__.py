"""Roles and what each may do, and the visibility scopes every read starts from; may import models."""
