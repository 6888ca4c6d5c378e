# DataPilot container image.
#   docker build -t datapilot .
#   docker run -p 5006:5006 -v datapilot-data:/data datapilot
# The embedded SQLite store, uploaded files and generated secrets live in the /data volume.
# No demo account unless asked: -e DATAPILOT_DEMO__ENABLED=true creates one for a quick try and
# prints its password once in the log.
# Another port: -e DATAPILOT_SERVER__PORT=8080 -p 8080:8080 (the health check follows it).
# For PostgreSQL: -e DATAPILOT_DATABASE__URL=postgresql+psycopg://user:pw@db:5432/datapilot and run
# `docker run ... datapilot db upgrade` once per release before `serve`.

# -- build: a wheel of the project (non-editable, with its package data) ------------------------
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY components ./components
COPY pipelines ./pipelines
RUN pip wheel --no-deps --wheel-dir /wheels .

# -- runtime -------------------------------------------------------------------------------------
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Installs the wheel and every runtime dependency declared in pyproject.toml. mysqlclient (MySQL
# and MariaDB connections) builds against the MariaDB client library: the compiler goes again,
# the library stays.
COPY --from=build /wheels /tmp/wheels
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev pkg-config libmariadb-dev libmariadb3 \
    && pip install "$(echo /tmp/wheels/datapilot-*.whl)[mysql]" && rm -rf /tmp/wheels \
    && apt-get purge -y gcc libc6-dev pkg-config libmariadb-dev && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 datapilot \
    && useradd --system --uid 10001 --gid datapilot --home-dir /home/datapilot --create-home \
       --shell /usr/sbin/nologin datapilot \
    && mkdir -p /data \
    && chown datapilot:datapilot /data

# The documented defaults; mount your own file over /app/config/datapilot.yaml or use
# DATAPILOT_* environment variables. The variables below win over that file (its demo section
# is off until DATAPILOT_DEMO__ENABLED=true).
WORKDIR /app
COPY config/datapilot.yaml config/tenants.yaml ./config/
# The shipped dashboard templates (Sales, HR); an admin adds their own with templates.folder.
COPY config/templates ./config/templates/

# The port stays with the config file (5006) so that a mounted file may change it too.
ENV DATAPILOT_STORAGE__DATA_DIR=/data \
    DATAPILOT_SERVER__HOST=0.0.0.0 \
    DATAPILOT_DEMO__ENABLED=false
VOLUME ["/data"]
USER datapilot
EXPOSE 5006

# `datapilot health` reads the port from the same settings as `serve` and asks its /health
# (it waits 4 s for the answer; the rest of the timeout is for starting Python).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["datapilot", "health"]

CMD ["datapilot", "serve"]
