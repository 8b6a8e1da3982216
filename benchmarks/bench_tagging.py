"""Time one `ingest normalize --tag` run over 5,000 generated ~600-word wire stories.

    .venv/bin/python benchmarks/bench_tagging.py [--stories 5000] [--repeat 3] [--seed 11] [--json]

Writes invented Reuters-style plain-text stories (dateline, title and said cues, companies with
suffixes, real countries, cities, central banks and leaders, a credit line) to a temp dir, then
runs the console script exactly as a user would, once per repeat, in a fresh process each time.
Reports wall time including interpreter start-up and catalogue load, stories/s, and the child's
peak RSS (from wait4). Targets (issue 3): <= 5 s and <= 250 MB for 5,000 stories. `--json`
prints one JSON object (every run's figures) last; benchmarks/run_all.py reads it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import cached_bytecode

ROOT = Path(__file__).resolve().parents[1]
FIRST = [
    "Halvard",
    "Saskia",
    "Lena",
    "Daniel",
    "Rosa",
    "Kofi",
    "Elif",
    "Kenji",
    "Ines",
    "Jonah",
    "Noor",
    "Rafael",
    "Teodora",
    "Imogen",
    "Miles",
    "Claire",
    "Tomas",
    "Niamh",
    "Piotr",
    "Kaja",
]
LAST = [
    "Moen",
    "Verhoeven",
    "Fischer",
    "Okafor",
    "Ibarra",
    "Karaca",
    "Aramaki",
    "Albrecht",
    "Pritchard",
    "Qassem",
    "Vlasic",
    "Tarrant",
    "Ashdown",
    "Moreau",
    "Ferreira",
    "Zawadzki",
    "Lindqvist",
    "Renzi",
    "Pell",
    "Harwell",
]
CO_A = [
    "Norvale",
    "Quillmark",
    "Ardent",
    "Tessaro",
    "Orvane",
    "Calder",
    "Harrowgate",
    "Brenmoor",
    "Tarsel",
    "Corvina",
    "Valmont",
    "Marroway",
    "Brindle",
    "Kestrel",
    "Pellan",
    "Sunderby",
]
CO_B = (
    "Shipping",
    "Minerals",
    "Cement Group",
    "Rail Holdings",
    "Telecom",
    "Aerospace",
    "Steel Corp",
    "Foods Inc",
    "Energy",
    "Bank",
)
DATELINES = (
    "LONDON",
    "OSLO",
    "TOKYO",
    "SINGAPORE",
    "NEW YORK",
    "FRANKFURT",
    "SANTIAGO",
    "NAIROBI/KAMPALA",
    "WASHINGTON",
    "BEIJING",
)
COUNTRIES = (
    "Germany",
    "Brazil",
    "India",
    "Japan",
    "China",
    "France",
    "Nigeria",
    "Chile",
    "Poland",
    "Canada",
    "Turkey",
    "Ukraine",
)
DEMONYMS = (
    "German",
    "Brazilian",
    "Indian",
    "Japanese",
    "Chinese",
    "French",
    "Russian",
    "Polish",
    "Canadian",
    "Australian",
)
CITIES = (
    "Berlin",
    "Mumbai",
    "Sao Paulo",
    "Shanghai",
    "Paris",
    "Lagos",
    "Toronto",
    "Istanbul",
    "Kyiv",
    "Seoul",
    "Madrid",
)
BANKS = (
    "the European Central Bank",
    "the Federal Reserve",
    "the Bank of England",
    "the Bank of Japan",
    "the IMF",
)
LEADERS = (
    "President Emmanuel Macron",
    "Chancellor Friedrich Merz",
    "Prime Minister Narendra Modi",
    "President Xi Jinping",
)
ROLES = ("Chief Executive", "Finance Minister", "Chief Financial Officer", "Trade Minister", "Chairman")
SENTENCES = (
    "{role} {p} said the company would {verb} its {year} targets after a review of operations in {country}.",
    '"We see demand holding up in {city} and across {country}," said {p}, an analyst at {co}.',
    "{demonym} exporters have struggled since {bank} raised rates, according to data compiled by {co}.",
    "{co} said on {day} it had agreed to buy a stake in a rival for {n} million dollars, pending approval in {country}.",
    "{p}, a spokeswoman for {co}, declined to comment on the talks, which are taking place in {city}.",
    "{surname} said the group expected to finish the first phase of the programme by the end of {year}.",
    "{leader} is due to visit {city} next month, officials said, with trade and energy on the agenda.",
    "Shares in {co} rose {pct}% in early trade, while the broader market index was little changed.",
    "The ministry said it would publish the results of the tender by the end of the month, a delay of {n} days.",
    "Unions said they would seek talks with management in the coming weeks over pay and working hours.",
)


# Real copy carries names in about half its sentences; the rest is background like this.
FILLERS = (
    "The figures were in line with forecasts from a poll of economists.",
    "The company employs about {n} people and reported sales of {n} million euros last year.",
    "Unions said they would seek talks with management over pay in the coming weeks.",
    "Regulators have yet to approve the plan, which was first announced in March.",
    "The decision followed a review of the group's budget and its investment plans for {year}.",
    "Demand for steel and cement has weakened since the summer as construction slowed.",
    "Prices for the benchmark contract fell {pct}% over the week, the biggest drop since May.",
    "It was not immediately clear how many jobs would be affected by the changes.",
    "The results will be published at the end of the month, a spokesman said.",
    "Investors have been cautious ahead of the central bank's next meeting in {year}.",
)


def person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return f"{first} {last}", last


def company(rng: random.Random) -> str:
    return f"{rng.choice(CO_A)} {rng.choice(CO_B)}"


def story(rng: random.Random, words: int = 600) -> str:
    lead_co = company(rng)
    name, surname = person(rng)
    paragraphs: list[str] = []
    count = 0
    while count < words:
        sentence = rng.choice(SENTENCES if rng.random() < 0.55 else FILLERS).format(
            role=rng.choice(ROLES),
            p=name if rng.random() < 0.5 else person(rng)[0],
            surname=surname,
            verb=rng.choice(("raise", "cut", "keep")),
            year=rng.randint(2026, 2030),
            country=rng.choice(COUNTRIES),
            city=rng.choice(CITIES),
            co=lead_co if rng.random() < 0.4 else company(rng),
            demonym=rng.choice(DEMONYMS),
            bank=rng.choice(BANKS),
            day=rng.choice(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")),
            n=rng.randint(10, 900),
            leader=rng.choice(LEADERS),
            pct=rng.randint(1, 9),
        )
        # Wire paragraphs hold one or two sentences.
        if paragraphs and len(paragraphs[-1].split()) < 25 and rng.random() < 0.5:
            paragraphs[-1] += " " + sentence
        else:
            paragraphs.append(sentence)
        count += len(sentence.split())
    dateline = f"{rng.choice(DATELINES)}, Nov {rng.randint(1, 28)} (Reuters) - "
    headline = f"{lead_co} to expand in {rng.choice(COUNTRIES)} as demand recovers"
    credit = f"(Reporting by {person(rng)[0]}; Editing by {person(rng)[0]})"
    return "\n\n".join([headline, dateline + paragraphs[0], *paragraphs[1:], credit]) + "\n"


def run_once(paths: list[str], out: Path, *, tag: bool = True) -> tuple[float, int, float]:
    """Run the console script once; return wall seconds, peak RSS in MB and CPU seconds of the child."""
    exe = Path(sys.executable).with_name("ingest")
    start = time.perf_counter()
    with out.open("wb") as fh:
        proc = subprocess.Popen(
            [str(exe), "normalize", *(["--tag"] if tag else []), *paths], stdout=fh, cwd=ROOT
        )
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"ingest normalize --tag exited {proc.returncode}")
    return wall, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def breakdown(count: int, seed: int) -> None:
    """CPU per story of each step, in one process, on `count` generated stories."""
    sys.path.insert(0, str(ROOT / "src"))
    from ingest.normalize import normalize
    from ingest.record import dumps
    from ingest.tag import load_tagger, tag_record
    from ingest.tag.topics import tag_topics

    rng = random.Random(seed)
    raw = [story(rng).encode("utf-8") for _ in range(count)]
    records = [normalize(data, name="story.txt")[0] for data in raw]
    tagger = load_tagger()
    tagged = [tag_record(r, tagger=tagger) for r in records]

    def cpu_us(step: Any) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            step()
            best = min(best, time.process_time() - start)
        return best / count * 1e6

    steps = {
        "normalize": lambda: [normalize(data, name="story.txt") for data in raw],
        "entities": lambda: [tagger.entities(r) for r in records],
        "topics": lambda: [tag_topics(r["headline"], r["body"]) for r in records],
        "json (untagged)": lambda: [dumps(r) for r in records],
        "json (tagged)": lambda: [dumps(r) for r in tagged],
    }
    for name, step in steps.items():
        print(f"  {name:16} {cpu_us(step):7.0f} us CPU per story")
    size = sum(len(dumps(r)) for r in tagged) // count
    print(
        f"  tagged record: {size} bytes of JSON, {sum(len(r['entities']) for r in tagged) / count:.1f} entities"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stories", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--breakdown", type=int, metavar="N", help="also time each step in-process on N stories"
    )
    parser.add_argument("--json", action="store_true", help="also print every run as one JSON line, last")
    args = parser.parse_args()
    if cached_bytecode():
        print("PYTHONDONTWRITEBYTECODE dropped for the runs: an installed package has its bytecode")

    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="bench-tagging-"))
    try:
        paths = []
        total_words = 0
        for i in range(args.stories):
            text = story(rng)
            total_words += len(text.split())
            path = tmp / f"story{i:05d}.txt"
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        runs = [run_once(paths, tmp / "out.jsonl") for _ in range(args.repeat)]
        # counted in chunks: the output held whole (~90 MB) would be counted in the next forked
        # child's ru_maxrss (the `ingest normalize` runs below), not the child's own memory
        with (tmp / "out.jsonl").open("rb") as fh:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
        walls = [w for w, _, _ in runs]
        best = min(walls)
        print(f"stories: {args.stories} (mean {total_words / args.stories:.0f} words), records out: {lines}")
        print(
            f"wall time: best {best:.2f} s, median {statistics.median(walls):.2f} s over {args.repeat} runs"
        )
        print(f"throughput (best): {args.stories / best:,.0f} stories/s")
        # CPU time of the child: what the run costs on one core when nothing else shares it.
        print(f"CPU time (user+sys): best {min(c for _, _, c in runs):.2f} s")
        print(f"peak RSS: {max(r for _, r, _ in runs)} MB")
        # The same files through `ingest normalize` alone: what tagging adds on top.
        plain = [run_once(paths, tmp / "plain.jsonl", tag=False) for _ in range(args.repeat)]
        base = min(c for _, _, c in plain)
        print(
            f"CPU time of `ingest normalize` alone: best {base:.2f} s; tagging adds {min(c for _, _, c in runs) - base:.2f} s"
        )
        print(f"load average after the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        if args.json:
            as_dicts = [
                {"wall_s": round(w, 3), "peak_rss_mb": r, "cpu_s": round(c, 3)}
                for rs in (runs, plain)
                for w, r, c in rs
            ]
            print(
                json.dumps(
                    {
                        "stories": args.stories,
                        "mean_words": round(total_words / args.stories),
                        "records": lines,
                        "runs": {"normalize+tag": as_dicts[: len(runs)], "normalize": as_dicts[len(runs) :]},
                    }
                )
            )
    finally:
        shutil.rmtree(tmp)
    if args.breakdown:
        # After the timed runs: a forked child's ru_maxrss would include this process's memory.
        print(f"per-step CPU on {args.breakdown} stories (in-process):")
        breakdown(args.breakdown, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
