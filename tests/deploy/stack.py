"""The deploy stack for tests: Debian's nginx with ``deploy/nginx/datapilot.conf`` in front of
real ``datapilot serve`` processes over one PostgreSQL store and one data directory.

The nginx configuration is the shipped one with only what a test machine needs changed: the
upstream addresses (``app1:5006`` becomes the first process's 127.0.0.1 port), the listening
ports, a generated self-signed certificate for 127.0.0.1, and files under a temporary prefix.
The ``location`` blocks come from ``deploy/nginx/datapilot-proxy.conf`` unchanged.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PG_URL, ROOT, RunningServer, free_port, start_server

NGINX = Path(shutil.which("nginx") or "/usr/sbin/nginx")
DEPLOY = ROOT / "deploy"
NODES = ("app1", "app2")


def nginx_missing() -> str | None:
    """Why nginx cannot run here, or None."""
    if not NGINX.exists():
        return f"{NGINX} not found; install Debian's nginx (apt-get install nginx-light)"
    return None


def require_deploy_parts() -> str:
    """The PostgreSQL admin URL; skips (or fails when required) without PostgreSQL or nginx."""
    required = os.environ.get("DATAPILOT_REQUIRE_POSTGRES") == "1"
    problem = nginx_missing()
    if not PG_URL:
        problem = "DATAPILOT_TEST_POSTGRES_URL is not set; the deploy tests need PostgreSQL"
    if problem:
        if required:
            pytest.fail(f"DATAPILOT_REQUIRE_POSTGRES=1 but {problem}", pytrace=False)
        pytest.skip(problem)
    assert PG_URL is not None
    return PG_URL


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM files in ``folder``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def site_config(
    prefix: Path, backends: dict[str, int], http_port: int, https_port: int, cert: Path, key: Path
) -> str:
    """``deploy/nginx/datapilot.conf`` pointed at ``backends`` (node -> 127.0.0.1 port)."""
    text = (DEPLOY / "nginx" / "datapilot.conf").read_text()
    replacements = {
        "listen [::]:80;": "",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/nginx/certs/fullchain.pem": str(cert),
        "/etc/nginx/certs/privkey.pem": str(key),
        "/var/log/nginx/": f"{prefix}/logs/",
        "/etc/nginx/datapilot-proxy.conf": str(DEPLOY / "nginx" / "datapilot-proxy.conf"),
    }
    for node, port in backends.items():
        replacements[f"{node}:5006"] = f"127.0.0.1:{port}"
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/datapilot.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def main_config(prefix: Path, site: str) -> str:
    """An nginx.conf running from ``prefix`` (pid, logs, temp files) around ``site``."""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix}/temp/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"pid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/logs/error.log info;\n"
        "worker_processes 2;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        f"    access_log {prefix}/logs/access.log;\n"
        f"{temp}\n"
        "    default_type application/octet-stream;\n"
        f"{site}\n"
        "}\n"
    )


@dataclass
class Nginx:
    """A running nginx: ``https_url`` (certificate ``cert``) and ``http_url`` (the redirect)."""

    prefix: Path
    process: subprocess.Popen[bytes]
    http_url: str
    https_url: str
    cert: Path

    def error_log(self) -> str:
        return (self.prefix / "logs" / "error.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # nginx: fast shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.prefix, ignore_errors=True)


def _prefix() -> Path:
    """A directory nginx's workers can use: as root they run as ``nobody``."""
    prefix = Path(tempfile.mkdtemp(prefix="datapilot-nginx-"))
    prefix.chmod(0o755)
    for sub in ("logs", "temp", "certs"):
        (prefix / sub).mkdir()
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        (prefix / "temp").chmod(0o755)
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / "temp" / kind).mkdir()
            os.chown(prefix / "temp" / kind, nobody.pw_uid, nobody.pw_gid)
    return prefix


def start_nginx(backends: dict[str, int], http_port: int, https_port: int) -> Nginx:
    """nginx with the deploy config in front of ``backends``; waits until it listens."""
    prefix = _prefix()
    cert, key = self_signed(prefix / "certs")
    site = site_config(prefix, backends, http_port, https_port, cert, key)
    config = prefix / "nginx.conf"
    config.write_text(main_config(prefix, site))
    check = subprocess.run(
        [str(NGINX), "-t", "-p", str(prefix), "-c", str(config), "-e", str(prefix / "logs/t.log")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, f"nginx -t refused the config:\n{check.stderr}"
    args = [str(NGINX), "-p", str(prefix), "-c", str(config), "-e", str(prefix / "logs/error.log")]
    process = subprocess.Popen([*args, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    running = Nginx(
        prefix, process, f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", cert
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{running.error_log()}")
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            return running
        except OSError:
            time.sleep(0.1)
    running.stop()
    raise RuntimeError("nginx did not listen within 20 s")


@dataclass
class Stack:
    """DataPilot processes (node -> server) over one store and data directory, nginx in front."""

    nginx: Nginx
    servers: dict[str, RunningServer]
    data_dir: Path
    database_url: str

    def stop(self) -> None:
        self.nginx.stop()
        for server in self.servers.values():
            server.stop()


def start_stack(workdir: Path, database_url: str, nodes: tuple[str, ...] = NODES) -> Stack:
    """``datapilot serve`` per node over ``database_url`` (migrated here first, as the deploy
    README says) and one data directory, with nginx's HTTPS URL as their public URL."""
    from cryptography.fernet import Fernet

    from app.store.db import Database

    database = Database(database_url)
    database.upgrade()
    database.dispose()
    data_dir = workdir / "shared-data"
    data_dir.mkdir(exist_ok=True)
    http_port, https_port = free_port(), free_port()
    shared: dict[str, object] = {
        "storage": {"data_dir": str(data_dir)},
        "database": {"url": database_url},
        # Set, as in docker-compose.yml: several processes must share them.
        "secrets": {
            "secret_key": "deploy-test-" + os.urandom(24).hex(),
            "encryption_keys": [Fernet.generate_key().decode()],
        },
        "auth": {"login_throttle": {"max_failures_per_address": 100_000}},
    }

    def start(node: str) -> RunningServer:
        folder = workdir / node
        folder.mkdir()
        server = {
            "node": node,
            "trusted_proxies": ["127.0.0.1"],
            "public_url": f"https://127.0.0.1:{https_port}",
        }
        return start_server(folder, settings={**shared, "server": server}, demo=False)

    servers: dict[str, RunningServer] = {}
    try:
        for node in nodes:  # one after the other: a shared 2-core machine starts each faster
            servers[node] = start(node)
        backends = {node: int(s.base_url.rsplit(":", 1)[1]) for node, s in servers.items()}
        nginx = start_nginx(backends, http_port, https_port)
    except BaseException:
        for started in servers.values():
            started.stop()
        raise
    return Stack(nginx, servers, data_dir, database_url)


def create_database(admin_url: str) -> str:
    """A new, uniquely named PostgreSQL database; returns its URL (drop it with
    :func:`drop_database`)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"datapilot_deploy_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()
