# oigwatch: the service (`oigwatch run`) and the CLI in one image. See docs/operator-guide.md, "Deploy".
#   docker build -t oigwatch .
#   docker run -d -p 127.0.0.1:8080:8080 -v oigwatch-data:/data oigwatch
# The ledger (SQLite by default, or OIGWATCH_DATABASE_URL) and anything else written live on /data.

# -- build: a wheel of oigwatch from pyproject.toml (hatchling) ------------------------------------
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY config ./config
COPY crawler ./crawler
COPY documents ./documents
COPY notifier ./notifier
COPY ledger ./ledger
COPY archive ./archive
COPY web ./web
COPY scheduler ./scheduler
COPY cli ./cli
COPY fixture_site ./fixture_site
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# -- runtime: the wheel and its dependencies, no source tree, no compilers ---------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OIGWATCH_DATA_DIR=/data \
    OIGWATCH_SERVICE__HTTP_HOST=0.0.0.0 \
    OIGWATCH_SERVICE__HTTP_PORT=8080

COPY --from=build /wheels /tmp/wheels
RUN pip install --no-cache-dir /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels \
    && useradd --create-home --uid 10001 --user-group oigwatch \
    && mkdir -p /data \
    && chown oigwatch:oigwatch /data

USER oigwatch
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080

# /healthz answers 200 while the scheduler beats and the ledger reads; no curl in the slim image.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-I", "-m", "scheduler.healthcheck"]

CMD ["oigwatch", "run"]
