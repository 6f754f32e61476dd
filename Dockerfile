# The registry's production image: the Python application, with the design system and htmx
# assets installed from the npm registry at build time (they are never committed).
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json* ./
RUN if [ -f package.json ]; then npm ci --omit=dev --no-audit --no-fund || npm install --omit=dev --no-audit --no-fund; fi

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 REGISTRY_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md piccolo_conf.py ./
COPY registry ./registry
COPY search ./search
COPY seeds ./seeds
COPY templates ./templates
# Installed in place: templates/, seeds/ and node_modules/ are found beside the package.
RUN pip install --no-cache-dir -e . && useradd --system --home /app registry \
    && mkdir -p /data && chown registry /data
COPY --from=assets /build/node_modules ./node_modules
USER registry
EXPOSE 8000
CMD ["registry", "serve", "--host", "0.0.0.0", "--port", "8000"]
