#!/bin/sh
# Run by the postgres image on the database's first start (docker-entrypoint-initdb.d), as
# its superuser: Accord's roles and schema (roles.sql), passwords from the environment.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v owner=accord_owner -v app=accord_app -v schema=accord \
    -v owner_password="$ACCORD_OWNER_PASSWORD" -v app_password="$ACCORD_APP_PASSWORD" \
    -f /docker-entrypoint-initdb.d/roles.sql.in
