import { type Kysely, type Migration, sql } from 'kysely'
import type { Dialect } from '../database.js'

/**
 * An index for "name contains" searches (`q=` on `/v1/keys`, OData `contains(name, …)`),
 * which a B-tree cannot serve. SQLite: an FTS5 table with the `trigram` tokenizer over
 * `api_key.name` (external content: the table stores only the index; three triggers
 * keep it in step with every insert, rename and delete; `rebuild` fills it from the
 * existing rows). PostgreSQL: `pg_trgm` and a GIN index on `name`, serving `like` and `ilike` (pg_trgm is a
 * trusted extension since PostgreSQL 13, so the database owner may create it).
 * Both answer substrings of three characters or more; see `store/key-search.ts`.
 */
export function keySearch(dialect: Dialect): Migration {
  return dialect === 'postgres' ? postgres : sqlite
}

const sqlite: Migration = {
  async up(db: Kysely<any>) {
    await sql`create virtual table api_key_name_fts using fts5(name, content='api_key', content_rowid='id', tokenize='trigram')`.execute(
      db,
    )
    await sql`insert into api_key_name_fts(api_key_name_fts) values ('rebuild')`.execute(db)
    await sql`create trigger api_key_name_fts_insert after insert on api_key begin
      insert into api_key_name_fts(rowid, name) values (new.id, new.name); end`.execute(db)
    await sql`create trigger api_key_name_fts_delete after delete on api_key begin
      insert into api_key_name_fts(api_key_name_fts, rowid, name) values ('delete', old.id, old.name); end`.execute(db)
    await sql`create trigger api_key_name_fts_update after update of name on api_key begin
      insert into api_key_name_fts(api_key_name_fts, rowid, name) values ('delete', old.id, old.name);
      insert into api_key_name_fts(rowid, name) values (new.id, new.name); end`.execute(db)
  },
  async down(db: Kysely<any>) {
    for (const t of ['insert', 'delete', 'update'])
      await sql`drop trigger ${sql.id(`api_key_name_fts_${t}`)}`.execute(db)
    await sql`drop table api_key_name_fts`.execute(db)
  },
}

const postgres: Migration = {
  async up(db: Kysely<any>) {
    await sql`create extension if not exists pg_trgm`.execute(db)
    await sql`create index api_key_name_trgm_idx on api_key using gin (name gin_trgm_ops)`.execute(db)
  },
  async down(db: Kysely<any>) {
    await sql`drop index api_key_name_trgm_idx`.execute(db)
  },
}
