"""``datapilot`` command line: serve, db, admin."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path
from typing import Any

from app.services.errors import DomainError
from app.settings import ConfigError, Settings, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings(args.config, **_overrides(args))
        return int(args.handler(settings, args) or 0)
    except ConfigError as exc:
        print(f"datapilot: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"datapilot: {exc}", file=sys.stderr)
        return 1


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    server: dict[str, Any] = {}
    if getattr(args, "port", None) is not None:
        server["port"] = args.port
    if getattr(args, "host", None):
        server["host"] = args.host
    return {"server": server} if server else {}


def _context(settings: Settings):
    from app.context import AppContext

    return AppContext(settings)


# -- serve -----------------------------------------------------------------------------------------
def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    ctx = _context(settings)
    if settings.is_embedded:
        ctx.db.upgrade()
    elif ctx.db.current_revision() is None:
        print(
            "datapilot: the database has no schema yet; run `datapilot db upgrade` first.",
            file=sys.stderr,
        )
        return 2
    if settings.demo.enabled and not args.no_demo:
        password = ctx.admin.ensure_demo(settings.demo.tenant, settings.demo.email)
        if password:
            print("\n  Demo account created (the password is shown only this once):")
            print(f"    email:    {settings.demo.email}")
            print(f"    password: {password}\n")
        else:
            print(
                f"  Demo account: {settings.demo.email} (forgot the password? "
                f"`datapilot admin reset-password {settings.demo.email}`)"
            )
    from app.server import build_server

    server = build_server(ctx)
    print(f"  DataPilot is running on {settings.server.base_url}  (Ctrl+C to stop)", flush=True)
    server.start()
    server.io_loop.start()
    return 0


# -- db ----------------------------------------------------------------------------------------------
def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    ctx = _context(settings)
    if args.action == "upgrade":
        ctx.db.upgrade(args.revision or "head")
    elif args.action == "downgrade":
        ctx.db.downgrade(args.revision or "-1")
    print(f"database revision: {ctx.db.current_revision() or 'empty'}")
    return 0


# -- admin ---------------------------------------------------------------------------------------------
def _password(args: argparse.Namespace) -> str | None:
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n") or None
    if getattr(args, "prompt", False):
        return getpass.getpass("New password: ")
    return None


def _show_generated(email: str, password: str | None) -> None:
    if password:
        print(f"generated password for {email} (shown once): {password}")


def cmd_admin(settings: Settings, args: argparse.Namespace) -> int:
    ctx = _context(settings)
    admin = ctx.admin
    action = args.action
    if action == "create-tenant":
        tenant = admin.create_tenant(args.slug, args.name)
        print(f"created tenant {tenant.slug}")
    elif action == "create-user":
        password = _password(args)
        if password:
            ctx.accounts.check_new_password(password, args.email)
        generated = admin.create_user(args.email, args.name or "", args.tenant, args.role, password)
        print(f"created user {args.email} in {args.tenant} as {args.role}")
        _show_generated(args.email, generated)
    elif action == "set-role":
        admin.set_role(args.email, args.tenant, args.role)
        print(f"{args.email} is {args.role} in {args.tenant}")
    elif action == "reset-password":
        password = _password(args)
        if password:
            ctx.accounts.check_new_password(password, args.email)
        _show_generated(args.email, admin.reset_password(args.email, password))
        print(f"password reset for {args.email}; their sessions were signed out")
    elif action in ("deactivate", "activate"):
        admin.set_active(args.email, action == "activate")
        print(f"{args.email} {action}d")
    elif action == "list-users":
        rows = admin.list_users(args.tenant)
        if not rows:
            print("no users")
        for row in rows:
            state = "active" if row.active else "inactive"
            print(f"{row.tenant:<20} {row.email:<36} {row.role:<7} {state:<8} {row.display_name}")
    elif action == "apply":
        report = admin.apply(Path(args.file))
        for change in report.changes:
            print(change)
        for email, password in report.passwords.items():
            _show_generated(email, password)
        if not report.changes:
            print("nothing to change")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="datapilot", description="DataPilot self-service BI")
    parser.add_argument("--config", help="settings file (default: config/datapilot.yaml)")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="run the web app")
    serve.add_argument("--port", type=int)
    serve.add_argument("--host")
    serve.add_argument("--no-demo", action="store_true", help="do not create the demo account")
    serve.set_defaults(handler=cmd_serve)

    db = sub.add_parser("db", help="metadata store migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?")
    db.set_defaults(handler=cmd_db)

    admin = sub.add_parser("admin", help="tenants, users and roles")
    actions = admin.add_subparsers(dest="action", required=True)
    p = actions.add_parser("create-tenant")
    p.add_argument("slug")
    p.add_argument("--name")
    p = actions.add_parser("create-user")
    p.add_argument("email")
    p.add_argument("--tenant", required=True)
    p.add_argument("--role", choices=["admin", "editor", "viewer"], default="viewer")
    p.add_argument("--name")
    _password_options(p)
    p = actions.add_parser("set-role")
    p.add_argument("email")
    p.add_argument("--tenant", required=True)
    p.add_argument("--role", choices=["admin", "editor", "viewer"], required=True)
    p = actions.add_parser("reset-password")
    p.add_argument("email")
    _password_options(p)
    for name in ("deactivate", "activate"):
        actions.add_parser(name).add_argument("email")
    actions.add_parser("list-users").add_argument("--tenant")
    actions.add_parser("apply", help="create or update tenants declared in YAML").add_argument(
        "file"
    )
    admin.set_defaults(handler=cmd_admin)
    return parser


def _password_options(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    group.add_argument("--prompt", action="store_true", help="ask for the password")


if __name__ == "__main__":
    sys.exit(main())
