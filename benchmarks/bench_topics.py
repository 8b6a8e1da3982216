"""Time IPTC topic tagging alone on ~600-word stories built from the tagging gold set.

    .venv/bin/python benchmarks/bench_topics.py [--stories 5000] [--repeat 5]
    .venv/bin/python benchmarks/bench_topics.py --padding     # robustness, no timing

`--padding` instead prints dev primary-topic top-1 when 0, 2, 4 and 8 paragraphs of other gold
stories are appended to each story: the evidence for the position factors in ingest.tag.topics.

Each story is one gold story's headline with bodies of the following stories appended until it
has at least 600 words, so every story mixes several desks (the worst case for the matcher: many
codes fire). Reports the matcher's build time in a fresh interpreter, then the best of `repeat`
passes as stories/s and microseconds per story, by wall clock and by CPU time (the machine is
shared, so CPU time is the steadier figure). `ingest normalize --tag` end to end is timed by
benchmarks/bench_tagging.py; this isolates the topics share of that budget.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests/gold/tagging/stories.jsonl"
LABELS = ROOT / "tests/gold/tagging/topics.jsonl"


def stories(n: int, words: int = 600) -> list[tuple[str, list[str]]]:
    """`n` (headline, body) pairs of at least `words` words, cycling through the gold stories."""
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for i in range(n):
        body: list[str] = []
        j = i
        while sum(len(p.split()) for p in body) < words:
            body.extend(gold[j % len(gold)]["body"])
            j += 1
        out.append((gold[i % len(gold)]["headline"], body))
    return out


def padding(split: str = "dev") -> None:
    """Primary top-1 on `split` with off-desk paragraphs appended after each story's own body."""
    from ingest.tag.topics import primary_topics, tag_topics

    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    labels = {
        d["id"]: d["primary_topic"]
        for d in (
            json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()
        )
    }
    for extra in (0, 2, 4, 8):
        hits = n = 0
        for i, story in enumerate(gold):
            if story["split"] != split:
                continue
            body = list(story["body"])
            j = i + 1
            while len(body) < len(story["body"]) + extra:
                body.extend(gold[j % len(gold)]["body"])
                j += 7  # stride past neighbours, which often share a desk
            body = body[: len(story["body"]) + extra]
            hits += primary_topics(tag_topics(story["headline"], body))[:1] == [labels[story["id"]]]
            n += 1
        print(f"{split}: {extra} off-desk paragraphs appended: primary top-1 {hits / n:.3f} ({n} stories)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--padding", action="store_true", help="robustness to off-desk paragraphs instead")
    args = parser.parse_args()
    if args.padding:
        padding()
        return

    build = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; t, c = time.perf_counter(), time.process_time(); "
            "from ingest.tag.topics import load_topic_matcher; load_topic_matcher(); "
            "print(time.perf_counter() - t, time.process_time() - c)",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    from ingest.tag.topics import load_topic_matcher, tag_topics

    load_topic_matcher()
    docs = stories(args.stories)
    mean_words = sum(len(" ".join(b).split()) for _, b in docs) / len(docs)
    best_wall = best_cpu = float("inf")
    topics = 0
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        topics = sum(len(tag_topics(h, b)) for h, b in docs)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    n = len(docs)
    print(f"stories: {n} (mean {mean_words:.0f} words), topics per story: {topics / n:.1f}")
    build_wall, build_cpu = (float(x) for x in build.stdout.split())
    print(
        f"matcher build (import + compile, fresh process): wall {build_wall * 1000:.0f} ms, cpu {build_cpu * 1000:.0f} ms"
    )
    print(
        f"wall: best {best_wall:.2f} s = {n / best_wall:.0f} stories/s ({best_wall / n * 1e6:.0f} us/story)"
    )
    print(f"cpu:  best {best_cpu:.2f} s = {n / best_cpu:.0f} stories/s ({best_cpu / n * 1e6:.0f} us/story)")


if __name__ == "__main__":
    main()
