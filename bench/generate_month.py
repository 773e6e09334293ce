"""Write a realistic month of settlement events and the creators' profiles (docs/batch.md).

    python bench/generate_month.py --events 1000000 --creators 100000 --out /tmp/month

writes ``events.jsonl`` and ``creators.jsonl`` (or ``.csv`` with ``--format csv``) in ``--out``.
Creators are active on one to three platforms: WeChat Channels (live tipping, a few merchant live
streams and mutual-selection orders), NetEase (program income) and Xingtu (brand orders). Activity
is skewed: a few creators produce many events. Events arrive in no particular order, as a month's
export does. Deterministic for a given ``--seed``. ``--malformed`` and ``--duplicates`` add bad rows
and repeated ids, ``--conflicts`` ids repeated with different content, for tests of rejection and
idempotency. Streams: memory does not grow with
``--events``.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import json
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterator

PLATFORMS = ("wechat_channels", "netease", "xingtu")
EVENT_COLUMNS = (
    "id",
    "platform",
    "creator",
    "date",
    "kind",
    "yuan",
    "beans_android",
    "beans_ios",
    "campaign",
    "leaderboard",
    "plays",
    "scene",
    "sales",
    "private_users",
    "order_id",
    "amount",
    "stage",
    "task",
    "co_creation",
    "participants",
)
CREATOR_COLUMNS = (
    "id",
    "followers",
    "original",
    "quality",
    "new_anchor",
    "xingtu_beta",
    "xingtu_registered",
    "mcn_name",
    "mcn_share",
    "tax_method",
    "tax_months_with_income",
    "tax_ytd_income",
    "tax_ytd_withheld",
)
STAGES = ("published",) * 16 + ("client_confirmed", "video_produced", "script_confirmed", "negotiating")


def creator_profiles(count: int, month: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Profiles with followers spread over five orders of magnitude, flags, MCNs and tax profiles."""
    for index in range(count):
        followers = int(10 ** rng.uniform(1, 6.3))
        profile: dict[str, Any] = {
            "id": f"c{index:06d}",
            "followers": followers,
            "original": rng.random() > 0.03,
            "quality": rng.random() < 0.1,
            "new_anchor": rng.random() < 0.05,
            "xingtu_beta": rng.random() < 0.05,
            "xingtu_registered": rng.random() < 0.3,
        }
        if rng.random() < 0.3:
            profile["mcn_name"] = f"mcn{rng.randrange(500):03d}"
            profile["mcn_share"] = f"0.{rng.randrange(1, 5)}"
        if rng.random() < 0.5:
            # Income earlier this year, and the cumulative withholding on it (CN-TAX-02, 3% bracket).
            earlier = rng.randrange(0, 90000)
            withheld = max(0, int(earlier * 0.8) - 5000 * (month - 1)) * 3 // 100
            profile.update(
                tax_method="platform",
                tax_months_with_income=month,
                tax_ytd_income=f"{earlier}.00",
                tax_ytd_withheld=f"{withheld}.00",
            )
        yield profile


def platforms_of(rng: random.Random) -> tuple[str, ...]:
    chosen = tuple(p for p, share in zip(PLATFORMS, (0.75, 0.4, 0.3), strict=True) if rng.random() < share)
    return chosen or ("wechat_channels",)


def event(index: int, creator: str, followers: int, platform: str, date: str, rng: random.Random) -> dict[str, Any]:
    """One event of the creator on the platform: mostly tips and program income, some orders."""
    row: dict[str, Any] = {"id": f"e{index:09d}", "platform": platform, "creator": creator, "date": date}
    draw = rng.random()
    if platform == "netease":
        row["kind"] = "programs"
        if draw < 0.3:
            row["campaign"] = f"{rng.randrange(50, 3000)}.00"
        elif draw < 0.4:
            row["leaderboard"] = f"{rng.randrange(100, 2000)}.00"
        else:
            row["plays"] = f"{rng.randrange(1, 800)}.{rng.randrange(100):02d}"
    elif platform == "xingtu" or (draw < 0.03 and followers > 10000):
        row.update(kind="order", amount=f"{rng.randrange(5, 400) * 100}.00", stage=rng.choice(STAGES))
    elif draw < 0.1:
        row.update(kind="merchant_live", sales=f"{rng.randrange(100, 50000)}.00", private_users=rng.randrange(0, 300))
    else:
        row["kind"] = "tips"
        if draw < 0.4:
            row["yuan"] = f"{rng.randrange(1, 500)}.00"
        if draw > 0.25:
            row["beans_android"] = rng.randrange(0, 20000)
        if draw > 0.55:
            row["beans_ios"] = rng.randrange(0, 14000)
    return row


def month_events(
    count: int, creators: list[tuple[str, int, tuple[str, ...]]], period: str, rng: random.Random
) -> Iterator[dict[str, Any]]:
    """``count`` events over the creators, skewed (weight ~ 1/rank^0.6), in random order."""
    year, month = (int(x) for x in period.split("-"))
    days = calendar.monthrange(year, month)[1]
    cumulative: list[float] = []
    total = 0.0
    for rank in range(1, len(creators) + 1):
        total += rank**-0.6
        cumulative.append(total)
    order = list(range(len(creators)))
    rng.shuffle(order)
    for index in range(count):
        position = rng.choices(order, cum_weights=cumulative)[0]
        creator, followers, platforms = creators[position]
        date = f"{period}-{rng.randrange(1, days + 1):02d}"
        yield event(index, creator, followers, rng.choice(platforms), date, rng)


def write_rows(out: TextIO, rows: Iterator[dict[str, Any]], columns: tuple[str, ...], fmt: str) -> int:
    written = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    k: json.dumps(v) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else v
                    for k, v in row.items()
                }
            )
            written += 1
        return written
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        written += 1
    return written


def generate(
    out: Path,
    *,
    events: int,
    creators: int,
    period: str = "2026-10",
    seed: int = 7,
    fmt: str = "jsonl",
    malformed: int = 0,
    duplicates: int = 0,
    conflicts: int = 0,
) -> tuple[Path, Path]:
    """Write the month; returns the paths of the events and creators files."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    events_path, creators_path = out / f"events.{fmt}", out / f"creators.{fmt}"
    month = int(period.split("-")[1])
    roster: list[tuple[str, int, tuple[str, ...]]] = []

    def profiles() -> Iterator[dict[str, Any]]:
        for profile in creator_profiles(creators, month, rng):
            roster.append((profile["id"], profile["followers"], platforms_of(rng)))
            yield profile

    with creators_path.open("w", encoding="utf-8", newline="") as handle:
        write_rows(handle, profiles(), CREATOR_COLUMNS, fmt)
    bad = set(rng.sample(range(events), min(malformed, events))) if malformed else set()
    again = set(rng.sample(range(events), min(duplicates, events))) if duplicates else set()
    clash = set(rng.sample(range(events), min(conflicts, events))) if conflicts else set()

    def rows() -> Iterator[dict[str, Any]]:
        repeats: list[dict[str, Any]] = []
        for index, row in enumerate(month_events(events, roster, period, rng)):
            if index in bad:
                row["yuan" if row["kind"] == "tips" else "id"] = "-1.00" if row["kind"] == "tips" else ""
            if index in again and index not in bad:
                repeats.append(row)
            if index in clash and index not in bad:
                repeats.append(_conflicting(row))
            yield row
        yield from repeats

    with events_path.open("w", encoding="utf-8", newline="") as handle:
        write_rows(handle, rows(), EVENT_COLUMNS, fmt)
    return events_path, creators_path


def _conflicting(row: dict[str, Any]) -> dict[str, Any]:
    """The row's id with other content: a day later, or the first of the month (a conflict)."""
    day = int(row["date"][8:])
    return {**row, "date": f"{row['date'][:8]}{day + 1 if day < 28 else 1:02d}"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--creators", type=int, default=None, help="default: events / 10")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--malformed", type=int, default=0, help="rows made invalid")
    parser.add_argument("--duplicates", type=int, default=0, help="rows repeated at the end of the file")
    parser.add_argument("--conflicts", type=int, default=0, help="ids repeated at the end with other content")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    creators = args.creators or max(1, args.events // 10)
    paths = generate(
        args.out,
        events=args.events,
        creators=creators,
        period=args.period,
        seed=args.seed,
        fmt=args.format,
        malformed=args.malformed,
        duplicates=args.duplicates,
        conflicts=args.conflicts,
    )
    print(json.dumps({"events": str(paths[0]), "creators": str(paths[1])}), file=sys.stdout)


if __name__ == "__main__":
    main()
