"""The SQL workbench page and the wording of its outcomes."""

from app.pages.sql.workbench import page

__all__ = ["page"]
