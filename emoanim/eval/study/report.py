"""`emoanim study report`: the study's results as ``report.md``, ``report.json`` and PNG charts in
``STUDY_DIR/report/``.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from emoanim.emotion.classes import EMOTIONS
from emoanim.errors import InputError
from emoanim.eval.study.analysis import DEFAULT_MIN_CHECK_RATE, StudyResults, analyse
from emoanim.eval.study.design import DATABASE, QUESTIONS, load_study
from emoanim.eval.study.plots import Bar, bar_chart, count_grid
from emoanim.eval.study.stats import Proportion
from emoanim.eval.study.store import AnswerStore

REPORT_DIR = "report"


def report_study(folder: str | Path, *, min_check_rate: float = DEFAULT_MIN_CHECK_RATE,
                 out: str | Path | None = None) -> tuple[StudyResults, list[Path]]:
    """Analyse the answers collected in the study ``folder`` and write the report files (default
    ``folder/report/``); returns the results and the files written."""
    folder = Path(folder)
    if not 0.0 <= min_check_rate <= 1.0:
        raise InputError(f"--min-check-rate must be between 0 and 1, got {min_check_rate}")
    study = load_study(folder)
    if not (folder / DATABASE).is_file():
        raise InputError("study has no answer database", path=folder / DATABASE,
                         hint="serve the study with `emoanim study serve` first")
    store = AnswerStore(folder / DATABASE)
    results = analyse(study, store.answers(), store.raters(), min_check_rate)
    out = Path(out) if out is not None else folder / REPORT_DIR
    out.mkdir(parents=True, exist_ok=True)
    files = [write_json(results, out / "report.json"), write_markdown(results, out / "report.md")]
    files += write_plots(results, out)
    return results, files


def write_json(results: StudyResults, path: Path) -> Path:
    def clean(value):  # JSON has no NaN; null says "not computable"
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    data = clean(asdict(results))
    data["included"] = results.included
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def _rate(p: Proportion | None) -> str:
    if p is None:
        return "–"
    if not p.trials:
        return "no data"
    return f"{p.rate:.0%} [{p.low:.0%}, {p.high:.0%}] ({p.successes}/{p.trials})"


def _number(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:.3f}"


def write_markdown(results: StudyResults, path: Path) -> Path:
    included = results.included
    lines = [
        "# Perceptual study report", "",
        f"Raters: {len(results.raters)} started, {len(included)} kept (attention-check pass rate >= "
        f"{results.min_check_rate:.0%}); {results.answers_used} comparisons analysed. "
        "Rates show the 95% Wilson interval in brackets.", "",
        "## Attention checks", "",
        f"- identical clips, same emotion named for both: {_rate(results.identical_checks)}",
        f"- speech delayed, in-sync clip chosen on sync: {_rate(results.offset_checks)}", "",
        "| rater | slot | answers | checks passed | kept |", "|---|---|---|---|---|",
    ]
    lines += [f"| {r.rater} | {r.slot} | {r.answered} | {_rate(r.checks)} | {'yes' if r.included else 'no'} |"
              for r in results.raters]
    for question, q in results.questions.items():
        lines += ["", f"## {QUESTIONS[question]}", "",
                  f"Agreement (Krippendorff's alpha, nominal): {_number(q.agreement)}. "
                  f"Left clip chosen: {_rate(q.left_chosen)}.", ""]
        if q.bt_shrinkage:
            lines += [f"Some system never won against the others, so Bradley–Terry used {q.bt_shrinkage:g} extra "
                      "wins each way per compared pair.", ""]
        lines += ["| system | preferred | Bradley–Terry (log-strength) |", "|---|---|---|"]
        lines += [f"| {s.label} | {_rate(s.preferred)} | {s.bradley_terry:+.3f} |" for s in q.systems]
        lines += ["", "| A | B | A preferred |", "|---|---|---|"]
        label = {s.system: s.label for s in q.systems}
        lines += [f"| {label[p.a]} | {label[p.b]} | {_rate(p.a_preferred)} |" for p in q.pairs]
    lines += ["", "## Emotion shown", "",
              f"Agreement (Krippendorff's alpha, nominal): {_number(results.emotion_agreement)}.", "",
              "| system | intended | recognised | " + " | ".join(EMOTIONS) + " |",
              "|---|---|---|" + "---|" * len(EMOTIONS)]
    lines += [f"| {e.label} | {e.intended or 'timeline'} | {_rate(e.recognised)} | "
              + " | ".join(str(e.counts[n]) for n in EMOTIONS) + " |" for e in results.emotions]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_plots(results: StudyResults, out: Path) -> list[Path]:
    files = []
    for question, q in results.questions.items():
        bars = [Bar(s.label, s.preferred.rate if s.preferred.trials else 0.0, s.preferred.low, s.preferred.high,
                    f"{s.preferred.successes}/{s.preferred.trials}") for s in q.systems]
        files.append(bar_chart(out / f"preference_{question}.png", QUESTIONS[question], bars, axis=(0.0, 1.0),
                               reference=0.5, axis_label="share of comparisons won (95% Wilson interval)"))
        bound = max([1.0] + [abs(s.bradley_terry) for s in q.systems])
        bars = [Bar(s.label, s.bradley_terry, note=f"{s.bradley_terry:+.2f}") for s in q.systems]
        files.append(bar_chart(out / f"bradley_terry_{question}.png", f"Bradley-Terry: {QUESTIONS[question]}",
                               bars, axis=(-bound, bound), reference=0.0, axis_label="log-strength"))
    emotions = results.emotions
    files.append(count_grid(out / "emotion_labels.png", "Emotion named by raters (outlined: intended)",
                            [e.label for e in emotions], list(EMOTIONS),
                            [[e.counts[n] for n in EMOTIONS] for e in emotions],
                            marked=[EMOTIONS.index(e.intended) if e.intended else None for e in emotions]))
    return files
