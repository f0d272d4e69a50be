-- Accord's two database roles and its schema, made once by a superuser (the `db` service
-- runs this on its first start, from 10-accord-roles.sh). psql variables: owner, app (role
-- names), schema, owner_password, app_password.
--   owner: owns the schema, its tables and their append-only triggers; runs migrations.
--   app:   what the API, the projector and the checkpoints run as: it reads and appends,
--          may not create or drop anything, and may not disable a trigger.
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';
CREATE SCHEMA :"schema" AUTHORIZATION :"owner";
-- Nobody else creates anything in the database's public schema either.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
