# Volunteer Hub: one image for web, worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt .
COPY . .
RUN python manage.py compilemessages --ignore=.venv -v0 \
    && DEBUG=1 python manage.py collectstatic --noinput -v0
RUN useradd --create-home app && mkdir -p /app/var && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "volunteer_hub.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
