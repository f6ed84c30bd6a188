# syntax=docker/dockerfile:1
# Habitual's image: `docker build -t habitual .`, then `docker run -p 8000:8000 habitual`
# (SQLite in the volume /var/lib/habitual) or see compose.yaml for PostgreSQL, Redis, a worker
# and a mail catcher. The install step is deploy/install-runtime, the script `make run`
# installs with and the tests run (tests/test_deployment_files.py).

# --- build: the locked runtime dependencies and Habitual into a virtual environment ----------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
COPY deploy/ ./deploy/
COPY migrations/ ./migrations/
COPY src/ ./src/
RUN deploy/install-runtime /opt/habitual

# --- run: the slim base, the virtual environment, a user without privileges ------------------
FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/habitual --create-home habitual
COPY --from=build /opt/habitual /opt/habitual
ENV PATH=/opt/habitual/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HABITUAL_DATABASE_URL=sqlite+aiosqlite:////var/lib/habitual/habitual.db \
    PROMETHEUS_MULTIPROC_DIR=/tmp/habitual-metrics
# The working directory keeps the SQLite file and, unless HABITUAL_SECRET_KEY is set, the key
# created on first start (habitual-secret.key): mount a volume there.
USER 10001:10001
WORKDIR /var/lib/habitual
VOLUME ["/var/lib/habitual"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/livez\", timeout=4)"]
ENTRYPOINT ["habitual"]
CMD ["serve", "--host", "0.0.0.0"]
