-- The tenant registry. Applied with the registry schema first on the search
-- path, so names here are unqualified.

CREATE TABLE tenants (
    id               uuid PRIMARY KEY,
    slug             text NOT NULL CONSTRAINT tenants_slug_key UNIQUE,
    name             text NOT NULL,
    schema_name      text NOT NULL CONSTRAINT tenants_schema_name_key UNIQUE,
    status           text NOT NULL CHECK (status IN ('active', 'provisioned', 'suspended', 'deleted')),
    settings         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
    version          bigint NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    provisioned_at   timestamptz,
    deleted_at       timestamptz,
    deprovisioned_at timestamptz
);

-- Keyset pagination walks (created_at, id), with or without a status filter.
CREATE INDEX tenants_created_idx ON tenants (created_at, id);
CREATE INDEX tenants_status_created_idx ON tenants (status, created_at, id);

-- Every lifecycle change: the audit trail and the outbox for events.
CREATE TABLE tenant_events (
    id          bigserial PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    action      text NOT NULL,
    from_status text,
    to_status   text NOT NULL,
    actor       text NOT NULL,
    at          timestamptz NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX tenant_events_tenant_idx ON tenant_events (tenant_id, id DESC);

CREATE FUNCTION tenant_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tenant_events is append-only';
END
$$;

CREATE TRIGGER tenant_events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON tenant_events
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_events_append_only();

-- Which migration of which module is applied in which tenant schema. One
-- ledger here makes "which tenants are behind" a single query.
CREATE TABLE tenant_migrations (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    module     text NOT NULL,
    version    bigint NOT NULL,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, module, version)
);
