"""`aicost usage price` and `aicost usage compare`: usage logs priced at each record's moment, and
the same records priced on other models."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aicost.cli.commands import (
    EXIT_GATE,
    EXIT_OK,
    emit,
    exit_with,
    fail,
    moment,
    note,
    parse_or_fail,
    priced_catalog,
)
from aicost.cli.helpfmt import Command, Group, examples
from aicost.cli.options import CurrencyOpt, FormatOpt, NoColorOpt, PricesOpt
from aicost.render import Format

if TYPE_CHECKING:
    from aicost.engine.report import UsageResult
    from aicost.model.catalog import Catalog
    from aicost.usage.engine_python import Target

usage_app = typer.Typer(
    cls=Group,
    epilog=examples(
        "aicost usage price ~/.claude/projects",
        "aicost usage price spend.csv --map spend-map.yaml --by month --by model",
        "aicost usage compare ~/.claude/projects -m deepseek-flash -m claude-haiku-4-5",
    ),
    help="Usage logs priced at the price in force at each request's moment, or on other models.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

SourcesArg = Annotated[
    list[str],
    typer.Argument(
        help="Usage log files, directories (searched recursively), or - for stdin.",
        metavar="SOURCE",
    ),
]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="The logs' format (claude-code, codex, otlp, openai-usage, anthropic-usage, "
        "litellm, llm-db, csv, jsonl). Default: detected from each file's content.",
        metavar="FORMAT",
    ),
]
MapOpt = Annotated[
    Path | None,
    typer.Option(
        "--map",
        help="Mapping file for a generic CSV/JSONL log (a column per field).",
        metavar="MAP",
    ),
]
ByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        help="Group by: provider, model, day, week, month, project, session, user, key, "
        "service_tier (repeatable).",
        metavar="KEY",
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="Only records from this date (UTC) on.", metavar="DATE"),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Only records up to this date (UTC, the whole day) or before this UTC time.",
        metavar="DATE",
    ),
]
EngineOpt = Annotated[
    str,
    typer.Option("--engine", help="auto, python, duckdb or spark.", metavar="ENGINE"),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        help="--engine spark: local[N] (default local[2]), a cluster's master URL, or sc://HOST "
        "for Spark Connect (also read from SPARK_REMOTE). With --map, Spark reads the CSV, "
        "JSON Lines or Parquet paths itself (any path it reads: hdfs://, s3a://, ...).",
        metavar="URL",
    ),
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="A malformed line is an error (exit 2), not skipped.")
]


def _window(since: str | None, until: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    from aicost.model.quantity import parse_moment

    start = None if since is None else parse_or_fail(parse_moment, since, "--since")
    end = None
    if until is not None:
        end = parse_or_fail(parse_moment, until, "--until")
        if len(until.strip()) == 10:  # a date: the whole of that day
            end += dt.timedelta(days=1)
    if start is not None and end is not None and end <= start:
        fail(f"--until {until} is not after --since {since}")
    return start, end


def _by(keys: list[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    from aicost.usage.engine_python import GROUP_KEYS

    chosen = tuple(k.strip().lower().replace("-", "_") for k in keys) if keys else default
    for key in chosen:
        if key not in GROUP_KEYS:
            import difflib

            close = difflib.get_close_matches(key, GROUP_KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "use " + ", ".join(GROUP_KEYS)
            fail(f"unknown --by key {key!r}", hint=hint)
    return tuple(dict.fromkeys(chosen))


def _notes(result: UsageResult, skipped: tuple[str, ...]) -> None:
    from aicost.usage.engine_python import MALFORMED_SHOWN

    lines = []
    if skipped:
        some = ", ".join(skipped[:3]) + (
            f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
        )
        lines.append(f"skipped {len(skipped)} file(s) that are not usage logs: {some}")
    c = result.coverage
    lines += list(c.malformed_examples)
    if c.malformed > MALFORMED_SHOWN:
        lines.append(f"... {c.malformed - MALFORMED_SHOWN} more malformed line(s) skipped")
    for u in c.unpriced:
        who = f"{u.provider}/{u.model}" if u.provider and u.target is not None else u.model
        on = f" on {u.target}" if u.target else ""
        line = f"unpriced{on}: {u.records:,} record(s) of {who!r}: {u.reason}"
        if u.suggestions:
            joined = " or ".join(u.suggestions)
            line += (
                f" (candidates: {joined})"
                if "ambiguous" in u.reason
                else f" (did you mean {joined}?)"
            )
        lines.append(line)
    for n in c.service_tier_not_offered:
        on = f" (on {n.target})" if n.target else ""
        lines.append(
            f"{n.records:,} record(s) in service tier {n.service_tier!r}, which {n.model} does "
            f"not offer{on}: priced at list price"
        )
    note(lines)


def _run(
    sources: list[str],
    fmt_from: str | None,
    mapping: Path | None,
    engine: str,
    catalog: Catalog,
    options: Any,
    per_request: tuple[Path, str] | None = None,
    master: str | None = None,
) -> tuple[UsageResult, tuple[str, ...]]:
    from dataclasses import replace

    from aicost.usage.engines import engine_module

    if engine == "spark" and mapping is not None and per_request is None:
        spark = engine_module("spark")
        fmt = spark.table_format(sources[0], fmt_from)
        tables = spark.TableSource(tuple(sources), fmt)
        return spark.price_paths(tables, mapping, catalog, options, master), ()
    direct = per_request is None and not options.reconcile and not options.targets
    if engine == "duckdb" and mapping is not None and direct and _tables(sources, fmt_from):
        from aicost.usage.engine_spark import TableSource, table_format

        duck = engine_module("duckdb")
        tables = TableSource(tuple(sources), table_format(sources[0], fmt_from))
        return duck.price_paths(tables, mapping, catalog, options), ()
    if master is not None and engine != "spark":
        fail("--spark-master goes with --engine spark")
    from aicost.usage.sources import open_sources

    with open_sources(sources, fmt_from, mapping) as found:
        module = engine_module(engine, _size(found.files))
        extra = {"master": master} if engine == "spark" else {}
        if per_request is None:
            return module.price(found.records, catalog, options, **extra), found.skipped
        from aicost.cli.usage_output import PerRequestWriter

        with PerRequestWriter(*per_request) as writer:
            result = module.price(found.records, catalog, replace(options, per_record=writer))
        return result, found.skipped


def _tables(sources: list[str], fmt_from: str | None) -> bool:
    """True when every source is one CSV, JSON Lines or Parquet file DuckDB can read itself."""
    suffixes = (".csv", ".jsonl", ".ndjson", ".json", ".parquet")
    if fmt_from is not None and fmt_from.lower() not in ("csv", "jsonl", "json", "parquet"):
        return False
    return all(Path(s).is_file() and s.lower().endswith(suffixes) for s in sources)


def _size(files: Any) -> int:
    total = 0
    for each in files:
        with contextlib.suppress(OSError):
            total += each.path.stat().st_size
    return total


def _report(result: UsageResult, catalog: Catalog, at: dt.datetime | None) -> Any:
    import dataclasses

    from aicost.engine.report import Report, UsageRow
    from aicost.render.usage import flat_row

    compare = bool(result.targets)
    rows = [flat_row(r, compare) for r in result.rows]
    # with no priced row the CSV still gets its header: the keys of a row's fields
    fields = list(rows[0]) if rows else [f.name for f in dataclasses.fields(UsageRow)]
    dropped = ("group",) if compare else ("group", "target", "unpriced_records")
    columns = list(result.by) + [k for k in fields if k not in result.by and k not in dropped]
    return Report(
        kind="usage",
        payload=result,
        rows=rows,
        columns=columns,
        currency=result.currency,
        as_of=at,
        catalog=catalog,
    )


@usage_app.command(
    "price",
    cls=Command,
    epilog=examples(
        "aicost usage price ~/.claude/projects --by day",
        "aicost usage price ~/.codex/sessions --since 2026-11-01 -f json",
        "aicost usage price usage.json --from openai-usage --fail-on-unpriced --budget 500",
        "aicost usage price spend.csv --map spend-map.yaml --per-request priced.csv",
    ),
)
def price(
    sources: SourcesArg,
    fmt_from: FromOpt = None,
    mapping: MapOpt = None,
    by: ByOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    engine: EngineOpt = "auto",
    spark_master: SparkMasterOpt = None,
    per_request: Annotated[
        Path | None,
        typer.Option(
            "--per-request",
            help="Also write every record with its cost to OUT (.csv, .jsonl or .parquet).",
            metavar="OUT",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --per-request file if it exists.")
    ] = False,
    reconcile: Annotated[
        bool, typer.Option("--reconcile", help="Show the cost the logs reported beside ours.")
    ] = False,
    budget: Annotated[
        str | None,
        typer.Option(
            "--budget",
            help="Exit 1 when the total exceeds AMOUNT (report currency).",
            metavar="AMOUNT",
        ),
    ] = None,
    fail_on_unpriced: Annotated[
        bool, typer.Option("--fail-on-unpriced", help="Exit 1 when any record could not be priced.")
    ] = False,
    strict: StrictOpt = False,
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: CurrencyOpt = "USD",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Not used here: every record is priced at its own moment (see `usage compare "
            "--when`).",
            metavar="DATE",
        ),
    ] = None,
    no_color: NoColorOpt = False,
) -> None:
    """Price usage logs at the price in force at each record's moment."""

    def body() -> int:
        from aicost.model.quantity import parse_amount
        from aicost.usage.engine_python import DEFAULT_BY, UsageOptions

        if as_of is not None:
            fail(
                "usage price prices every record at its own moment; --as-of does not apply",
                hint="to price the records at one date's prices, use usage compare --when DATE",
            )
        keys = _by(by, DEFAULT_BY)
        start, end = _window(since, until)
        limit = None if budget is None else parse_or_fail(parse_amount, budget, "--budget")
        out = None
        if per_request is not None:
            from aicost.cli.usage_output import kind_of

            out = (per_request, kind_of(per_request, force))
        _, catalog, code = priced_catalog(prices, currency, None)
        options = UsageOptions(
            currency=code, by=keys, since=start, until=end, strict=strict, reconcile=reconcile
        )
        result, skipped = _run(
            sources, fmt_from, mapping, engine, catalog, options, out, spark_master
        )
        _notes(result, skipped)
        emit(_report(result, catalog, None), fmt, no_color)
        if per_request is not None:
            note([f"wrote {per_request}"])
        code_out = EXIT_OK
        if limit is not None and result.totals.total > limit:
            from aicost.render.money import money

            note([f"budget: total {money(result.totals.total, code)} exceeds {money(limit, code)}"])
            code_out = EXIT_GATE
        if fail_on_unpriced and result.coverage.unpriced_records:
            note([f"--fail-on-unpriced: {result.coverage.unpriced_records:,} record(s) unpriced"])
            code_out = EXIT_GATE
        return code_out

    exit_with(body())


@usage_app.command(
    "compare",
    cls=Command,
    epilog=examples(
        "aicost usage compare ~/.claude/projects -m deepseek-flash",
        "aicost usage compare logs/ -m gpt-5.4-mini -m qwen3.8-flash --when record",
        "aicost usage compare logs/ -m claude-haiku-4-5 --when 2026-01-01 -f json",
    ),
)
def compare(
    sources: SourcesArg,
    model: Annotated[
        list[str],
        typer.Option(
            "--model", "-m", help="Price the records on this model (repeatable).", metavar="MODEL"
        ),
    ],
    when: Annotated[
        str | None,
        typer.Option(
            "--when",
            help="Which prices: now (today's, the default), record (each record's moment) or a "
            "DATE. Windows apply at each record's own minute either way.",
            metavar="now|record|DATE",
        ),
    ] = None,
    fmt_from: FromOpt = None,
    mapping: MapOpt = None,
    by: ByOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    engine: EngineOpt = "auto",
    strict: StrictOpt = False,
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: CurrencyOpt = "USD",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Same as --when DATE.", metavar="DATE"),
    ] = None,
    no_color: NoColorOpt = False,
) -> None:
    """Price the same records on other models, beside what they cost."""

    def body() -> int:
        from aicost.usage.engine_python import UsageOptions

        if when is not None and as_of is not None:
            fail("give --when or --as-of, not both")
        choice = when or as_of or "now"
        keys = _by(by, ())
        start, end = _window(since, until)
        _, catalog, code = priced_catalog(prices, currency, None)
        targets, at = _targets(catalog, model, choice)
        options = UsageOptions(
            currency=code,
            by=keys,
            since=start,
            until=end,
            strict=strict,
            targets=targets,
            when="record" if at is None else choice if choice == "now" else at.date().isoformat(),
        )
        result, skipped = _run(sources, fmt_from, mapping, engine, catalog, options)
        _notes(result, skipped)
        emit(_report(result, catalog, at), fmt, no_color)
        return EXIT_OK

    exit_with(body())


def _targets(
    catalog: Catalog, refs: list[str], choice: str
) -> tuple[tuple[Target, ...], dt.datetime | None]:
    """The target models, and the moment whose prices they use (None: each record's own)."""
    from aicost.model.catalog import no_price_message
    from aicost.model.errors import AicostError
    from aicost.usage.engine_python import Target

    text = choice.strip().lower()
    at = None if text == "record" else moment(None if text == "now" else choice)
    chosen: dict[str, Target] = {}
    for ref in refs:
        try:
            found = catalog.resolve(ref, at)
        except AicostError as exc:
            fail(f"-m {ref}: {exc.message}", hint=exc.hint)
        if at is not None and found.period_at(at) is None:
            fail(no_price_message(found, at), hint="see --when")
        chosen[found.ref] = Target(found, at)
    return tuple(chosen.values()), at


@usage_app.command(
    "sql",
    cls=Command,
    epilog=examples(
        "aicost usage sql --dialect bigquery --table analytics.llm_usage",
        "aicost usage sql --dialect spark --table usage --by month --by project",
        "aicost usage sql --dialect postgres --table spend --map spend-map.yaml > price.sql",
    ),
)
def sql(
    table: Annotated[
        str,
        typer.Option("--table", help="The usage table to price ([schema.]table).", metavar="NAME"),
    ],
    dialect: Annotated[
        str,
        typer.Option(
            "--dialect",
            help="duckdb, spark, postgres, bigquery, snowflake or trino.",
            metavar="DIALECT",
        ),
    ] = "duckdb",
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--map",
            help="Mapping file naming the table's columns (as for a generic CSV log); default: "
            "the canonical names ts, provider, model, requests, input_tokens, ...",
            metavar="MAP",
        ),
    ] = None,
    by: ByOpt = None,
    rates: Annotated[
        str, typer.Option("--rates", help="The price table's rates table.", metavar="NAME")
    ] = "rates",
    names: Annotated[
        str, typer.Option("--names", help="The price table's names table.", metavar="NAME")
    ] = "names",
    prices: PricesOpt = None,
) -> None:
    """Print the SQL that prices a usage table with the price table (`export prices-table`)."""

    def body() -> int:
        from aicost.cli.commands import catalog_for
        from aicost.engine.price_table import build_price_table, rate_scale
        from aicost.usage import sql as usage_sql
        from aicost.usage.engine_python import DEFAULT_BY

        keys = _by(by, DEFAULT_BY)
        columns = usage_sql.UsageColumns()
        if mapping is not None:
            from aicost.usage.mapping import load_mapping

            columns = usage_sql.columns_from_mapping(load_mapping(mapping))
        for name in (table, rates, names):
            usage_sql.table_name(name)
        scale = rate_scale(build_price_table(catalog_for(prices)))
        text = usage_sql.pricing_sql(
            columns,
            table,
            usage_sql.QueryPlan(by=keys),
            rates=rates,
            names=names,
            rate_scale=scale,
        )
        sys.stdout.write(usage_sql.transpile(text, dialect.strip().lower()) + ";\n")
        return EXIT_OK

    exit_with(body())
