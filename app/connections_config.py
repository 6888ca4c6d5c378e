"""The ``connections`` section of the settings (live PostgreSQL and MySQL/MariaDB databases)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ConnectionSettings(BaseModel):
    """Live database connections: pools, time limits, row caps and per-tenant concurrency."""

    model_config = ConfigDict(extra="forbid")

    pool_size: int = Field(default=2, ge=1, le=32)
    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    timeout_seconds: float = Field(default=30.0, gt=0)
    per_tenant_queries: int = Field(default=2, ge=1, le=64)
    queue_seconds: float = Field(default=10.0, ge=0)
    display_limit: int = Field(default=10_000, ge=1, le=1_000_000)
    preview_limit: int = Field(default=500, ge=1, le=10_000)
    profile_sample_rows: int = Field(default=10_000, ge=100, le=1_000_000)
