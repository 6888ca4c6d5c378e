"""The composition root's shared objects: one per server process.

Several server processes may share one store and one data directory; each context has its own
:class:`~app.services.leases.Leases` (its owner id), through which the per-tenant query and ingest
limits hold across all of them and interrupted uploads and ingests are recovered only once their
process is gone (:meth:`AppContext.start_maintenance`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from app.principal import Principal
from app.services.accounts import AccountService
from app.services.admin import AdminService
from app.services.ai import AiSettingsService, KeyVault
from app.services.ai.rotation import secrets_file_keys
from app.services.connections import ConnectionPools, ConnectionService
from app.services.dashboards import DashboardService
from app.services.explore import AnswerFunction, ExploreService, answerer_not_installed
from app.services.explore.answerer import make_answerer
from app.services.leases import Leases, TenantSlots
from app.services.members import MemberService
from app.services.model import ModelService
from app.services.onboarding import OnboardingService
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from app.services.sources.recovery import recover_interrupted
from app.services.sources.service import SourceService
from app.services.sql.service import SqlService
from app.services.workspaces import WorkspaceService
from app.settings import Settings, ensure_secrets
from app.store.db import Database
from pipelines.query import QueryRunner, SandboxLimits
from pipelines.semantic.engines import EngineCache

DASHBOARD_WIDGET_THREADS = 8
"""Threads evaluating dashboard widgets side by side, for every tenant together (each widget's
SQL still waits for its tenant's turn in the query runner)."""
SQL_REQUEST_THREADS = 32
"""Threads for REST requests that run SQL. They wait for their tenant's turn and for DuckDB,
so they get their own pool: a tenant's long queries never take the shared request threads."""


@dataclass
class AppContext:
    """Settings, the metadata store and the services built from them."""

    settings: Settings
    db: Database = field(init=False)
    leases: Leases = field(init=False)
    accounts: AccountService = field(init=False)
    admin: AdminService = field(init=False)
    files: SourceFiles = field(init=False)
    jobs: IngestJobs = field(init=False)
    queries: QueryRunner = field(init=False)
    engines: EngineCache = field(init=False)
    sql_threads: ThreadPoolExecutor = field(init=False)
    widget_threads: ThreadPoolExecutor = field(init=False)
    vault: KeyVault = field(init=False)
    connection_pools: ConnectionPools = field(init=False)
    answer: AnswerFunction = answerer_not_installed
    """Answers Explore's questions (see :mod:`app.services.explore.answering`): the server's own
    answerer (:func:`app.services.explore.answerer.make_answerer`) unless another is given."""

    def __post_init__(self) -> None:
        managed = not self.settings.secrets.encryption_keys  # else from the config or env
        ensure_secrets(self.settings)
        data_dir = self.settings.storage.data_dir
        self.vault = KeyVault(
            self.settings.secrets.encryption_keys,
            reload=(lambda: secrets_file_keys(data_dir)) if managed else None,
        )
        self.db = Database(self.settings.database_url, echo=self.settings.database.echo)
        self.leases = Leases(self.db, self.settings.processes)
        self.accounts = AccountService(self.db, self.settings)
        self.admin = AdminService(self.db)
        self.files = SourceFiles(self.settings.storage.data_dir)
        uploads = self.settings.uploads
        self.jobs = IngestJobs(
            uploads.ingest_workers,
            uploads.per_tenant_ingests,
            gate=TenantSlots(self.leases, "ingest", uploads.per_tenant_ingests),
        )
        sql = self.settings.sql
        self.queries = QueryRunner(
            SandboxLimits(
                memory_limit_mb=sql.memory_limit_mb,
                threads=sql.threads,
                timeout_seconds=sql.timeout_seconds,
                value_max_mb=sql.value_max_mb,
            ),
            per_tenant=sql.per_tenant_queries,
            cache_mb=sql.cache_mb,
            gate=TenantSlots(self.leases, "query", sql.per_tenant_queries),
        )
        self.engines = EngineCache()
        self.connection_pools = ConnectionPools(
            self.settings.connections,
            gate=TenantSlots(
                self.leases, "connection-query", self.settings.connections.per_tenant_queries
            ),
        )
        self.sql_threads = ThreadPoolExecutor(SQL_REQUEST_THREADS, thread_name_prefix="sql-request")
        self.widget_threads = ThreadPoolExecutor(
            DASHBOARD_WIDGET_THREADS, thread_name_prefix="dashboard-widget"
        )
        if self.answer is answerer_not_installed:
            self.answer = make_answerer(self)

    def start_maintenance(self) -> None:
        """Every lease period, in this process as in every other: fail and clean up the uploads
        and ingests whose process is gone (the leases' heartbeat thread runs it)."""
        self.leases.every(
            self.settings.processes.lease_seconds,
            lambda: recover_interrupted(self.db, self.files, full=False),
        )

    def workspaces(self, principal: Principal) -> WorkspaceService:
        return WorkspaceService(self.db, principal, self.files)

    def members(self, principal: Principal) -> MemberService:
        return MemberService(self.accounts, principal)

    def sources(self, principal: Principal) -> SourceService:
        return SourceService(
            self.db, self.settings, self.files, self.jobs, principal, leases=self.leases
        )

    def models(self, principal: Principal) -> ModelService:
        return ModelService(
            self.db,
            self.files,
            principal,
            keep_versions=self.settings.model.keep_versions,
            engines=self.engines,
            connections=self.connections(principal),
        )

    def sql(self, principal: Principal) -> SqlService:
        return SqlService(self.db, self.files, self.queries, self.settings.sql, principal)

    def ai_settings(self, principal: Principal) -> AiSettingsService:
        return AiSettingsService(self.db, self.vault, principal, self.settings.ai)

    def connections(self, principal: Principal) -> ConnectionService:
        return ConnectionService(
            self.db, self.vault, self.connection_pools, self.settings.connections, principal
        )

    def explore(self, principal: Principal) -> ExploreService:
        return ExploreService(self.db, principal, self.settings.ai.limits)

    def dashboards(self, principal: Principal) -> DashboardService:
        return DashboardService(
            self.db,
            self.files,
            self.queries,
            self.engines,
            self.settings.sql,
            principal,
            executor=self.widget_threads,
            connections=self.connections(principal),
        )

    def onboarding(self, principal: Principal) -> OnboardingService:
        return OnboardingService(self, principal)
