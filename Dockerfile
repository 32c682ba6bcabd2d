FROM python:3.11-slim
WORKDIR /srv/cspsim
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY scenarios ./scenarios
RUN pip install --no-cache-dir -e .
ENV CSPSIM_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
# DATABASE_URL=postgresql+asyncpg://user@host/db chooses PostgreSQL; without it, SQLite in /data.
CMD ["cspsim", "serve", "--host", "0.0.0.0", "--port", "8000"]
