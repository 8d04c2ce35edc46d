// Placeholder entry: replaced by the real CLI (issue 3).
process.stderr.write('pgentra: not built yet\n');
process.exit(1);
