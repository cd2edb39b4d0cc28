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

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

from aicost.model.limits import TOKENS
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
_SCAN = json.JSONDecoder().raw_decode  # on str: no encoding detection per line
_FROMISO = dt.datetime.fromisoformat
_MAX = int(TOKENS.high)
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
    scan = _SCAN
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            # byte tests before any parsing: most lines are user turns and tool results
            if b'"assistant"' not in line or b'"<synthetic>"' in line:
                continue
            try:
                text = line.decode()
                if text[:1] == "{":
                    entry, end = scan(text)
                else:
                    entry, end = scan(text, len(text) - len(text.lstrip()))
                if end != len(text) and text[end:].strip():
                    raise ValueError("extra data")
            except (ValueError, RecursionError) as error:
                yield Malformed(f"{name}:{number}", bad_json(error))
                continue
            if type(entry) is not dict or entry.get("type") != "assistant":
                continue
            session = entry.get("sessionId")
            if type(session) is not str or not session:
                session = path.stem
            shared = dims.get(session)
            if shared is None:
                shared = dims[session] = (("project", project), ("session", session))
            where = f"{name}:{number}"
            try:
                record = _quick(entry, where, shared) or _record(entry, where, shared)
            except ValueError as error:
                yield Malformed(where, str(error))
                continue
            if record is not None:
                yield record


def _quick(
    entry: dict[str, object], where: str, dims: tuple[tuple[str, str], ...]
) -> UsageRecord | None:
    """The usual reply, read with the fewest steps; None when anything is unusual.

    Every test here is one `_record` makes; what this does not handle (a missing count, a split
    that does not add up, a timestamp with an offset, a synthetic reply) `_record` reads, or
    names what is wrong.
    """
    message = entry.get("message")
    if type(message) is not dict:
        return None
    usage = message.get("usage")
    model = message.get("model")
    if type(usage) is not dict or type(model) is not str or not model or model == _SYNTHETIC:
        return None
    stamp = entry.get("timestamp")
    if type(stamp) is not str or stamp[-1:] != "Z" or not "1970" <= stamp[:4] <= "2999":
        return None
    fresh = usage.get("input_tokens")
    written = usage.get("cache_creation_input_tokens")
    cached = usage.get("cache_read_input_tokens")
    output = usage.get("output_tokens")
    if (
        type(fresh) is not int
        or type(written) is not int
        or type(cached) is not int
        or type(output) is not int
        or not (0 <= fresh <= _MAX and 0 <= written <= _MAX)
        or not (0 <= cached <= _MAX and 0 <= output <= _MAX)
    ):
        return None
    split = usage.get("cache_creation")
    five, hour = written, 0
    if type(split) is dict:
        five_m = split.get("ephemeral_5m_input_tokens")
        one_h = split.get("ephemeral_1h_input_tokens")
        if type(five_m) is not int or type(one_h) is not int or five_m < 0 or one_h < 0:
            return None
        if five_m + one_h == written:
            five, hour = five_m, one_h
        elif five_m or one_h:
            return None  # `_record` says the split does not add up
    elif split is not None:
        return None
    tier = usage.get("service_tier")
    if tier is None or tier == STANDARD:
        tier = STANDARD
    elif type(tier) is not str or not tier:
        return None
    try:
        ts = _FROMISO(stamp[:-1])
    except ValueError:
        return None
    if ts.tzinfo is not None:
        return None
    message_id = message.get("id")
    key: str | None = None
    if type(message_id) is str and message_id:
        request_id = entry.get("requestId")
        key = f"{message_id}:{request_id}" if type(request_id) is str and request_id else message_id
    prompt = fresh + written + cached
    return UsageRecord(
        ts,
        model,
        None,
        1,
        prompt,
        cached,
        five,
        hour,
        output,
        0,
        tier,
        0,
        dims,
        None,
        None,
        where,
        key,
        (
            0 if entry.get("isSidechain") is True else 1,
            prompt + output,
            1 if "speed" in usage else 0,
        ),
    )


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
