"""The pricing query: a usage table priced against the price table (`aicost export prices-table`),
written once in DuckDB's dialect, parsed by sqlglot and written out for each dialect with the few
fixes sqlglot's own transpiling gets wrong (shared/reference/usage-formats.md section 2.3):

- the ISO weekday (Monday = 1) that minute-of-week needs: sqlglot writes Spark's `DAYOFWEEK`
  (Sunday = 1) as `(DAYOFWEEK(ts) % 7) + 1`, which makes Monday 3; Spark gets `WEEKDAY(ts) + 1`
  and PostgreSQL (which has no `DAYOFWEEK_ISO`) `EXTRACT(ISODOW FROM ts)`;
- hours and minutes are written `EXTRACT(... FROM ts)` in the source, which every dialect has;
- a week is the ISO week (starting Monday): BigQuery's `WEEK` starts on Sunday, so it gets `ISOWEEK`.

Money stays exact in every dialect: token counts are summed as integers per group and rate row
first, cast to DECIMAL(19, 0), and multiplied once by rates cast to DECIMAL(18, S); the four cost
parts are summed separately (the client adds them: a fifth sum could pass Spark's 38 digits) and
nothing is divided. BigQuery gets BIGNUMERIC for both (its NUMERIC keeps 9 decimals, fewer than
a per-token rate needs; per-million rates would not fit either, since a sheet may give 12).

Records no rate row prices are kept, with their tokens and a `status` saying why, and NULL costs:
never a silent zero. A record in a service tier its model does not offer at that moment is priced
at the list (standard) rows and says so in `status`, as the Python engine does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aicost.engine.price_table import TIER_MAX
from aicost.model.errors import AicostError

if TYPE_CHECKING:
    from aicost.usage.mapping import Mapping

DIALECTS = ("duckdb", "spark", "postgres", "bigquery", "snowflake", "trino")
RATE_PRECISION = 18
DEFAULT_RATE_SCALE = 14
TOKENS = "DECIMAL(19, 0)"
TIME_KEYS = ("day", "week", "month")
PRICED = "priced"
NOT_OFFERED = "priced at list price: service tier not offered"
RATE_PARTS = ("input_rate", "cached_rate", "cache_write_rate", "cache_write_1h_rate", "output_rate")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$")

SUM_COLUMNS = (
    "records",
    "requests",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
)
COST_COLUMNS = ("input_cost", "cached_cost", "cache_write_cost", "output_cost")


@dataclass(frozen=True)
class UsageColumns:
    """Where each canonical field is in the usage table: a column name, or None for its default."""

    ts: str = "ts"
    provider: str | None = "provider"
    model: str | None = "model"
    requests: str | None = "requests"
    input_tokens: str = "input_tokens"
    cache_read: str | None = "cache_read"
    cache_write_5m: str | None = "cache_write_5m"
    cache_write_1h: str | None = "cache_write_1h"
    output_tokens: str = "output_tokens"
    reasoning_tokens: str | None = "reasoning_tokens"
    service_tier: str | None = "service_tier"
    dims: dict[str, str] = field(default_factory=dict)  # group key -> column
    preset: str = "openai"  # what `input` and `output` include (mapping.apply_preset)
    timestamp_format: str = "iso"
    provider_constant: str | None = None
    model_constant: str | None = None
    # the prompt size to tier by, given by the source instead of the token sums (Anthropic's
    # report tiers its buckets by a `context_window` range); NULL: the average prompt; 0: the
    # source gave no readable range, priced at the lowest tier and counted as tier_unknown
    tier_prompt: str | None = None


def columns_from_mapping(mapping: Mapping) -> UsageColumns:
    """The usage table's columns as a `--map` file names them (the generic reader's mapping)."""
    f = {name: source.written for name, source in mapping.fields.items()}
    return UsageColumns(
        ts=f["ts"],
        provider=f.get("provider"),
        model=f.get("model"),
        requests=f.get("requests"),
        input_tokens=f["input"],
        cache_read=f.get("cache_read"),
        cache_write_5m=f.get("cache_write"),
        cache_write_1h=f.get("cache_write_1h"),
        output_tokens=f["output"],
        reasoning_tokens=f.get("reasoning"),
        service_tier=f.get("service_tier"),
        dims={name: source.written for name, source in mapping.dims},
        preset=mapping.preset,
        timestamp_format=mapping.timestamp_format,
        provider_constant=mapping.provider,
        model_constant=mapping.model,
        tier_prompt=f.get("tier_prompt"),
    )


def table_name(name: str) -> str:
    """A table name as `[catalog.][schema.]table`; anything else is refused (it goes into SQL)."""
    if not _NAME.match(name):
        raise AicostError(
            f"--table {name!r} is not a plain table name",
            hint="use letters, digits and _ , optionally qualified: schema.table",
        )
    return name


def _col(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _count(column: str | None, default: str = "0") -> str:
    return default if column is None else f"CAST({_col(column)} AS BIGINT)"


def _names(c: UsageColumns) -> tuple[str, str]:
    """The provider and model expressions of a usage row."""
    provider = (
        _text(c.provider_constant)
        if c.provider_constant is not None
        else "CAST(NULL AS VARCHAR)"
        if c.provider is None
        else f"CAST({_col(c.provider)} AS VARCHAR)"
    )
    model = (
        _text(c.model_constant)
        if c.model_constant is not None
        else "CAST(NULL AS VARCHAR)"
        if c.model is None
        else f"CAST({_col(c.model)} AS VARCHAR)"
    )
    return provider, model


def _usage_keys(c: UsageColumns, table: str) -> str:
    """The distinct (provider, model) pairs, read from the table itself: a second reference to
    `usage_rows` would make DuckDB materialise every usage row before pricing it."""
    provider, model = _names(c)
    return f"SELECT DISTINCT {provider} AS provider, {model} AS model FROM {table}"


def _usage_select(c: UsageColumns, table: str, by: Sequence[str]) -> str:
    if c.timestamp_format == "unix":
        ts = f"TO_TIMESTAMP({_col(c.ts)})"
    elif c.timestamp_format == "unix_ms":
        ts = f"EPOCH_MS(CAST({_col(c.ts)} AS BIGINT))"
    else:
        ts = f"CAST({_col(c.ts)} AS TIMESTAMP)"
    provider, model = _names(c)
    read, w5, w1h = _count(c.cache_read), _count(c.cache_write_5m), _count(c.cache_write_1h)
    inp, out, why = _count(c.input_tokens), _count(c.output_tokens), _count(c.reasoning_tokens)
    if c.preset == "anthropic":  # its input excludes cache reads and writes
        inp = f"{inp} + {read} + {w5} + {w1h}"
    if c.preset == "gemini":  # its output excludes reasoning
        out = f"{out} + {why}"
    tier = (
        "'standard'"
        if c.service_tier is None
        else f"COALESCE(CAST({_col(c.service_tier)} AS VARCHAR), 'standard')"
    )
    lines = [
        f"{ts} AS ts",
        f"{provider} AS provider",
        f"{model} AS model",
        f"COALESCE({_count(c.requests, '1')}, 1) AS requests",
        f"{inp} AS input_tokens",
        f"{read} AS cache_read",
        f"{w5} AS cache_write_5m",
        f"{w1h} AS cache_write_1h",
        f"{out} AS output_tokens",
        f"{why} AS reasoning_tokens",
        f"{tier} AS service_tier",
    ]
    if c.tier_prompt is not None:
        lines.append(f"CAST({_col(c.tier_prompt)} AS BIGINT) AS tier_prompt")
    for key in by:
        if key in ("project", "session", "user", "key"):
            column = c.dims.get(key)
            value = "''" if column is None else f"COALESCE(CAST({_col(column)} AS VARCHAR), '')"
            lines.append(f"{value} AS g_{key}")
    return "SELECT " + ", ".join(lines) + f" FROM {table}"


def _group_expr(key: str) -> str:
    if key == "provider":
        return "CASE WHEN m.model_ref IS NULL THEN COALESCE(x.provider, '') ELSE m.ref_provider END"
    if key == "model":
        return "COALESCE(m.ref_model, x.model)"
    if key == "day":
        return "CAST(x.ts AS DATE)"
    if key in ("week", "month"):
        return f"CAST(DATE_TRUNC('{key.upper()}', x.ts) AS DATE)"
    if key == "service_tier":
        return "x.service_tier"
    return f"x.g_{key}"


@dataclass(frozen=True)
class QueryPlan:
    """What the query groups by, beyond `--by`: the DuckDB engine asks for the detail it needs
    to build the Python engine's result (the day for exchange rates, the model, the flags)."""

    by: tuple[str, ...]
    detail: bool = False
    retirements: str | None = None  # a (model_ref, retired) table, for the "retired" reason


def pricing_sql(
    columns: UsageColumns,
    table: str,
    plan: QueryPlan,
    *,
    rates: str = "rates",
    names: str = "names",
    rate_scale: int = DEFAULT_RATE_SCALE,
) -> str:
    """The pricing query in DuckDB's dialect (see `transpile` for the others)."""
    rate_type = f"DECIMAL({RATE_PRECISION}, {rate_scale})"
    keys = [k for k in plan.by if not (plan.detail and k in TIME_KEYS)]
    group = [(k, _group_expr(k)) for k in keys]
    if plan.detail:
        group += [
            ("day", "CAST(x.ts AS DATE)"),
            ("model_ref", "m.model_ref"),
            (
                "logged_provider",
                f"CASE WHEN x.status LIKE '{PRICED}%' THEN NULL ELSE x.provider END",
            ),
            ("logged_model", f"CASE WHEN x.status LIKE '{PRICED}%' THEN NULL ELSE x.model END"),
            ("logged_tier", "x.service_tier"),
            ("by_average", "x.by_average"),
        ]
        if columns.tier_prompt is not None:
            group.append(("tier_unknown", "x.tier_unknown"))
    retired = ""
    retired_case = ""
    if plan.retirements is not None:
        retired = f" LEFT JOIN {plan.retirements} AS ret ON ret.model_ref = p.model_ref"
        retired_case = "WHEN p.ts >= ret.retired THEN 'retired' "
    rate_cols = ", ".join(f"CAST({c} AS {rate_type}) AS {c}" for c in RATE_PARTS)
    sums = (
        "COUNT(*) AS records, SUM(x.requests) AS requests, SUM(x.input_tokens) AS input_tokens, "
        "SUM(x.cache_read) AS cache_read_tokens, SUM(x.cache_write_5m) AS cache_write_5m_tokens, "
        "SUM(x.cache_write_1h) AS cache_write_1h_tokens, SUM(x.output_tokens) AS output_tokens, "
        "SUM(x.reasoning_tokens) AS reasoning_tokens, "
        "SUM(x.input_tokens - x.cache_read - x.cache_write_5m - x.cache_write_1h) AS fresh_tokens"
    )
    group_sel = "".join(f"{expr} AS {name}, " for name, expr in group)
    group_by = "".join(f"{expr}, " for _, expr in group)
    outer = "".join(f"{name}, " for name, _ in group)
    totals = ", ".join(f"SUM({c}) AS {c}" for c in SUM_COLUMNS)

    tiered = f"(r.tier_lo <> -1 OR r.tier_hi <> {TIER_MAX})"
    # a single request (or none) by its own prompt, in plain integers; a bucket of N requests by
    # its average prompt rounded up: lo < ceil(input / N) <= hi is lo * N < input <= hi * N
    # (DECIMAL(38, 0): hi may be TIER_MAX, whose product with N passes BIGINT)
    tier_match = (
        "CASE WHEN p.requests <= 1 THEN r.tier_lo < p.input_tokens AND p.input_tokens <= r.tier_hi "
        "ELSE CAST(r.tier_lo AS DECIMAL(38, 0)) * p.requests < p.input_tokens "
        "AND p.input_tokens <= CAST(r.tier_hi AS DECIMAL(38, 0)) * p.requests END"
    )
    by_average = f"p.requests > 1 AND {tiered}"
    tier_flags = f"COALESCE({by_average}, FALSE) AS by_average"
    if columns.tier_prompt is not None:  # a source's own tier (a hint) wins over the average
        tier_match = (
            "CASE WHEN p.tier_prompt IS NOT NULL THEN "
            "r.tier_lo < p.tier_prompt AND p.tier_prompt <= r.tier_hi "
            f"ELSE {tier_match} END"
        )
        tier_flags = (
            f"COALESCE(p.tier_prompt IS NULL AND {by_average}, FALSE) AS by_average, "
            f"COALESCE(p.tier_prompt = 0 AND {tiered}, FALSE) AS tier_unknown"
        )

    def cost(tokens: str, rate: str) -> str:
        return f"CAST({tokens} AS {TOKENS}) * {rate}"

    costs = (
        f"SUM({cost('fresh_tokens', 'input_rate')}) AS input_cost, "
        f"SUM({cost('cache_read_tokens', 'cached_rate')}) AS cached_cost, "
        f"SUM({cost('cache_write_5m_tokens', 'cache_write_rate')} + "
        f"{cost('cache_write_1h_tokens', 'cache_write_1h_rate')}) AS cache_write_cost, "
        f"SUM({cost('output_tokens', 'output_rate')}) AS output_cost"
    )
    return f"""
WITH usage_rows AS ({_usage_select(columns, table, plan.by)}),
usage_keys AS ({_usage_keys(columns, table)}),
providers AS (SELECT DISTINCT provider FROM {names}),
key_slugs AS (
  SELECT k.provider, k.model, LOWER(TRIM(k.model)) AS low, COALESCE(pg.provider, ph.provider) AS slug
  FROM usage_keys AS k
  LEFT JOIN providers AS pg ON pg.provider = LOWER(TRIM(k.provider))
  LEFT JOIN providers AS ph
    ON SUBSTRING(LOWER(TRIM(k.model)), 1, LENGTH(ph.provider) + 1) = ph.provider || '/'
),
resolved AS (
  SELECT s.provider, s.model, MIN(n.model_ref) AS model_ref,
    COUNT(DISTINCT n.model_ref) AS candidates
  FROM key_slugs AS s
  JOIN {names} AS n
    ON (s.slug IS NOT NULL AND n.provider = s.slug
        AND (n.name = s.low OR n.provider || '/' || n.name = s.low))
    OR (s.slug IS NULL AND n.name = s.low)
  GROUP BY s.provider, s.model
),
models AS (
  SELECT model_ref, MIN(provider) AS ref_provider, MIN(model) AS ref_model,
    MIN(valid_from) AS first_from
  FROM {rates} GROUP BY model_ref
),
rate_rows AS (
  SELECT model_ref, service_tier, valid_from, valid_until, wk_lo, wk_hi, tier_lo, tier_hi,
    currency, {rate_cols}
  FROM {rates}
),
offers AS (SELECT DISTINCT model_ref, service_tier, valid_from, valid_until FROM {rates}),
placed AS (
  SELECT u.*,
    CASE WHEN res.candidates = 1 THEN res.model_ref END AS model_ref,
    CASE WHEN res.candidates > 1 THEN 'ambiguous model'
      WHEN res.candidates IS NULL THEN 'unknown model' END AS name_problem,
    CASE WHEN o.model_ref IS NULL THEN 'standard' ELSE u.service_tier END AS priced_tier,
    (ISODOW(u.ts) - 1) * 1440 + EXTRACT(HOUR FROM u.ts) * 60 + EXTRACT(MINUTE FROM u.ts)
      AS minute_of_week
  FROM usage_rows AS u
  LEFT JOIN resolved AS res
    ON COALESCE(res.provider, '') = COALESCE(u.provider, '') AND res.model = u.model
  LEFT JOIN offers AS o
    ON res.candidates = 1 AND o.model_ref = res.model_ref AND o.service_tier = u.service_tier
    AND o.valid_from <= u.ts AND u.ts < o.valid_until
),
matched AS (
  SELECT p.*, r.currency, {", ".join(f"r.{c}" for c in RATE_PARTS)},
    CASE WHEN r.model_ref IS NOT NULL AND p.priced_tier = p.service_tier THEN '{PRICED}'
      WHEN r.model_ref IS NOT NULL THEN '{NOT_OFFERED}'
      WHEN p.name_problem IS NOT NULL THEN p.name_problem
      {retired_case}WHEN p.ts < mm.first_from THEN 'not yet priced'
      ELSE 'no price then' END AS status,
    {tier_flags}
  FROM placed AS p
  LEFT JOIN rate_rows AS r
    ON r.model_ref = p.model_ref AND r.service_tier = p.priced_tier
    AND r.valid_from <= p.ts AND p.ts < r.valid_until
    AND r.wk_lo <= p.minute_of_week AND p.minute_of_week < r.wk_hi
    AND {tier_match}
  LEFT JOIN models AS mm ON mm.model_ref = p.model_ref{retired}
),
rate_sums AS (
  SELECT {group_sel}x.status AS status, x.currency AS currency,
    {", ".join(f"x.{c} AS {c}" for c in RATE_PARTS)}, {sums}
  FROM matched AS x
  LEFT JOIN models AS m ON m.model_ref = x.model_ref
  GROUP BY {group_by}x.status, x.currency, {", ".join(f"x.{c}" for c in RATE_PARTS)}
)
SELECT {outer}status, currency, {totals}, {costs}
FROM rate_sums
GROUP BY {outer}status, currency
ORDER BY {outer}status, currency
"""


def _fix(node: Any, dialect: str) -> Any:
    from sqlglot import exp

    if isinstance(node, exp.DayOfWeekIso):
        if dialect in ("spark", "databricks"):
            return exp.Paren(
                this=exp.Add(this=exp.func("WEEKDAY", node.this), expression=exp.Literal.number(1))
            )
        if dialect == "postgres":
            return exp.Extract(this=exp.var("ISODOW"), expression=node.this)
    if dialect == "bigquery" and isinstance(node, exp.DateTrunc | exp.TimestampTrunc):
        unit = node.args.get("unit")
        if unit is not None and unit.name.upper() == "WEEK":
            node = node.copy()
            node.set("unit", exp.var("ISOWEEK"))
            return node
    return node


def transpile(sql: str, dialect: str) -> str:
    """`sql` (DuckDB's dialect) written for `dialect`, with the fixes of the module docstring."""
    try:
        import sqlglot
    except ImportError:
        raise AicostError(
            "writing SQL for other engines needs sqlglot", hint="pip install 'aicost[sql]'"
        ) from None
    if dialect not in DIALECTS:
        raise AicostError(f"unknown --dialect {dialect!r}", hint="use " + ", ".join(DIALECTS))
    tree = sqlglot.parse_one(sql, read="duckdb")
    if dialect == "duckdb":
        return str(tree.sql(dialect="duckdb", pretty=True))
    fixed = tree.transform(lambda node: _fix(node, dialect))
    return str(fixed.sql(dialect=dialect, pretty=True))
