SET LOCAL search_path TO "tenant_acme_corp";
CREATE TABLE notes (id int PRIMARY KEY);
;
ALTER TABLE notes ADD COLUMN title text -- ends in a comment
;
CREATE TABLE quoted (v text DEFAULT 'a''b');
;
INSERT INTO "tenancy".tenant_migrations (tenant_id, module, version, name, checksum) VALUES ('7d1e4a3c-0000-4000-8000-000000000001'::uuid, 'notes', 1, '0001_notes.sql', 'cab0374263c51c0eb44242c4c91d800bf8dc90b70c39ce9f888fe0adbb1b2db1'), ('7d1e4a3c-0000-4000-8000-000000000001'::uuid, 'notes', 2, '0002_title.sql', 'e460fb5af181a4d294e89cac85879c7b7f55e5508c7a481228ebf32d09d59784'), ('7d1e4a3c-0000-4000-8000-000000000001'::uuid, 'it''s', 1, '0001_quote.sql', '37e8dcc2ce870c903df0b554a3e084dde9817504277a9b4cccb97717e8ec0404');
