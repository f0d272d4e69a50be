# Accord's API for a production-like deployment (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY application ./application
COPY infrastructure ./infrastructure
COPY interfaces ./interfaces
RUN pip install --no-cache-dir . && useradd --system --home /app accord
USER accord

EXPOSE 8000
CMD ["accord", "serve", "--host", "0.0.0.0", "--port", "8000"]
