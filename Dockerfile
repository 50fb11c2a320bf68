# soltrader-tui in a container: the headless engine under `supervise`, its data on a volume.
# Build and run: docs/docker.md (docker compose up -d --build).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Installed from the project's own files only: the package, its metadata, and the annotated
# default config that seeds an empty data volume.
WORKDIR /opt/soltrader-tui
COPY pyproject.toml README.md ./
COPY soltrader_tui ./soltrader_tui
RUN pip install . \
    && rm -rf /opt/soltrader-tui/soltrader_tui /opt/soltrader-tui/build
COPY config.yaml /opt/soltrader-tui/config.default.yaml
COPY docker/entrypoint.sh /usr/local/bin/soltrader-entrypoint
RUN chmod 0755 /usr/local/bin/soltrader-entrypoint

# Never root: the engine needs nothing but its data folder.
RUN groupadd --gid 10001 soltrader \
    && useradd --uid 10001 --gid soltrader --no-create-home --home-dir /data \
        --shell /usr/sbin/nologin soltrader \
    && mkdir -p /data \
    && chown soltrader:soltrader /data
USER soltrader

# The ledger, logs, checkpoints and config.yaml live here. Every command runs in this folder,
# so each finds /data/config.yaml (the config's folder is the data folder).
WORKDIR /data
VOLUME ["/data"]

# supervise stops its engine cleanly (every fill committed, the session closed) on Ctrl+C,
# which is SIGINT; docker stop sends this instead of SIGTERM.
STOPSIGNAL SIGINT

# `health` exits 0 ok, 1 degraded, 2 failing. Only failing (no engine on the ledger, its
# heartbeat over 60 s old, the ledger unreadable) marks the container unhealthy: a PAUSED bot
# is degraded on purpose and must not be restarted by an orchestrator.
HEALTHCHECK --interval=30s --timeout=20s --start-period=60s --retries=3 \
    CMD soltrader-tui health > /dev/null; test $? -lt 2

ENTRYPOINT ["soltrader-entrypoint"]
CMD ["supervise"]
