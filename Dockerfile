# Gyrus in a container: one app process (uvicorn) with its checker pool, SQLite in /data by
# default. For several containers sharing PostgreSQL, set GYRUS_DATABASE_URL and one
# GYRUS_SECRET_KEY for all of them (see README.md).
#
#   docker build -t gyrus .
#   docker run -p 8000:8000 -v gyrus-data:/data gyrus
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GYRUS_DATA_DIR=/data

RUN useradd --create-home --uid 10001 gyrus \
    && mkdir -p /data \
    && chown gyrus:gyrus /data

WORKDIR /app
# The app reads templates/, static/ and exercises/ from the source tree: an editable install.
COPY --chown=gyrus:gyrus . /app
RUN pip install --no-cache-dir -e .

USER gyrus
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["gyrus", "serve", "--host", "0.0.0.0"]
