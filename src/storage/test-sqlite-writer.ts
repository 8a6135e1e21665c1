/**
 * Test helper, run as a child process by sqlite.test.ts: opens the SQLite store at argv[2] and,
 * for every IPC message, writes the next counter value to key `k` and replies with it once the
 * write is durable.
 */
import { openSqlite } from './sqlite.ts';

const db = openSqlite(process.argv[2] ?? '');
let n = 0;
process.on('message', () => {
  n++;
  const value = n;
  db.put('k', new TextEncoder().encode(String(value))).then(
    () => process.send?.(value),
    () => process.exit(1),
  );
});
process.on('disconnect', () => {
  void db.close().then(() => process.exit(0));
});
