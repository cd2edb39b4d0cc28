"""Codex CLI session logs (`~/.codex/sessions/**/rollout-*.jsonl`): one record per turn.

Counting (OpenAI's, as Codex logs it in `event_msg` lines of `payload.type` "token_count"):
- `payload.info.total_token_usage` is cumulative over the session; a turn is the difference from
  the previous token count in the file (`last_token_usage`, the turn's own figure, is used only
  when no cumulative one is logged, or when the cumulative one falls back, i.e. restarts).
  A repeated token count (same totals) adds nothing;
- `input_tokens` includes `cached_input_tokens` (cache reads); Codex logs no cache writes;
- `output_tokens` includes `reasoning_output_tokens` (kept as the informational reasoning count);
- the model is the latest `turn_context` line's `payload.model` (a token count that names its own
  model wins); a token count before any model is malformed rather than guessed (Codex logs
  before September 2025 lack `turn_context`);
- the service tier is not logged: standard.
Dimensions: `session` (`session_meta` id, else the file name) and `project` (the working
directory) where logged. A token count's key is its session and cumulative totals, so the same
session read twice (`sessions/` and `archived_sessions/`) counts once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from aicost.usage.readers._jsonl import bad_json, count, head_objects, moment, shown
from aicost.usage.record import Malformed, UsageRecord

NAME = "codex"
DESCRIBES = "Codex CLI session JSONL"
COUNTING = (
    "token counts are cumulative per session (turn = difference from the previous count); "
    "input_tokens includes cached_input_tokens (cache reads); output_tokens includes "
    "reasoning_output_tokens; model from the latest turn_context; no cache writes; standard tier"
)

_KINDS = {"session_meta", "turn_context", "event_msg", "response_item"}
_UNFINISHED = re.compile(rb'"type"\s*:\s*"(?:session_meta|turn_context|event_msg)"\s*,\s*"payload"')
_FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")

Counts = tuple[
    int, int, int, int
]  # input (incl. cached), cached, output (incl. reasoning), reasoning


def sniff(path: Path, head: bytes) -> bool:
    objects, rest = head_objects(head)
    for obj in objects:
        if obj.get("type") in _KINDS and isinstance(obj.get("payload"), dict):
            return True
    return not objects and rest.lstrip().startswith(b"{") and bool(_UNFINISHED.search(rest))


def read(path: Path) -> Iterator[UsageRecord | Malformed]:
    name = str(path)
    session = path.stem
    project: str | None = None
    provider: str | None = None
    model: str | None = None
    previous: Counts | None = None
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            if (
                b'"token_count"' not in line
                and b'"turn_context"' not in line
                and b'"session_meta"' not in line
            ):
                continue
            where = f"{name}:{number}"
            try:
                entry = json.loads(line)
            except (ValueError, RecursionError) as error:
                yield Malformed(where, bad_json(error))
                continue
            if type(entry) is not dict:
                continue
            kind = entry.get("type")
            payload = entry.get("payload")
            if type(payload) is not dict:
                continue
            if kind == "session_meta":
                session = _text(payload.get("id")) or session
                project = _text(payload.get("cwd")) or project
                provider = _text(payload.get("model_provider")) or provider
            elif kind == "turn_context":
                model = _text(payload.get("model")) or model
                project = _text(payload.get("cwd")) or project
            elif kind == "event_msg" and payload.get("type") == "token_count":
                info = payload.get("info")
                if info is None:  # a rate-limit snapshot before the first turn
                    continue
                try:
                    if type(info) is not dict:
                        raise ValueError(f"payload.info must be an object, not {shown(info)}")
                    total = _counts(info.get("total_token_usage"), "total_token_usage")
                    last = _counts(info.get("last_token_usage"), "last_token_usage")
                    turn = _turn(total, last, previous)
                    if total is not None:
                        previous = total
                    if turn is None or not any(turn):
                        continue
                    named = _text(info.get("model")) or _text(payload.get("model")) or model
                    if named is None:
                        raise ValueError(
                            "no model for this token count: no turn_context line names one "
                            "before it (Codex logs before September 2025 lack it)"
                        )
                    ts = moment(entry.get("timestamp"), "timestamp")
                except ValueError as error:
                    yield Malformed(where, str(error))
                    continue
                dims = [("session", session)]
                if project is not None:
                    dims.insert(0, ("project", project))
                key = None
                if total is not None:
                    key = f"codex:{session}:" + "/".join(map(str, total))
                yield UsageRecord(
                    ts=ts,
                    model=named,
                    provider=provider,
                    input_tokens=turn[0],
                    cache_read=turn[1],
                    output_tokens=turn[2],
                    reasoning_tokens=turn[3],
                    dims=tuple(dims),
                    where=where,
                    dedup_key=key,
                )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _counts(usage: object, what: str) -> Counts | None:
    if usage is None:
        return None
    if type(usage) is not dict:
        raise ValueError(f"payload.info.{what} must be an object, not {shown(usage)}")
    fresh, cached, output, reasoning = (
        count(usage.get(field), f"payload.info.{what}.{field}") for field in _FIELDS
    )
    if cached > fresh:
        raise ValueError(
            f"payload.info.{what}.cached_input_tokens {cached} exceeds input_tokens {fresh}, "
            "which include them"
        )
    return fresh, cached, output, reasoning


def _turn(total: Counts | None, last: Counts | None, previous: Counts | None) -> Counts | None:
    """One turn's counts: the step in the cumulative totals, else the turn's own figure."""
    if total is None:
        return last
    if previous is None:
        return total
    if any(now < before for now, before in zip(total, previous, strict=True)):
        return last if last is not None else total  # the totals restarted
    turn = (
        total[0] - previous[0],
        total[1] - previous[1],
        total[2] - previous[2],
        total[3] - previous[3],
    )
    if turn[1] > turn[0]:
        raise ValueError(
            f"cached input grew by {turn[1]} but input by only {turn[0]}, which includes it"
        )
    return turn
