FROM python:3.11-slim
WORKDIR /srv/cspsim
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY scenarios ./scenarios
RUN pip install --no-cache-dir -e . && useradd --create-home --uid 10001 cspsim && mkdir /data && chown cspsim /data
USER cspsim
ENV CSPSIM_DATA_DIR=/data \
    CSPSIM_WORKERS=2
VOLUME /data
EXPOSE 8000
# DATABASE_URL=postgresql+asyncpg://user@host/db chooses PostgreSQL; without it, SQLite in /data.
# CSPSIM_WORKERS sets the worker processes; several containers may serve one PostgreSQL database side by side
# (every shared count, answer, timer and delivery lives in the database).
CMD ["cspsim", "serve", "--host", "0.0.0.0", "--port", "8000"]
