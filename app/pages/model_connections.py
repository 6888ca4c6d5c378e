"""The tables of the workspace's database connections, fed to the Model page's ERD picker.

Listing them reaches every database, so it runs in a worker thread (newest wins) while the
picker says it is listing; a connection that cannot be read becomes a note under the picker. A
workspace without connections is never listed (one store read tells). Adding a table builds it
from the database's catalog, in the worker thread the ERD runs ``load_table`` in.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from app.pages.background import Latest
from app.pages.shell.notify import error_message
from app.services import model_catalog
from app.services.connections import ConnectionService
from components.model.erd import ErdEditor
from pipelines.semantic import Table
from pipelines.semantic.model import ConnectionTable

log = logging.getLogger("datapilot.pages")


class ConnectionTables:
    """Keeps ``editor.connection_tables`` and ``connection_notes`` and builds what it adds."""

    def __init__(
        self, editor: ErdEditor, connections: ConnectionService | None, workspace_id: uuid.UUID
    ) -> None:
        self._editor = editor
        self._connections = connections
        self._workspace_id = workspace_id
        self._work = Latest("model-page-catalog")
        self.connected = False
        """Whether the workspace has connections, as :meth:`check` last read."""
        editor.load_table = self.table

    def check(self) -> bool:
        """Read whether the workspace has connections (a store read, no database reached)."""
        self.connected = model_catalog.has_connections(self._connections, self._workspace_id)
        return self.connected

    def refresh(self) -> None:
        """List the tables again in a worker thread; with no connection, or for a viewer (whose
        ERD has no picker), offer none and reach no database."""
        editor = self._editor
        if not self.connected or not editor.editable:
            editor.param.update(connection_tables=[], connection_notes=[])
            return
        editor.listing_connections = True
        connections, workspace = self._connections, self._workspace_id
        self._work.submit(lambda: model_catalog.catalog_tables(connections, workspace), self._show)

    def _show(self, result: Any) -> None:
        if isinstance(result, Exception):
            log.error("listing the connections' tables failed", exc_info=result)
            result = model_catalog.CatalogTables(
                notes=[
                    "The tables of the workspace's database connections could not be listed: "
                    + error_message(result)
                ]
            )
        self._editor.param.update(
            connection_tables=list(result.tables),
            connection_notes=list(result.notes),
            listing_connections=False,
        )

    def table(self, ref: ConnectionTable, taken: set[str]) -> Table:
        """The model table of ``ref`` from its catalog (the ERD calls it in a worker thread)."""
        return model_catalog.model_table(self._connections, self._workspace_id, ref, taken)
