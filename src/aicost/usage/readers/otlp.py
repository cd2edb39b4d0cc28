"""OpenTelemetry GenAI spans in OTLP/JSON: one record per model-call span with `gen_ai.usage.*`.

Counting (the GenAI semantic conventions' SHOULDs, which instrumentations are asked to follow):
- `gen_ai.usage.input_tokens` includes cached tokens: `gen_ai.usage.cache_read.input_tokens` and
  `gen_ai.usage.cache_creation.input_tokens` are parts of it (cache writes are taken as 5-minute
  ones: the conventions have no lifetime). A span whose parts exceed its input does not follow
  the convention and is malformed rather than guessed at;
- `gen_ai.usage.output_tokens` includes `gen_ai.usage.reasoning.output_tokens` (informational);
- the deprecated `gen_ai.usage.prompt_tokens` / `completion_tokens` stand in when the new names
  are absent;
- the model is `gen_ai.response.model`, else `gen_ai.request.model`; the provider
  `gen_ai.provider.name`, else the deprecated `gen_ai.system`; the time the span's
  `startTimeUnixNano`; the tier `openai.response.service_tier` ("default" is standard);
- agent and tool spans (`gen_ai.operation.name` invoke_agent, create_agent, execute_tool) are not
  counted: their usage sums the model calls beneath them, which are counted themselves.
A span exported twice (same traceId + spanId) is one request. Dimensions: `service`
(`service.name`) and `session` (`gen_ai.conversation.id`) where present.
A file is one OTLP/JSON document, or one document per line (the OTel file exporter); lines are
streamed, a single multi-line document is read whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from aicost.usage.readers._jsonl import BAD_JSON, bad_json, count_text, shown, unix_nanos
from aicost.usage.record import STANDARD, Malformed, UsageRecord

NAME = "otlp"
DESCRIBES = "OpenTelemetry GenAI spans (OTLP/JSON)"
COUNTING = (
    "gen_ai.usage.input_tokens includes cache_read.input_tokens and cache_creation.input_tokens; "
    "gen_ai.usage.output_tokens includes reasoning.output_tokens; model = response.model, else "
    "request.model; agent and tool spans are not counted (their model calls are)"
)

_START = re.compile(rb'^\s*\{\s*"resource(?:Spans|_spans)"\s*:')
_NOT_COUNTED = {"invoke_agent", "create_agent", "execute_tool"}
_TIERS = {"default": STANDARD, "auto": STANDARD}
_VALUE_KEYS = ("stringValue", "intValue", "doubleValue", "boolValue")


def sniff(path: Path, head: bytes) -> bool:
    return bool(_START.match(head)) or (
        head.lstrip().startswith(b"{") and b'"resourceSpans"' in head and b'"scopeSpans"' in head
    )


def read(path: Path) -> Iterator[UsageRecord | Malformed]:
    name = str(path)
    with path.open("rb") as lines:
        if _one_document(lines):
            try:
                whole = json.load(lines)
            except json.JSONDecodeError as error:
                yield Malformed(f"{name}:{error.lineno}", f"{BAD_JSON}: {error.msg}")
                return
            except (ValueError, RecursionError):
                yield Malformed(name, BAD_JSON)
                return
            yield from _document(whole, name)
            return
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                document = json.loads(line)
            except (ValueError, RecursionError) as error:
                yield Malformed(f"{name}:{number}", bad_json(error))
                continue
            yield from _document(document, f"{name}:{number}")


def _one_document(lines: BinaryIO) -> bool:
    """True when the file is one multi-line document, not one document a line (then rewound).

    In a JSONL file every line parses alone but a damaged one; in a pretty-printed document
    neither of the first two lines does.
    """
    seen = 0
    whole = False
    for line in lines:
        if not line.strip():
            continue
        try:
            json.loads(line)
        except (ValueError, RecursionError):
            seen += 1
            if seen == 2:
                whole = True
                break
            continue
        break
    lines.seek(0)
    return whole


def _document(document: object, where: str) -> Iterator[UsageRecord | Malformed]:
    if type(document) is not dict:
        yield Malformed(where, f"an OTLP/JSON document is an object, not {shown(document)}")
        return
    resources = document.get("resourceSpans", document.get("resource_spans"))
    if type(resources) is not list:
        yield Malformed(where, "no resourceSpans list: not an OTLP/JSON trace document")
        return
    for r, resource_spans in enumerate(resources):
        if type(resource_spans) is not dict:
            yield Malformed(f"{where}#resourceSpans[{r}]", "not an object")
            continue
        resource = resource_spans.get("resource")
        service = None
        if type(resource) is dict:
            service = _attributes(resource.get("attributes")).get("service.name")
        scopes = resource_spans.get("scopeSpans", resource_spans.get("scope_spans"))
        if type(scopes) is not list:
            continue
        for s, scope in enumerate(scopes):
            spans = scope.get("spans") if type(scope) is dict else None
            if type(spans) is not list:
                continue
            for k, span in enumerate(spans):
                here = f"{where}#resourceSpans[{r}].scopeSpans[{s}].spans[{k}]"
                try:
                    record = _span(span, here, service)
                except ValueError as error:
                    yield Malformed(here, str(error))
                    continue
                if record is not None:
                    yield record


def _attributes(raw: object) -> dict[str, object]:
    """OTLP's `[{"key": ..., "value": {"intValue": ...}}]` as a plain dict of the values."""
    found: dict[str, object] = {}
    if type(raw) is not list:
        return found
    for item in raw:
        if type(item) is not dict:
            continue
        key = item.get("key")
        value = item.get("value")
        if not isinstance(key, str) or type(value) is not dict:
            continue
        for kind in _VALUE_KEYS:
            if kind in value:
                found[key] = value[kind]
                break
    return found


def _span(span: object, where: str, service: object) -> UsageRecord | None:
    if type(span) is not dict:
        raise ValueError(f"a span is an object, not {shown(span)}")
    attributes = _attributes(span.get("attributes"))
    raw_input = attributes.get(
        "gen_ai.usage.input_tokens", attributes.get("gen_ai.usage.prompt_tokens")
    )
    raw_output = attributes.get(
        "gen_ai.usage.output_tokens", attributes.get("gen_ai.usage.completion_tokens")
    )
    if raw_input is None and raw_output is None:
        return None  # not a model call, or one without usage
    if attributes.get("gen_ai.operation.name") in _NOT_COUNTED:
        return None
    total_input = count_text(raw_input, "gen_ai.usage.input_tokens")
    output = count_text(raw_output, "gen_ai.usage.output_tokens")
    cached = count_text(
        attributes.get("gen_ai.usage.cache_read.input_tokens"),
        "gen_ai.usage.cache_read.input_tokens",
    )
    written = count_text(
        attributes.get("gen_ai.usage.cache_creation.input_tokens"),
        "gen_ai.usage.cache_creation.input_tokens",
    )
    reasoning = count_text(
        attributes.get("gen_ai.usage.reasoning.output_tokens"),
        "gen_ai.usage.reasoning.output_tokens",
    )
    if cached + written > total_input:
        raise ValueError(
            f"gen_ai.usage.input_tokens {total_input} is less than its cache parts "
            f"(read {cached} + creation {written}): the instrumentation does not count cached "
            "tokens in input_tokens as the GenAI conventions ask"
        )
    model = attributes.get("gen_ai.response.model") or attributes.get("gen_ai.request.model")
    if not isinstance(model, str) or not model:
        raise ValueError("no gen_ai.response.model or gen_ai.request.model names the model")
    provider = attributes.get("gen_ai.provider.name") or attributes.get("gen_ai.system")
    ts = unix_nanos(span.get("startTimeUnixNano"), "startTimeUnixNano")
    tier = attributes.get(
        "openai.response.service_tier", attributes.get("gen_ai.openai.response.service_tier")
    )
    if tier is None:
        tier = STANDARD
    elif isinstance(tier, str) and tier:
        tier = _TIERS.get(tier, tier)
    else:
        raise ValueError(f"openai.response.service_tier must be a name, not {shown(tier)}")
    dims = []
    if isinstance(service, str) and service:
        dims.append(("service", service))
    conversation = attributes.get("gen_ai.conversation.id")
    if isinstance(conversation, str) and conversation:
        dims.append(("session", conversation))
    trace, span_id = span.get("traceId"), span.get("spanId")
    key = None
    if isinstance(trace, str) and trace and isinstance(span_id, str) and span_id:
        key = f"{trace}:{span_id}"
    return UsageRecord(
        ts=ts,
        model=model,
        provider=provider if isinstance(provider, str) and provider else None,
        input_tokens=total_input,
        cache_read=cached,
        cache_write_5m=written,
        output_tokens=output,
        reasoning_tokens=reasoning,
        service_tier=tier,
        dims=tuple(dims),
        where=where,
        dedup_key=key,
    )
