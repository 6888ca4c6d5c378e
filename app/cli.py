"""``datapilot`` command line: serve, health, db, admin, ai.

Every failure a user can act on ends with one line on stderr and a non-zero exit code:
2 for settings and set-up problems (nothing started), 1 for a refused command (``health``:
1 for every failure, as Docker reserves 2).
``--traceback`` shows the Python traceback of an unexpected error instead.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path
from typing import Any

from app.services.errors import DomainError, InvalidInput
from app.settings import ConfigError, Settings, load_settings, mask_url

EXIT_REFUSED = 1
EXIT_SETUP = 2


class SetupError(Exception):
    """The environment is not ready for the command (exit code 2)."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_SETUP
    settings: Settings | None = None
    try:
        settings = load_settings(args.config, **_overrides(args))
        return int(args.handler(settings, args) or 0)
    except (ConfigError, SetupError) as exc:
        _fail(str(exc))
        return int(getattr(args, "setup_exit", EXIT_SETUP))
    except DomainError as exc:
        _fail(str(exc))
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.traceback:
            raise
        _fail(_describe_unexpected(exc, settings))
        return EXIT_REFUSED


def _fail(message: str) -> None:
    print(f"datapilot: {' '.join(message.split())}", file=sys.stderr)


def _describe_unexpected(exc: Exception, settings: Settings | None) -> str:
    from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

    if isinstance(exc, DBAPIError):
        # The driver's first line says what went wrong without the statement or parameters.
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        if isinstance(exc, OperationalError) and settings is not None:
            return f"cannot use the database {mask_url(settings.database_url)}: {mask_url(detail)}"
        return f"database error: {mask_url(detail)}"
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {mask_url(str(exc).splitlines()[0])}"
    return f"unexpected {type(exc).__name__}: {exc} (run with --traceback for details)"


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    server: dict[str, Any] = {}
    if getattr(args, "port", None) is not None:
        server["port"] = args.port
    if getattr(args, "host", None):
        server["host"] = args.host
    if getattr(args, "node", None):
        server["node"] = args.node
    return {"server": server} if server else {}


def _context(settings: Settings):
    from app.context import AppContext

    return AppContext(settings)


def _head_revision(ctx: Any) -> str | None:
    from alembic.script import ScriptDirectory

    from app.store.db import alembic_config

    return ScriptDirectory.from_config(alembic_config(ctx.db.url)).get_current_head()


def _ready_context(settings: Settings):
    """The app context with the schema at head: migrated on the embedded default, else checked."""
    ctx = _context(settings)
    if settings.is_embedded:
        ctx.db.upgrade()
        return ctx
    current, head = ctx.db.current_revision(), _head_revision(ctx)
    if current != head:
        state = "has no schema yet" if current is None else f"is at revision {current}, not {head}"
        raise SetupError(f"the database {state}; run `datapilot db upgrade` first.")
    return ctx


# -- serve -----------------------------------------------------------------------------------------
def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise SetupError("--workers must be 1 or more.")
    if args.workers > 1:
        from app.supervisor import WorkersFailed, supervise

        try:
            return supervise(settings, args.workers, args.config, args.no_demo)
        except WorkersFailed as exc:
            raise SetupError(str(exc)) from None
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    ctx = _ready_context(settings)
    from app.services.sources.jobs import recover_interrupted

    recovered = recover_interrupted(
        ctx.db, ctx.files, grace_seconds=settings.processes.folder_grace_seconds
    )
    if recovered:
        logging.getLogger("datapilot").warning(
            "%d source(s) were interrupted by a stop and are marked failed", recovered
        )
    if settings.demo.enabled and not args.no_demo:
        from app.demo.loader import ensure_demo_account, load_demo_data

        password = ensure_demo_account(ctx, settings.demo.tenant, settings.demo.email)
        if password:
            print("\n  Demo account created (the password is shown only this once):")
            print(f"    email:    {settings.demo.email}")
            print(f"    password: {password}\n")
        else:
            config = f" --config {args.config}" if args.config else ""
            print(
                f"  Demo account: {settings.demo.email} (forgot the password? "
                f"`datapilot{config} admin reset-password {settings.demo.email}`)"
            )
        queued = (
            load_demo_data(ctx, settings.demo.tenant, settings.demo.email)
            if settings.demo.sample_data
            else []
        )
        if queued:
            names = ", ".join(source.name for source in queued)
            print(f"  Sample data: ingesting {names} into the demo workspaces")
        if settings.demo.sample_data:
            from app.demo.loader import demo_principal
            from app.demo.model import build_when_ingested

            principal = demo_principal(ctx, settings.demo.tenant, settings.demo.email)
            if principal is not None and principal.can_edit:
                build_when_ingested(ctx, principal, [source.id for source in queued])
    from app.server import build_server, run_until_stopped

    try:
        server = build_server(ctx)
    except OSError as exc:
        where = f"{settings.server.host}:{settings.server.port}"
        raise SetupError(f"cannot listen on {where}: {exc.strerror or exc}") from None
    print(f"  DataPilot is running on {settings.server.base_url}  (Ctrl+C to stop)", flush=True)
    run_until_stopped(ctx, server)


def cmd_health(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 when the configured server answers ``GET /health`` (the image's HEALTHCHECK)."""
    from app.cli_health import NoKnownPort, health_url, probe

    try:
        url = health_url(settings)
    except NoKnownPort as exc:
        raise SetupError(str(exc)) from None
    problem = probe(url, args.timeout)
    if problem:
        _fail(problem)
        return EXIT_REFUSED
    print(f"healthy: {url}")
    return 0


# -- db ----------------------------------------------------------------------------------------------
def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    ctx = _context(settings)
    if args.action == "upgrade":
        ctx.db.upgrade(args.revision or "head")
    elif args.action == "downgrade":
        ctx.db.downgrade(args.revision or "-1")
    current, head = ctx.db.current_revision(), _head_revision(ctx)
    if current == head:
        note = " (up to date)"
    else:
        note = f" (latest is {head}; run `datapilot db upgrade`)"
    print(f"database revision: {current or 'empty'}{note}")
    return 0


# -- admin ---------------------------------------------------------------------------------------------
def _password(args: argparse.Namespace) -> str | None:
    """A password from stdin or a prompt; None means "generate one"."""
    if getattr(args, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidInput("--password-stdin was given but no password arrived on stdin.")
        return password
    if getattr(args, "prompt", False):
        password = getpass.getpass("New password: ")
        if password != getpass.getpass("Repeat it: "):
            raise InvalidInput("The two passwords differ; nothing was changed.")
        return password
    return None


def _show_generated(email: str, password: str | None) -> None:
    if password:
        print(f"generated password for {email} (shown once): {password}")


def cmd_admin(settings: Settings, args: argparse.Namespace) -> int:
    managed_keys = not settings.secrets.encryption_keys  # else from the config file or env
    ctx = _ready_context(settings)
    admin = ctx.admin
    action = args.action
    if action == "create-tenant":
        tenant = admin.create_tenant(args.slug, args.name)
        print(f"created tenant {tenant.slug}")
    elif action == "create-user":
        password = _password(args)
        if password:
            ctx.accounts.check_new_password(password, args.email, args.name, args.tenant)
        generated = admin.create_user(args.email, args.name or "", args.tenant, args.role, password)
        print(f"created user {args.email} in {args.tenant} as {args.role}")
        _show_generated(args.email, generated)
    elif action == "set-role":
        admin.set_role(args.email, args.tenant, args.role)
        print(f"{args.email} is {args.role} in {args.tenant}")
    elif action == "reset-password":
        password = _password(args)
        if password:
            details = ctx.accounts.personal_details(args.email)
            ctx.accounts.check_new_password(password, args.email, *details)
        _show_generated(args.email, admin.reset_password(args.email, password))
        print(f"password reset for {args.email}; their sessions were signed out")
    elif action in ("deactivate", "activate"):
        admin.set_active(args.email, action == "activate")
        print(f"{args.email} {action}d")
    elif action == "list-users":
        rows = admin.list_users(args.tenant)
        if not rows:
            print("no users")
            return 0
        print(f"{'TENANT':<20} {'EMAIL':<36} {'ROLE':<7} {'STATE':<8} NAME")
        for row in rows:
            state = "active" if row.active else "inactive"
            print(f"{row.tenant:<20} {row.email:<36} {row.role:<7} {state:<8} {row.display_name}")
    elif action == "apply":
        report = admin.apply(Path(args.file), check_password=ctx.accounts.check_new_password)
        for change in report.changes:
            print(change)
        for email, password in report.passwords.items():
            _show_generated(email, password)
        if not report.changes:
            print("nothing to change")
    elif action == "rotate-secrets":
        from app.services.ai.rotation import rotate_secrets

        for line in rotate_secrets(ctx.db, settings, managed_keys, args.reencrypt):
            print(line)
    return 0


# -- ai ----------------------------------------------------------------------------------------------
def cmd_ai(settings: Settings, args: argparse.Namespace) -> int:
    """``ai eval``: the evaluation set over the sample workspaces, with the offline answerer or
    a language model (the configured one, or one named on the command line)."""
    import tempfile

    from app.demo import DEMO_DIR, DEMO_WORKSPACES
    from pipelines.ai.errors import ProviderError
    from pipelines.ai.evaluation import evaluate_offline
    from pipelines.ai.evaluation_llm import ProviderAnswerer

    questions = Path(args.questions) if args.questions else DEMO_DIR / "eval_questions.yaml"
    if not questions.is_file():
        raise SetupError(f"the evaluation set {questions} does not exist.")
    provider = _eval_provider(settings, args)
    workspaces = {w.name: {s.name: s.path for s in w.sources} for w in DEMO_WORKSPACES}
    make = None if provider is None else (lambda built: ProviderAnswerer(provider, built))
    with tempfile.TemporaryDirectory(prefix="datapilot-eval-") as folder:
        try:
            report = evaluate_offline(questions, workspaces, Path(folder), make)
        except ProviderError as exc:
            raise SetupError(f"the {args.provider} provider failed ({exc.kind}): {exc}") from None
    if args.verbose:
        for outcome in report.outcomes:
            if outcome.verdict != "right":
                print(f"{outcome.verdict:<9} {outcome.question.id}: {outcome.question.question}")
                print(f"          {outcome.detail}")
    print(f"provider: {args.provider}" + (f" ({provider.model})" if provider else ""))
    print(report.summary())
    return 0


def _eval_provider(settings: Settings, args: argparse.Namespace) -> Any:
    """The provider ``ai eval`` asks (None for the offline answerer): ``configured`` is the
    settings file's ``ai`` section; a named kind takes ``--model``, ``--base-url`` and the key
    from the environment variable ``--api-key-env`` (or the settings' when they name that
    kind)."""
    from app.ai_config import NEEDS_KEY, PROVIDER_KINDS
    from pipelines.ai.factory import make_provider

    ai = settings.ai
    kind = ai.provider if args.provider == "configured" else args.provider
    if kind not in PROVIDER_KINDS:
        choices = ", ".join(("configured", *PROVIDER_KINDS))
        raise SetupError(f"unknown provider {args.provider!r}; use one of {choices}.")
    if kind == "offline":
        return None
    same = kind == ai.provider
    model = args.model or (ai.model if same else "")
    base_url = args.base_url or (ai.base_url if same else None)
    if args.api_key_env:
        key = os.environ.get(args.api_key_env) or None
        if key is None:
            raise SetupError(f"the environment variable {args.api_key_env} is not set.")
    else:
        key = ai.api_key() if same else None
    if not model:
        raise SetupError(f"name the {kind} model to evaluate with --model.")
    if kind in NEEDS_KEY and key is None:
        raise SetupError(
            f"the {kind} provider needs a key: --api-key-env NAME, the environment variable "
            "that holds it."
        )
    if kind == "openai_compatible" and not base_url:
        raise SetupError("an OpenAI-compatible server needs --base-url.")
    return make_provider(kind, model, key, base_url, ai.timeout_seconds)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="datapilot", description="DataPilot self-service BI")
    parser.add_argument(
        "--config", help="settings file (default: $DATAPILOT_CONFIG or config/datapilot.yaml)"
    )
    parser.add_argument(
        "--traceback", action="store_true", help="show the traceback of unexpected errors"
    )
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="run the web app")
    serve.add_argument("--port", type=int)
    serve.add_argument("--host")
    serve.add_argument("--no-demo", action="store_true", help="do not create the demo account")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="run N processes on consecutive ports from --port, restarted when they die "
        "(put nginx in front: deploy/README.md); default 1",
    )
    serve.add_argument(
        "--node", help="this process's name behind a proxy (server.node; the dp_node cookie)"
    )
    serve.set_defaults(handler=cmd_serve)

    health = sub.add_parser("health", help="exit 0 if the configured server answers /health")
    health.add_argument("--timeout", type=float, default=4.0, help="seconds to wait (default 4)")
    # Docker reserves a health check's exit code 2: every failure is 1 (unhealthy).
    health.set_defaults(handler=cmd_health, setup_exit=EXIT_REFUSED)

    db = sub.add_parser("db", help="metadata store migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?", help="upgrade: default head; downgrade: default -1")
    db.set_defaults(handler=cmd_db)

    admin = sub.add_parser("admin", help="tenants, users and roles")
    actions = admin.add_subparsers(dest="action", required=True)
    p = actions.add_parser("create-tenant", help="create a tenant")
    p.add_argument("slug", help="lowercase letters, digits and dashes")
    p.add_argument("--name")
    p = actions.add_parser("create-user", help="create a user in a tenant")
    p.add_argument("email")
    p.add_argument("--tenant", required=True)
    p.add_argument("--role", choices=["admin", "editor", "viewer"], default="viewer")
    p.add_argument("--name")
    _password_options(p)
    p = actions.add_parser("set-role", help="give a user a role in a tenant")
    p.add_argument("email")
    p.add_argument("--tenant", required=True)
    p.add_argument("--role", choices=["admin", "editor", "viewer"], required=True)
    p = actions.add_parser("reset-password", help="set a new password and sign the user out")
    p.add_argument("email")
    _password_options(p)
    actions.add_parser("deactivate", help="block sign-in and end sessions").add_argument("email")
    actions.add_parser("activate", help="allow sign-in again").add_argument("email")
    actions.add_parser("list-users", help="users with tenant, role and state").add_argument(
        "--tenant"
    )
    actions.add_parser("apply", help="create or update tenants declared in YAML").add_argument(
        "file"
    )
    p = actions.add_parser(
        "rotate-secrets", help="add a new master key and re-encrypt the stored AI API keys"
    )
    p.add_argument(
        "--reencrypt",
        action="store_true",
        help="only re-encrypt under the current first key (after editing keys in the config)",
    )
    admin.set_defaults(handler=cmd_admin)

    ai = sub.add_parser("ai", help="the Explore answerers")
    ai_actions = ai.add_subparsers(dest="action", required=True)
    p = ai_actions.add_parser("eval", help="run the evaluation set over the sample workspaces")
    p.add_argument(
        "--provider",
        default="offline",
        help="offline (default), configured (the settings file's ai section), anthropic, "
        "openai or openai_compatible",
    )
    p.add_argument("--model", help="the model to ask (default: the configured one)")
    p.add_argument("--base-url", help="API root of an OpenAI-compatible server or a gateway")
    p.add_argument("--api-key-env", help="environment variable holding the provider's key")
    p.add_argument("--questions", help="a YAML evaluation set (default: the bundled one)")
    p.add_argument("--verbose", action="store_true", help="list the questions not right")
    ai.set_defaults(handler=cmd_ai)
    return parser


def _password_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    group.add_argument("--prompt", action="store_true", help="ask for the password")


if __name__ == "__main__":
    sys.exit(main())
