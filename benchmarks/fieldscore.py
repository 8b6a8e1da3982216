"""Field accuracy of an article extractor against known truth, scored the same way for every tool.

A tool's output for one page is first mapped to `Fields` (what it says the headline, body, byline,
dateline and credits are; `NO_FIELD` where the tool has no such field at all, which is reported
as "no field" rather than scored as wrong). Scores per page:

- headline: 1 when equal to the truth after collapsing whitespace (Reuters copy conventions: the
  headline without "UPDATE 2-" style prefixes), else 0;
- headline_text: the same with Reuters desk prefixes ("UPDATE 2-", "EXCLUSIVE-", "Exclusive: ")
  stripped from both sides first: whether the tool found the headline at all;
- body: token F1 of the body text against the truth paragraphs (lower-cased word tokens, counted
  as multisets: precision = shared / predicted, recall = shared / truth);
- byline: 1 when the set of author names equals the truth (case-folded; an empty truth needs an
  empty answer), else 0;
- dateline: 1 when the locations and the month/day equal the truth (no dateline in the truth
  needs none in the answer), else 0;
- credits: 1 when the names per role (reporting, editing, ...) equal the truth, else 0.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FIELDS = ("headline", "headline_text", "body", "byline", "dateline", "credits")
CREDIT_ROLES = (
    "reporting",
    "additional_reporting",
    "writing",
    "editing",
    "compiled",
    "graphics",
    "factbox",
)


class _NoField:
    """The tool has no such field (not the same as an empty answer)."""

    def __repr__(self) -> str:
        return "NO_FIELD"


NO_FIELD: Any = _NoField()
TOKEN_RE = re.compile(r"\w+(?:[.'’]\w+)*", re.UNICODE)
_DESK = "UPDATE|REFILE|CORRECTED|EXCLUSIVE|RPT|WRAPUP|FACTBOX|ANALYSIS|INSIGHT|BREAKINGVIEWS|BUZZ"
PREFIX_RE = re.compile(
    rf"^(?:(?:{_DESK})(?: \d+)?-\s*|(?:Exclusive|Analysis|Factbox|Explainer|Insight|Breakingviews):\s+)+"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fields:
    """What one tool (or the truth) says about one page; NO_FIELD where the tool has none."""

    headline: Any
    body: Any  # text, or a list of paragraphs
    byline: Any  # list of author names
    dateline: Any  # {"locations": [...], "month": int, "day": int} or None
    credits: Any  # {role: [names]} (empty roles left out)


def tokens(text: str | Sequence[str]) -> list[str]:
    """Lower-cased word tokens of a text or of paragraphs."""
    if not isinstance(text, str):
        text = "\n".join(text)
    return TOKEN_RE.findall(text.casefold())


def token_f1(predicted: str | Sequence[str], truth: str | Sequence[str]) -> float:
    """Multiset token F1; 1.0 when both are empty."""
    p, t = Counter(tokens(predicted)), Counter(tokens(truth))
    if not p and not t:
        return 1.0
    shared = sum((p & t).values())
    if not shared:
        return 0.0
    precision, recall = shared / sum(p.values()), shared / sum(t.values())
    return 2 * precision * recall / (precision + recall)


def _ws(text: str | None) -> str:
    return " ".join((text or "").split())


def _names(names: Iterable[str] | None) -> frozenset[str]:
    return frozenset(_ws(n).casefold() for n in names or () if _ws(n))


def _dateline(d: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
    if not d:
        return None
    return (tuple(_ws(x).upper() for x in d.get("locations") or ()), d.get("month"), d.get("day"))


def _credits(c: Mapping[str, Sequence[str]] | None) -> dict[str, frozenset[str]]:
    return {role: _names(c.get(role)) for role in CREDIT_ROLES if c and c.get(role)}


def score(pred: Fields, truth: Fields) -> dict[str, float | None]:
    """Per-field score of one page (None: the tool has no such field)."""
    out: dict[str, float | None] = {}
    out["headline"] = None if pred.headline is NO_FIELD else float(_ws(pred.headline) == _ws(truth.headline))
    out["headline_text"] = (
        None
        if pred.headline is NO_FIELD
        else float(PREFIX_RE.sub("", _ws(pred.headline)) == PREFIX_RE.sub("", _ws(truth.headline)))
    )
    out["body"] = None if pred.body is NO_FIELD else token_f1(pred.body or "", truth.body)
    out["byline"] = None if pred.byline is NO_FIELD else float(_names(pred.byline) == _names(truth.byline))
    out["dateline"] = (
        None if pred.dateline is NO_FIELD else float(_dateline(pred.dateline) == _dateline(truth.dateline))
    )
    out["credits"] = (
        None if pred.credits is NO_FIELD else float(_credits(pred.credits) == _credits(truth.credits))
    )
    return out


def mean_scores(pages: Sequence[Mapping[str, float | None]]) -> dict[str, float | None]:
    """Mean of each field over pages; None when the tool has no such field."""
    out: dict[str, float | None] = {}
    for name in FIELDS:
        values = [p[name] for p in pages if p.get(name) is not None]
        out[name] = round(sum(values) / len(values), 4) if values else None  # type: ignore[arg-type]
    return out


# --- adapters: each tool's output -> Fields ---------------------------------------------------


def from_record(record: Mapping[str, Any] | None) -> Fields:
    """An `ingest normalize` story record (also the golden expected records)."""
    if record is None:
        return Fields(headline="", body="", byline=[], dateline=None, credits={})
    dateline = record.get("dateline")
    date = (dateline or {}).get("date") or {}
    return Fields(
        headline=record.get("headline") or "",
        body=record.get("body") or [],
        byline=(record.get("byline") or {}).get("authors") or [],
        dateline=(
            {"locations": dateline.get("locations") or [], "month": date.get("month"), "day": date.get("day")}
            if dateline
            else None
        ),
        credits={r: v for r, v in (record.get("credits") or {}).items() if r in CREDIT_ROLES and v},
    )


_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|&)\s*")


def split_authors(text: str | None) -> list[str]:
    """'A B; C D' / 'A B, C D' / 'A B and C D' -> names ('By ' dropped)."""
    text = re.sub(r"^\s*by\s+", "", text or "", flags=re.IGNORECASE)
    return [n for n in _AUTHOR_SPLIT.split(text) if n.strip()]


def from_trafilatura(doc: Mapping[str, Any] | None) -> Fields:
    """trafilatura's JSON output (title, author, text); it has no dateline or credits field."""
    doc = doc or {}
    return Fields(
        headline=doc.get("title") or "",
        body=doc.get("text") or doc.get("raw_text") or "",
        byline=split_authors(doc.get("author")),
        dateline=NO_FIELD,
        credits=NO_FIELD,
    )


def from_fundus(doc: Mapping[str, Any] | None) -> Fields:
    """fundus's article (title, authors, body text); it has no dateline or credits field."""
    doc = doc or {}
    return Fields(
        headline=doc.get("title") or "",
        body=doc.get("body") or "",
        byline=list(doc.get("authors") or []),
        dateline=NO_FIELD,
        credits=NO_FIELD,
    )


def truth_from_dict(d: Mapping[str, Any]) -> Fields:
    """Truth as written by make_corpus (`html_truth.jsonl`)."""
    return Fields(
        headline=d["headline"],
        body=d["body"],
        byline=d["byline"],
        dateline=d["dateline"],
        credits=d["credits"],
    )
