"""The team store's tables, roles and migrations (PostgreSQL 15+).

Everything lives in the schema ``monitor`` of one database:

* ``schema_version`` — one row per migration applied (the store's version is the largest);
* ``store`` — one row: the store's id, who created it from which file, and the scenario's
  base content (the canonical scenario file, zstd-compressed, stored uncompressed by
  TOAST: one value read in one piece);
* ``changes`` — the append-only change log, one row per change, keyed by the change's id
  (a UUID; a re-send is ``INSERT … ON CONFLICT (id) DO NOTHING``). The server fills in,
  whatever the client sends (trigger ``changes_stamp``):

  - ``seq``: a number in **commit order**. The trigger takes a transaction-level advisory
    lock before it draws the number, and the lock is held until the transaction ends, so
    a number is only drawn once every transaction holding a smaller one has committed or
    aborted: a reader that saw ``seq = n`` has seen every committed ``seq < n`` (a plain
    ``bigserial`` does not promise that). Numbers may have gaps (aborted inserts, re-sends);
  - ``author``: the login role (``session_user``): nobody records a change in another's name;
  - ``recorded``: the server's clock, never going back (greater than the last one);
  - ``concurrent``: true when the change was made on an outdated view of its entity: other
    sessions changed the same entity after the last change its author had seen
    (``based_on``); for a row without ``based_on`` (written by hand), when its ``before``
    differs from the last ``after`` logged for that entity.

* ``snapshots`` (version 2) — the derived scenario after every change up to ``seq``,
  written by admins (``monitor store snapshot``): an app opens the latest snapshot and
  applies only the changes after it.

  A statement-level trigger sends ``NOTIFY monitor_changes, '<largest new seq>'`` (only a
  number: the listeners read the rows themselves, by sequence). Triggers refuse UPDATE,
  DELETE and TRUNCATE on the log and on the base (even by the owner), and the privileges
  grant none of them to anyone.

Roles (group roles, cluster-wide; a person logs in with a role of their own that is a
member of one of them): ``monitor_reader`` (SELECT), ``monitor_analyst`` (reader + INSERT of
the client's columns of ``changes``), ``monitor_admin`` (analyst + may grant the reader and
analyst roles to others).
"""

from __future__ import annotations

from typing import Any

SCHEMA = "monitor"
CHANNEL = "monitor_changes"
READER, ANALYST, ADMIN = "monitor_reader", "monitor_analyst", "monitor_admin"
ROLES = {"reader": READER, "analyst": ANALYST, "admin": ADMIN}
#: The advisory-lock keys (arbitrary constants): the log's commit order and migrations.
SEQ_LOCK = 7_150_342_915
MIGRATION_LOCK = 7_150_342_916

_V1 = f"""
CREATE TABLE {SCHEMA}.store (
    id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    store_id uuid NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT session_user,
    source_name text NOT NULL DEFAULT '',
    encoding text NOT NULL CHECK (encoding IN ('zstd', 'zlib', 'identity')),
    base bytea NOT NULL,
    base_size bigint NOT NULL,
    base_sha256 text NOT NULL
);
ALTER TABLE {SCHEMA}.store ALTER COLUMN base SET STORAGE EXTERNAL;

CREATE SEQUENCE {SCHEMA}.change_seq;

CREATE TABLE {SCHEMA}.changes (
    seq bigint NOT NULL UNIQUE,
    id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 1000),
    author text NOT NULL,
    recorded timestamptz NOT NULL,
    made text NOT NULL DEFAULT '',
    entity text NOT NULL,
    key text NOT NULL,
    body json NOT NULL,
    based_on bigint,
    origin text,
    concurrent boolean NOT NULL DEFAULT false
);
CREATE INDEX changes_entity_key ON {SCHEMA}.changes (entity, key, seq);
CREATE INDEX changes_recorded ON {SCHEMA}.changes (recorded);
COMMENT ON COLUMN {SCHEMA}.changes.made IS 'when the author''s app made the change (its clock)';
COMMENT ON COLUMN {SCHEMA}.changes.body IS 'before, after, label, reverts, place';
COMMENT ON COLUMN {SCHEMA}.changes.based_on IS 'the last seq the author''s app had seen';
COMMENT ON COLUMN {SCHEMA}.changes.origin IS 'the app session that made it';

CREATE FUNCTION {SCHEMA}.changes_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    last_recorded timestamptz;
    latest json;
BEGIN
    -- Held until the transaction ends: numbers are drawn in commit order.
    PERFORM pg_advisory_xact_lock({SEQ_LOCK});
    NEW.seq := nextval('{SCHEMA}.change_seq');
    NEW.author := session_user;
    SELECT max(c.recorded) INTO last_recorded FROM {SCHEMA}.changes c;
    NEW.recorded := greatest(clock_timestamp(), last_recorded + interval '1 microsecond');
    NEW.concurrent := false;
    IF NEW.based_on IS NOT NULL THEN
        NEW.concurrent := EXISTS (
            SELECT 1 FROM {SCHEMA}.changes c
            WHERE c.entity = NEW.entity AND c.key = NEW.key AND c.seq > NEW.based_on
              AND c.origin IS DISTINCT FROM NEW.origin);
    ELSIF NEW.entity <> 'status' THEN
        SELECT c.body -> 'after' INTO latest FROM {SCHEMA}.changes c
        WHERE c.entity = NEW.entity AND c.key = NEW.key ORDER BY c.seq DESC LIMIT 1;
        IF FOUND THEN
            BEGIN
                NEW.concurrent := latest::jsonb IS DISTINCT FROM (NEW.body -> 'before')::jsonb;
            EXCEPTION WHEN others THEN
                NEW.concurrent := latest::text IS DISTINCT FROM (NEW.body -> 'before')::text;
            END;
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER changes_stamp BEFORE INSERT ON {SCHEMA}.changes
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.changes_stamp();

CREATE FUNCTION {SCHEMA}.changes_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE top bigint;
BEGIN
    SELECT max(seq) INTO top FROM new_rows;
    IF top IS NOT NULL THEN
        PERFORM pg_notify('{CHANNEL}', top::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER changes_notify AFTER INSERT ON {SCHEMA}.changes
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.changes_notify();

CREATE FUNCTION {SCHEMA}.refuse_rewrite() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'the team store''s % table is append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER changes_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.changes
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.refuse_rewrite();
CREATE TRIGGER changes_no_truncate BEFORE TRUNCATE ON {SCHEMA}.changes
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.refuse_rewrite();
CREATE TRIGGER store_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.store
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.refuse_rewrite();
CREATE TRIGGER store_no_truncate BEFORE TRUNCATE ON {SCHEMA}.store
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.refuse_rewrite();
CREATE TRIGGER version_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.schema_version
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.refuse_rewrite();
CREATE TRIGGER version_no_truncate BEFORE TRUNCATE ON {SCHEMA}.schema_version
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.refuse_rewrite();

REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {SCHEMA} FROM PUBLIC;
REVOKE ALL ON FUNCTION {SCHEMA}.changes_stamp() FROM PUBLIC;
GRANT USAGE ON SCHEMA {SCHEMA} TO {READER};
GRANT SELECT ON {SCHEMA}.schema_version, {SCHEMA}.store, {SCHEMA}.changes TO {READER};
GRANT INSERT (id, made, entity, key, body, based_on, origin) ON {SCHEMA}.changes TO {ANALYST};
DO $$ BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO {READER}', current_database());
EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
    RAISE NOTICE 'CONNECT left as it is (%)', SQLERRM;
END $$;
"""

# Version 2: snapshots of the derived state, so that opening a store with a long log reads
# the latest snapshot and only the changes after it. Written by admins only (a snapshot is
# trusted by every app: an analyst could otherwise plant a state no change explains).
_V2 = f"""
CREATE TABLE {SCHEMA}.snapshots (
    seq bigint PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT session_user,
    encoding text NOT NULL CHECK (encoding IN ('zstd', 'zlib', 'identity')),
    content bytea NOT NULL,
    size bigint NOT NULL,
    sha256 text NOT NULL
);
ALTER TABLE {SCHEMA}.snapshots ALTER COLUMN content SET STORAGE EXTERNAL;
COMMENT ON TABLE {SCHEMA}.snapshots IS
    'the scenario derived from the base and every change with a seq up to this one';

CREATE FUNCTION {SCHEMA}.snapshots_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.created := now();
    NEW.created_by := session_user;
    IF NEW.seq > (SELECT coalesce(max(c.seq), 0) FROM {SCHEMA}.changes c) THEN
        RAISE EXCEPTION 'a snapshot cannot be ahead of the log (seq %)', NEW.seq;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER snapshots_stamp BEFORE INSERT ON {SCHEMA}.snapshots
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.snapshots_stamp();
CREATE TRIGGER snapshots_append_only BEFORE UPDATE OR DELETE ON {SCHEMA}.snapshots
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.refuse_rewrite();
CREATE TRIGGER snapshots_no_truncate BEFORE TRUNCATE ON {SCHEMA}.snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.refuse_rewrite();
REVOKE ALL ON {SCHEMA}.snapshots FROM PUBLIC;
REVOKE ALL ON FUNCTION {SCHEMA}.snapshots_stamp() FROM PUBLIC;
GRANT SELECT ON {SCHEMA}.snapshots TO {READER};
GRANT INSERT (seq, encoding, content, size, sha256) ON {SCHEMA}.snapshots TO {ADMIN};
"""

#: (version, SQL) in order; a store is migrated by applying those above its version.
MIGRATIONS: list[tuple[int, str]] = [(1, _V1), (2, _V2)]
VERSION = MIGRATIONS[-1][0]


def _role_sql(role: str) -> str:
    return f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
        CREATE ROLE {role} NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$"""


_MEMBERSHIPS = f"""
DO $$ BEGIN
    GRANT {READER} TO {ANALYST};
    GRANT {ANALYST} TO {ADMIN};
    GRANT {READER}, {ANALYST} TO {ADMIN} WITH ADMIN OPTION;
EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
    RAISE NOTICE 'role memberships left as they are (%)', SQLERRM;
END $$"""


def ensure_roles(conn: Any) -> None:
    """Create the three group roles if missing (needs CREATEROLE; they are shared by every
    store of the cluster) and their memberships (admin ⊃ analyst ⊃ reader)."""
    for role in (READER, ANALYST, ADMIN):
        conn.execute(_role_sql(role))
    conn.execute(_MEMBERSHIPS)


def installed_version(conn: Any) -> int:
    """The store's schema version in this database (0: no store)."""
    row = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.schema_version",)
    ).fetchone()
    if not row or not row[0]:
        return 0
    row = conn.execute(f"SELECT coalesce(max(version), 0) FROM {SCHEMA}.schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: Any, target: int = VERSION) -> tuple[int, int]:
    """Bring the schema to ``target`` (default :data:`VERSION`) in one transaction (the
    caller commits). Returns (version before, version after). Refuses a store newer than
    this program."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
    before = installed_version(conn)
    if before > VERSION:
        raise ValueError(
            f"the store has schema version {before}; this program knows up to {VERSION}: "
            "update the program"
        )
    if before == 0:
        ensure_roles(conn)
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(
            f"""CREATE TABLE {SCHEMA}.schema_version (
                version integer PRIMARY KEY,
                applied timestamptz NOT NULL DEFAULT now(),
                applied_by text NOT NULL DEFAULT session_user)"""
        )
    for version, sql in MIGRATIONS:
        if before < version <= target:
            conn.execute(sql)
            conn.execute(f"INSERT INTO {SCHEMA}.schema_version (version) VALUES (%s)", (version,))
    return before, max(before, target)


__all__ = [
    "ADMIN",
    "ANALYST",
    "CHANNEL",
    "MIGRATIONS",
    "READER",
    "ROLES",
    "SCHEMA",
    "VERSION",
    "ensure_roles",
    "installed_version",
    "migrate",
]
