"""The Sources pages: the list with uploads, and one source's detail."""

from app.pages.sources.listing import page

__all__ = ["page"]
