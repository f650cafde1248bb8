export {};
// npm run soak: the crash test with many more kills (TRICHAIN_CRASH_KILLS, default 100).
process.env.TRICHAIN_CRASH_KILLS ??= '100';
await import('./node.crash.test');
