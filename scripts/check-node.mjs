// `npm test` runs this first: the tests need Node 22+ (better-sqlite3 13). npm puts node_modules/.bin first on PATH,
// where the `node` dev dependency installs Node 22, so this passes even on a machine whose system Node is older.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`ticketscope: tests need Node 22 or newer, this is ${process.version} (${process.execPath}); run npm install first`);
  process.exit(1);
}
console.log(`node ${process.version} (${process.execPath})`);
