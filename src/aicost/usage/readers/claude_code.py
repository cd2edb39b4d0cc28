"""Claude Code session logs (`~/.claude/projects/<project>/<session>.jsonl`): one record per reply.

Counting (Anthropic's, as Claude Code logs each reply's `message.usage`):
- `input_tokens` is only the fresh, uncached remainder; `cache_read_input_tokens` and
  `cache_creation_input_tokens` come on top of it, so the whole prompt is their sum;
- `cache_creation.{ephemeral_5m_input_tokens, ephemeral_1h_input_tokens}` split the writes by
  lifetime when present; without the split (older logs) every write is a 5-minute write;
- `output_tokens` includes extended thinking (there is no separate thinking count);
- `service_tier` ("standard", "priority", "batch") where logged, else standard.
Only `"type":"assistant"` lines carry usage; `<synthetic>` replies (Claude Code's own error
notes) cost nothing and are skipped. Claude Code writes one reply on several lines (streaming
snapshots, resumed and forked sessions): records with the same `message.id` + `requestId` are one
request, and the one kept is ccusage 20's choice: the main chain before a sidechain copy, then the
one with the most tokens, then the one that logs a `speed`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from aicost.usage.readers._jsonl import bad_json, count, head_objects, moment, shown
from aicost.usage.record import STANDARD, Malformed, UsageRecord

NAME = "claude-code"
DESCRIBES = "Claude Code session JSONL"
COUNTING = (
    "input_tokens excludes cache: whole prompt = input_tokens + cache_creation_input_tokens + "
    "cache_read_input_tokens; cache writes are split 5m/1h by message.usage.cache_creation "
    "(all 5-minute without it); output_tokens includes thinking; duplicates share message.id + "
    "requestId (kept: non-sidechain, then most tokens)"
)

_SYNTHETIC = "<synthetic>"
_ENTRY_TYPES = {"user", "assistant", "system", "summary"}
# An unfinished first line (a long message) can still show that it is a Claude Code entry.
_UNFINISHED = re.compile(rb'"(?:parentUuid|sessionId)"\s*:.*"(?:sessionId|uuid)"\s*:', re.DOTALL)


def sniff(path: Path, head: bytes) -> bool:
    objects, rest = head_objects(head)
    for obj in objects:
        kind = obj.get("type")
        if kind == "summary" and "leafUuid" in obj:
            return True
        if kind in _ENTRY_TYPES and "sessionId" in obj and ("message" in obj or "uuid" in obj):
            return True
    return not objects and rest.lstrip().startswith(b"{") and bool(_UNFINISHED.search(rest))


def project_of(path: Path) -> str:
    """The project directory's name (`projects/<project>/...`), else the file's directory name."""
    parts = path.parts
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "projects":
            return parts[index + 1]
    return path.parent.name


def read(path: Path) -> Iterator[UsageRecord | Malformed]:
    name = str(path)
    project = project_of(path)
    dims: dict[object, tuple[tuple[str, str], ...]] = {}  # one tuple per session, shared
    scan = json.JSONDecoder().raw_decode  # on str: no encoding detection per line
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            # byte tests before any parsing: most lines are user turns and tool results
            if b'"assistant"' not in line or b'"<synthetic>"' in line:
                continue
            try:
                text = line.decode()
                start = len(text) - len(text.lstrip())
                entry, end = scan(text, start)
                if text[end:].strip():
                    raise ValueError("extra data")
            except (ValueError, RecursionError) as error:
                yield Malformed(f"{name}:{number}", bad_json(error))
                continue
            if type(entry) is not dict or entry.get("type") != "assistant":
                continue
            session = entry.get("sessionId")
            if not isinstance(session, str) or not session:
                session = path.stem
            shared = dims.get(session)
            if shared is None:
                shared = dims[session] = (("project", project), ("session", session))
            try:
                record = _record(entry, f"{name}:{number}", shared)
            except ValueError as error:
                yield Malformed(f"{name}:{number}", str(error))
                continue
            if record is not None:
                yield record


def _record(
    entry: dict[str, object], where: str, dims: tuple[tuple[str, str], ...]
) -> UsageRecord | None:
    message = entry.get("message")
    if type(message) is not dict:
        raise ValueError(f"an assistant line needs a message object, not {shown(message)}")
    model = message.get("model")
    if model == _SYNTHETIC:
        return None
    if not isinstance(model, str) or not model:
        raise ValueError(f"message.model must be a model name, not {shown(model)}")
    usage = message.get("usage")
    if type(usage) is not dict:
        raise ValueError(f"message.usage must be an object, not {shown(usage)}")
    ts = moment(entry.get("timestamp"), "timestamp")
    fresh = count(usage.get("input_tokens"), "message.usage.input_tokens")
    written = count(
        usage.get("cache_creation_input_tokens"), "message.usage.cache_creation_input_tokens"
    )
    cached = count(usage.get("cache_read_input_tokens"), "message.usage.cache_read_input_tokens")
    output = count(usage.get("output_tokens"), "message.usage.output_tokens")
    write_5m, write_1h = _split(usage.get("cache_creation"), written)
    tier = usage.get("service_tier")
    if tier is None:
        tier = STANDARD
    elif not isinstance(tier, str) or not tier:
        raise ValueError(f"message.usage.service_tier must be a name, not {shown(tier)}")
    message_id = message.get("id")
    request_id = entry.get("requestId")
    key: str | None = None
    if isinstance(message_id, str) and message_id:
        key = (
            f"{message_id}:{request_id}"
            if isinstance(request_id, str) and request_id
            else message_id
        )
    total = fresh + written + cached + output
    return UsageRecord(
        ts=ts,
        model=model,
        input_tokens=fresh + written + cached,
        cache_read=cached,
        cache_write_5m=write_5m,
        cache_write_1h=write_1h,
        output_tokens=output,
        service_tier=tier,
        dims=dims,
        where=where,
        dedup_key=key,
        dedup_rank=(0 if entry.get("isSidechain") is True else 1, total, int("speed" in usage)),
    )


def _split(split: object, written: int) -> tuple[int, int]:
    """Cache writes by lifetime: (5-minute, 1-hour)."""
    if split is None:
        return written, 0
    if type(split) is not dict:
        raise ValueError(f"message.usage.cache_creation must be an object, not {shown(split)}")
    five = count(split.get("ephemeral_5m_input_tokens"), "cache_creation.ephemeral_5m_input_tokens")
    hour = count(split.get("ephemeral_1h_input_tokens"), "cache_creation.ephemeral_1h_input_tokens")
    if five + hour == written:
        return five, hour
    if five == hour == 0:  # an empty split says nothing: the writes are 5-minute ones
        return written, 0
    raise ValueError(
        f"cache writes split as 5m {five} + 1h {hour} do not add up to "
        f"cache_creation_input_tokens {written}"
    )
