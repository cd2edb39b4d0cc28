#!/usr/bin/env python3
"""Time aicost's start-up and catalog scale against bare Python and genai-prices' CLI.

Every figure is a whole process, started the way a shell starts it. Commands run interleaved (one of
each per round, so a noisy moment hits all of them alike) and the median of the rounds is reported,
with each command's peak memory (max RSS of that child, from wait4). Ratios come from this one run.

    python benchmarks/bench.py                # 9 rounds; installs the peer into benchmarks/.venv
    python benchmarks/bench.py --rounds 15 --no-peer

aicost is the one installed for the interpreter running this script. genai-prices[cli] is installed
into the benchmark's own venv (benchmarks/.venv), never into the project; when that fails the peer
is reported as unavailable. The generated catalogs (50 providers x 25/50/100 models; a third of the
models tiered, a fifth with a history period) are written to a temporary directory, and aicost's
cache goes to a temporary directory too, warmed by one untimed run of each command.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEER_VENV = HERE / ".venv"
PROVIDERS = 50
SIZES = (25, 50, 100)  # models per provider: 1,250, 2,500 and 5,000 models


# -- the generated catalog ------------------------------------------------------------------------


def write_catalog(folder: Path, per_provider: int) -> Path:
    """50 providers x `per_provider` models; every third model tiered, every fifth with history."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in range(PROVIDERS):
        lines = [
            f"provider: gen{p:02d}",
            f"name: Generated {p:02d}",
            "currency: USD",
            "checked: 2026-10-01",
            "batch_multiplier: 0.5",
            "models:",
        ]
        for m in range(per_provider):
            base = 0.05 + (p * per_provider + m) % 997 / 100
            lines += [
                f"  model-{p:02d}-{m:03d}:",
                f"    name: Model {p:02d}-{m:03d}",
                f"    aliases: [m{p:02d}x{m:03d}]",
                "    context_window: 128000",
            ]
            if m % 3 == 0:
                lines += [
                    "    tiers:",
                    f"      - {{up_to: 200000, input: {base:.2f}, cached_input: {base / 10:.3f}, "
                    f"output: {base * 4:.2f}}}",
                    f"      - {{input: {base * 2:.2f}, cached_input: {base / 5:.3f}, output: {base * 6:.2f}}}",
                ]
            else:
                lines += [
                    f"    input: {base:.2f}",
                    f"    cached_input: {base / 10:.3f}",
                    f"    output: {base * 4:.2f}",
                ]
            if m % 5 == 0:
                lines += [
                    "    history:",
                    "      - until: 2025-06-01",
                    f"        input: {base * 3:.2f}",
                    f"        output: {base * 12:.2f}",
                ]
        (folder / f"gen{p:02d}.yaml").write_text("\n".join(lines) + "\n")
    return folder


# -- the peer ----------------------------------------------------------------------------------------


def peer_command() -> list[str] | None:
    """genai-prices' CLI from the benchmark's own venv, installing it there on first use."""
    exe = PEER_VENV / ("Scripts" if os.name == "nt" else "bin") / "genai-prices"
    if not exe.exists():
        print(f"installing genai-prices[cli] into {PEER_VENV} ...", file=sys.stderr)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
            pip = PEER_VENV / "bin" / "pip"
            subprocess.run(
                [str(pip), "install", "-q", "genai-prices[cli]"],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=600,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"genai-prices unavailable: {exc}", file=sys.stderr)
            return None
    if not exe.exists():
        return None
    return [str(exe)]


def aicost_command() -> list[str]:
    exe = Path(sys.executable).parent / "aicost"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "aicost"]


# -- timing ------------------------------------------------------------------------------------------


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit code of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, proc.returncode


def measure(
    commands: dict[str, tuple[list[str], dict[str, str]]], rounds: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
    for name, (argv, env) in commands.items():  # warm-up: fills the cache and the page cache
        _, _, code = run_once(argv, env)
        if code not in (0, 1):
            raise SystemExit(f"{name}: exited {code}: {' '.join(argv)}")
    names = list(commands)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]  # rotate who goes first
        for name in order:
            argv, env = commands[name]
            elapsed, peak, _ = run_once(argv, env)
            times[name].append(elapsed)
            peaks[name] = max(peaks[name], peak)
    return {name: [statistics.median(t), min(t), peaks[name]] for name, t in times.items()}


# -- report ------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rounds", type=int, default=9, help="rounds per command (median reported)"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip genai-prices")
    args = parser.parse_args()

    aicost = aicost_command()
    peer = None if args.no_peer else peer_command()
    work = Path(tempfile.mkdtemp(prefix="aicost-bench-"))
    try:
        env = {
            **os.environ,
            "AICOST_CACHE_DIR": str(work / "cache"),
            "NO_COLOR": "1",
            "COLUMNS": "120",
        }
        for key in ("AICOST_NO_CACHE", "AICOST_PRICES"):
            env.pop(key, None)
        cold = {**env, "AICOST_NO_CACHE": "1"}
        catalogs = {n * PROVIDERS: write_catalog(work / f"cat{n}", n) for n in SIZES}
        est = [*aicost, "estimate", "-i", "1M", "-o", "1M"]
        cmds: dict[str, tuple[list[str], dict[str, str]]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], env),
            "aicost --version": ([*aicost, "--version"], env),
            "aicost --help": ([*aicost, "--help"], env),
            "one model, json": ([*est, "-m", "gpt-4o", "-p", "openai", "-f", "json"], env),
            "bundled, json": ([*est, "-f", "json"], env),
            "bundled, table": ([*est, "-f", "table"], env),
            "bundled, json, no cache": ([*est, "-f", "json"], cold),
        }
        for size, folder in catalogs.items():
            cmds[f"{size:,} models, json"] = ([*est, "--prices", str(folder), "-f", "json"], env)
        cmds["5,000 models, json, no cache"] = (
            [*est, "--prices", str(catalogs[5000]), "-f", "json"],
            cold,
        )
        if peer is not None:
            cmds["genai-prices calc (one model)"] = (
                [*peer, "-p", "calc", "-i", "1000000", "-o", "1000000", "openai:gpt-4o"],
                env,
            )

        result = measure(cmds, args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = result["python -c pass"][0]
    print(f"aicost benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine: {machine()}; {args.rounds} rounds, interleaved; median (min) wall time")
    print()
    print(f"{'command':34} {'median ms':>10} {'min ms':>8} {'x python':>9} {'peak MiB':>9}")
    for name, (median, low, peak) in result.items():
        print(f"{name:34} {median * 1000:10.1f} {low * 1000:8.1f} {median / base:9.2f} {peak:9.1f}")

    def ratio(a: str, b: str) -> float:
        return result[a][0] / result[b][0]

    checks = [
        ("aicost --version <= 4x python", ratio("aicost --version", "python -c pass"), 4.0),
        ("aicost --help <= 6x python", ratio("aicost --help", "python -c pass"), 6.0),
        ("bundled json <= 6x python", ratio("bundled, json", "python -c pass"), 6.0),
        ("bundled table <= 9x python", ratio("bundled, table", "python -c pass"), 9.0),
        ("5,000 models json <= 40x python", ratio("5,000 models, json", "python -c pass"), 40.0),
        ("5,000 models peak <= 150 MiB", result["5,000 models, json"][2], 150.0),
    ]
    if peer is not None:
        checks.insert(
            0,
            (
                "one model json <= 0.3x genai-prices",
                ratio("one model, json", "genai-prices calc (one model)"),
                0.3,
            ),
        )
    else:
        print(
            "\ngenai-prices: unavailable (install failed or --no-peer); that target is not measured"
        )
    cost = {n * PROVIDERS: result[f"{n * PROVIDERS:,} models, json"][0] for n in SIZES}
    sizes = sorted(cost)
    steps = [(cost[b] - cost[a]) / (b - a) * 1e6 for a, b in itertools.pairwise(sizes)]
    print()
    print(
        "scale: extra ms per 1,000 models, "
        + ", ".join(
            f"{a:,}->{b:,}: {s:.1f}"
            for (a, b), s in zip(itertools.pairwise(sizes), steps, strict=True)
        )
        + " (equal when cost is linear in catalog size)"
    )
    checks.append(
        ("linear: 2,500->5,000 step <= 1.5x the 1,250->2,500 step", steps[1] / steps[0], 1.5)
    )
    print()
    failed = 0
    for label, value, limit in checks:
        ok = value <= limit
        failed += not ok
        print(f"{'met ' if ok else 'MISS'}  {label:40} {value:8.2f}  (limit {limit:g})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
