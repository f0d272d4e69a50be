# Accord's API for a production-like deployment (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY application ./application
COPY infrastructure ./infrastructure
COPY interfaces ./interfaces
# A fixed uid, so that a secret file on the host can be given to it (README, Docker Compose);
# /checkpoints is where the checkpoint service writes (a volume takes its owner from here).
RUN pip install --no-cache-dir . && useradd --system --uid 10001 --home /app accord \
    && mkdir /checkpoints && chown accord /checkpoints
USER accord

EXPOSE 8000
CMD ["accord", "serve", "--host", "0.0.0.0", "--port", "8000"]
