"""The Sources feature's own domain errors (translated at the edge like every DomainError)."""

from __future__ import annotations

from typing import Any

from app.services.errors import Conflict, DomainError, InvalidInput
from pipelines.ingest import ACCEPTED


class TooLarge(DomainError):
    status = 413
    title = "Too large"


class SchemaMismatch(Conflict):
    """A replacement file whose columns differ; ``differences`` lists them for the user."""

    def __init__(self, differences: list[str]) -> None:
        super().__init__(
            "The new file does not match this source, so nothing was changed: "
            + "; ".join(differences)
            + "."
        )
        self.differences = differences

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"differences": self.differences}


class UnsupportedFileType(InvalidInput):
    """A file whose extension DataPilot does not read; refused before it is stored."""

    status = 415
    title = "Unsupported file type"

    def __init__(self, filename: str) -> None:
        accepted = ", ".join(ACCEPTED)
        super().__init__(
            f"“{filename}” is not a supported file type; upload one of: {accepted}.", "file"
        )

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"accepted": list(ACCEPTED)}
