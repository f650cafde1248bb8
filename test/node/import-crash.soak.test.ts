export {};
// npm run soak: the import crash test with many more kills (TRICHAIN_IMPORT_KILLS, default 40).
process.env.TRICHAIN_IMPORT_KILLS ??= '40';
await import('./import-crash.test');
