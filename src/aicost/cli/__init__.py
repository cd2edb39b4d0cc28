"""The command line: options, commands, the fast path and the entry point."""
