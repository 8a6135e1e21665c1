import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasEndKeyword, lexSql, splitSql } from './sql-lex.ts';
import { StatementTemplateError, expandStatements, parseStatementElement, renderStatement, type SqlMode } from './statements.ts';

const PG: SqlMode = { dialect: 'postgres' };
const MY: SqlMode = { dialect: 'mysql' };

describe('statement lists', () => {
  it('splits on ; trimming and dropping empty pieces', () => {
    assert.deepEqual(parseStatementElement(` CREATE USER a ;; GRANT x TO a; `, 'mysql'), ['CREATE USER a', 'GRANT x TO a']);
  });

  it('does not split inside quotes, identifiers or comments', () => {
    assert.deepEqual(parseStatementElement(`CREATE ROLE "a;b" PASSWORD 'p;q'; -- x;y\nSELECT 1`, 'postgres'), [
      `CREATE ROLE "a;b" PASSWORD 'p;q'`,
      '-- x;y\nSELECT 1',
    ]);
    assert.deepEqual(parseStatementElement("CREATE USER `a;b`@'%'; SELECT 2", 'mysql'), ["CREATE USER `a;b`@'%'", 'SELECT 2']);
  });

  it('decodes a base64 element', () => {
    const sql = `CREATE ROLE "{{name}}"; GRANT r TO "{{name}}";`;
    assert.deepEqual(parseStatementElement(Buffer.from(sql).toString('base64'), 'postgres'), ['CREATE ROLE "{{name}}"', 'GRANT r TO "{{name}}"']);
  });

  it('does not take a plain word for base64 when it decodes to garbage', () => {
    assert.deepEqual(parseStatementElement('ROLLBACK', 'postgres'), ['ROLLBACK']);
  });

  it('reads a JSON string array element as the statements', () => {
    assert.deepEqual(parseStatementElement('["CREATE USER a; x", " ", "GRANT b"]', 'mysql'), ['CREATE USER a; x', 'GRANT b']);
  });

  it('runs a PostgreSQL element with END (DO block) whole', () => {
    const block = `DO $$ BEGIN IF NOT EXISTS (SELECT 1) THEN CREATE ROLE "{{name}}"; END IF; END $$;`;
    assert.deepEqual(parseStatementElement(block, 'postgres'), [block]);
    assert.equal(hasEndKeyword(`SELECT 'END'`), false);
    assert.equal(hasEndKeyword(`SELECT 1 -- END`), false);
    assert.equal(hasEndKeyword(`BEGIN ATOMIC SELECT 1; END`), true);
  });

  it('keeps dollar-quoted bodies whole when splitting', () => {
    assert.deepEqual(splitSql(`CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql; SELECT 2`, PG), [
      'CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql',
      'SELECT 2',
    ]);
  });

  it('expands a whole list in order', () => {
    assert.deepEqual(expandStatements(['A; B', 'C', ''], 'mysql'), ['A', 'B', 'C']);
  });
});

describe('lexSql', () => {
  it('tells strings, identifiers, comments and code apart', () => {
    const kinds = lexSql(`SELECT 'a''b', "c""d", E'x\\'y' /* c */ ;`, PG).map((t) => t.kind);
    assert.deepEqual(kinds, ['code', 'string', 'code', 'identifier', 'code', 'string', 'code', 'comment', 'code', 'semicolon']);
  });

  it('reads MySQL double quotes as strings unless ANSI_QUOTES', () => {
    assert.equal(lexSql(`"x"`, MY)[0].kind, 'string');
    assert.equal(lexSql(`"x"`, { ...MY, ansiQuotes: true })[0].kind, 'identifier');
    assert.equal(lexSql(`# c\nx`, MY)[0].kind, 'comment');
  });
});

describe('renderStatement', () => {
  const vars = { name: 'v-jwt-ci-abc', username: 'v-jwt-ci-abc', password: 'aB3-kLm9QzXw2pR7tYuV', expiration: '2025-06-10 08:15:05+0000' };

  it('substitutes plain values exactly as Vault does', () => {
    assert.equal(
      renderStatement(`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`, vars, PG),
      `CREATE ROLE "v-jwt-ci-abc" WITH LOGIN PASSWORD 'aB3-kLm9QzXw2pR7tYuV' VALID UNTIL '2025-06-10 08:15:05+0000';`,
    );
    assert.equal(
      renderStatement(`CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'`, vars, MY),
      `CREATE USER 'v-jwt-ci-abc'@'%' IDENTIFIED BY 'aB3-kLm9QzXw2pR7tYuV'`,
    );
  });

  it('leaves unknown placeholders and absent variables alone; never re-templates a value', () => {
    assert.equal(renderStatement(`'{{other}}' '{{password}}'`, { name: 'x' }, PG), `'{{other}}' '{{password}}'`);
    assert.equal(renderStatement(`"{{name}}" '{{password}}'`, { name: '{{password}}', password: 'p' }, PG), `"{{password}}" 'p'`);
  });

  it('keeps hostile names inside their quotes (PostgreSQL)', () => {
    const evil = { name: `x" SUPERUSER; DROP ROLE postgres; --`, password: `p' SUPERUSER --` };
    const out = renderStatement(`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}'`, evil, PG);
    assert.equal(out, `CREATE ROLE "x"" SUPERUSER; DROP ROLE postgres; --" WITH LOGIN PASSWORD 'p'' SUPERUSER --'`);
    // Re-lexing the result finds exactly one identifier and one string: nothing broke out.
    const kinds = lexSql(out, PG).map((t) => t.kind);
    assert.deepEqual(kinds, ['code', 'identifier', 'code', 'string']);
  });

  it('doubles backslashes where the server reads them as escapes', () => {
    assert.equal(renderStatement(`E'{{password}}'`, { password: `a\\' OR 1=1` }, PG), `E'a\\\\'' OR 1=1'`);
    assert.equal(renderStatement(`'{{password}}'`, { password: `a\\` }, PG), `'a\\'`);
    assert.equal(renderStatement(`'{{password}}'`, { password: `a\\` }, { dialect: 'postgres', standardConformingStrings: false }), `'a\\\\'`);
    assert.equal(renderStatement(`'{{password}}'`, { password: `a\\'` }, MY), `'a\\\\'''`);
    assert.equal(renderStatement(`'{{password}}'`, { password: `a\\'` }, { ...MY, backslashEscapes: false }), `'a\\'''`);
  });

  it('keeps hostile names inside their quotes (MySQL)', () => {
    const evil = { name: `x'@'%'; DROP USER root; -- `, password: `p\\'; GRANT ALL --` };
    const out = renderStatement(`CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'`, evil, MY);
    const kinds = lexSql(out, MY).map((t) => t.kind);
    assert.deepEqual(kinds, ['code', 'string', 'code', 'string', 'code', 'string']);
    assert.equal(renderStatement('GRANT SELECT ON db.* TO `{{name}}`', { name: 'a`b' }, MY), 'GRANT SELECT ON db.* TO `a``b`');
    assert.equal(renderStatement(`"{{name}}"`, { name: 'a"b\\' }, MY), `"a""b\\\\"`);
  });

  it('refuses values that cannot be placed safely', () => {
    const refuses = (sql: string, v: Record<string, string>, mode: SqlMode = PG) =>
      assert.throws(() => renderStatement(sql, v, mode), (e: unknown) => e instanceof StatementTemplateError && !e.message.includes('SECRET'));
    refuses(`CREATE ROLE {{name}}`, { name: 'a-b' });
    refuses(`CREATE USER x IDENTIFIED BY {{password}}`, { password: 'SECRET-1' }, MY);
    refuses(`SELECT 1 -- {{name}}`, { name: 'a\nDROP' });
    refuses(`'{{password}}'`, { password: 'SECRET\0' });
    refuses(`DO $$ BEGIN EXECUTE 'CREATE ROLE "{{name}}"'; END $$`, { name: 'a$$; DROP' });
    // Safe bare values pass.
    assert.equal(renderStatement(`CREATE ROLE {{name}}`, { name: 'v_abc' }, PG), 'CREATE ROLE v_abc');
  });

  it('templates inside dollar-quoted bodies with the inner quoting', () => {
    const out = renderStatement(`DO $$ BEGIN CREATE ROLE "{{name}}" PASSWORD '{{password}}'; END $$`, { name: 'a"b', password: "p'q" }, PG);
    assert.equal(out, `DO $$ BEGIN CREATE ROLE "a""b" PASSWORD 'p''q'; END $$`);
  });
});
