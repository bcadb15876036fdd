# oigwatch: one image for the CLI (and, later, the service). Data lives on the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OIGWATCH_DATA_DIR=/data

RUN useradd --create-home --uid 10001 oigwatch \
    && mkdir -p /data && chown oigwatch /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY crawler ./crawler
COPY notifier ./notifier
COPY scheduler ./scheduler
COPY config ./config
COPY fixture_site ./fixture_site
RUN pip install --no-cache-dir .

USER oigwatch
VOLUME ["/data"]
# Until the long-running service lands, the image runs one crawl (schedule it, e.g. with cron).
CMD ["oigwatch", "crawl"]
