"""One module per usage-log format, each with the same small interface.

A reader module defines:
- `NAME` (the `--from` value) and `DESCRIBES` (a few words for messages: "Claude Code session JSONL");
- `COUNTING`: the source's counting rules, stated once (what its input and output counts include);
- `sniff(path: Path, head: bytes) -> bool`: True when the start of a file (up to 64 KiB) is this
  format; detection is by content, never by file name alone;
- `read(path: Path) -> Iterator[UsageRecord | Malformed]`: stream the file (never read a large
  file into one string); a line it cannot read is a `Malformed`, not an exception.
A reader that needs options (the generic mapping) takes them as keyword arguments of `read`.
"""

from __future__ import annotations

# --from name -> module; detection tries them in this order (the most specific first)
READERS: dict[str, str] = {
    "claude-code": "aicost.usage.readers.claude_code",
    "codex": "aicost.usage.readers.codex",
    "otlp": "aicost.usage.readers.otlp",
    "openai-usage": "aicost.usage.readers.openai_usage",
    "anthropic-usage": "aicost.usage.readers.anthropic_usage",
    "litellm": "aicost.usage.readers.litellm",
    "llm-db": "aicost.usage.readers.llm_db",
    "csv": "aicost.usage.readers.generic",
    "jsonl": "aicost.usage.readers.generic",
}
