# The production image: gunicorn, Celery worker and beat all run from it (see docker-compose.yml).

# Front-end packages from the npm lock file; only node_modules is carried over.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Run from /app, not from the installed copy, so BASE_DIR finds templates/, static/ and node_modules/.
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=crm.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 crm

COPY . .
COPY --from=assets /app/node_modules ./node_modules
RUN pip install . \
    && SECRET_KEY=collectstatic DATABASE_URL=postgres://build@localhost/build \
       CELERY_BROKER_URL=redis://localhost:6379/0 python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p .data \
    && chown crm:crm .data

USER crm
EXPOSE 8000
CMD ["gunicorn", "crm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
