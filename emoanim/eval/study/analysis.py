"""From raters' answers to study results: attention checks, preferences, Bradley–Terry, emotion recognition and
agreement. `analyse(study, answers)` -> `StudyResults`; `emoanim.eval.study.report` writes them out.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from emoanim.emotion.classes import EMOTIONS
from emoanim.eval.study.design import Study, Trial
from emoanim.eval.study.stats import Proportion, bradley_terry, krippendorff_alpha, wilson_interval
from emoanim.eval.study.store import Answer

PREFERENCE_QUESTIONS = ("natural", "sync")
DEFAULT_MIN_CHECK_RATE = 1.0  # a rater who fails any attention check is left out (the usual crowd-sourcing rule)
# Added to each compared pair's wins both ways when some system never won: keeps Bradley–Terry finite, shrinking
# scores a little towards 0 (a Jeffreys-like half count).
SHRINKAGE_WINS = 0.5


@dataclass(frozen=True)
class RaterChecks:
    rater: str
    slot: int
    answered: int
    checks: Proportion  # attention checks passed, of those answered
    included: bool


@dataclass(frozen=True)
class PairPreference:
    """How often system ``a`` was preferred over ``b`` on one question (all speech clips together)."""

    question: str
    a: str
    b: str
    a_preferred: Proportion


@dataclass(frozen=True)
class SystemScore:
    system: str
    label: str
    preferred: Proportion  # wins over all the system's comparisons
    bradley_terry: float  # centred log-strength


@dataclass(frozen=True)
class QuestionResults:
    question: str
    pairs: list[PairPreference]
    systems: list[SystemScore]  # best Bradley–Terry score first
    bt_connected: bool
    bt_shrinkage: float
    agreement: float  # Krippendorff's alpha on which system won each comparison
    left_chosen: Proportion  # position bias: ~0.5 when raters weren't swayed by side


@dataclass(frozen=True)
class EmotionResult:
    system: str
    label: str
    intended: str | None
    recognised: Proportion | None  # labels equal to ``intended``; None when the system shows a timeline
    counts: dict[str, int]  # label -> times given, over EMOTIONS


@dataclass
class StudyResults:
    raters: list[RaterChecks]
    answers_used: int
    min_check_rate: float
    identical_checks: Proportion  # same emotion named for both sides of an identical pair
    offset_checks: Proportion  # the in-sync clip chosen on sync
    questions: dict[str, QuestionResults] = field(default_factory=dict)
    emotions: list[EmotionResult] = field(default_factory=list)
    emotion_agreement: float = float("nan")  # Krippendorff's alpha on the emotion labels

    @property
    def included(self) -> list[str]:
        return [r.rater for r in self.raters if r.included]


def check_passed(trial: Trial, answer: Answer) -> bool:
    """Whether an attention-check answer is right (`design` module docstring)."""
    if trial.kind == "identical":
        return answer.emotion_left == answer.emotion_right
    if trial.kind == "offset":
        return answer.sync == trial.in_sync
    raise ValueError(f"trial {trial.id} is a {trial.kind} trial, not an attention check")


def analyse(study: Study, answers: list[Answer], raters: dict[str, int],
            min_check_rate: float = DEFAULT_MIN_CHECK_RATE) -> StudyResults:
    """Score every rater's checks, drop those below ``min_check_rate`` (raters with no check answered yet stay in),
    and compute the results from the rest. ``raters``: rater id -> slot, as `AnswerStore.raters` gives."""
    trials = {t.id: t for plan in study.plans for t in plan.trials}
    by_rater: dict[str, list[Answer]] = defaultdict(list)
    for answer in answers:
        if answer.trial in trials:
            by_rater[answer.rater].append(answer)

    rater_checks = []
    kinds: dict[str, list[bool]] = {"identical": [], "offset": []}
    for rater in sorted(by_rater):
        outcomes = []
        for answer in by_rater[rater]:
            trial = trials[answer.trial]
            if trial.kind != "compare":
                passed = check_passed(trial, answer)
                outcomes.append(passed)
                kinds[trial.kind].append(passed)
        checks = wilson_interval(sum(outcomes), len(outcomes))
        included = not outcomes or checks.rate >= min_check_rate
        rater_checks.append(RaterChecks(rater, raters.get(rater, -1), len(by_rater[rater]), checks, included))

    kept = [(a, trials[a.trial]) for r in rater_checks if r.included for a in by_rater[r.rater]]
    compares = [(a, t) for a, t in kept if t.kind == "compare"]
    results = StudyResults(
        rater_checks, len(compares), min_check_rate,
        wilson_interval(sum(kinds["identical"]), len(kinds["identical"])),
        wilson_interval(sum(kinds["offset"]), len(kinds["offset"])),
    )
    for question in PREFERENCE_QUESTIONS:
        results.questions[question] = _question(study, compares, question)
    results.emotions, results.emotion_agreement = _emotions(study, compares)
    return results


def _winner(study: Study, trial: Trial, side: str) -> str:
    return study.clip(trial.left if side == "left" else trial.right).system


def _question(study: Study, compares: list[tuple[Answer, Trial]], question: str) -> QuestionResults:
    specs = [s.spec for s in study.systems]
    index = {spec: i for i, spec in enumerate(specs)}
    wins = np.zeros((len(specs), len(specs)))
    units: dict[str, list[str]] = defaultdict(list)  # pair id -> winning system, one per rater
    left = 0
    for answer, trial in compares:
        choice = getattr(answer, question)
        left += choice == "left"
        winner = _winner(study, trial, choice)
        loser = _winner(study, trial, "right" if choice == "left" else "left")
        wins[index[winner], index[loser]] += 1
        units[trial.pair].append(winner)

    pairs = []
    for i in range(len(specs)):
        for j in range(i + 1, len(specs)):
            games = int(wins[i, j] + wins[j, i])
            if games:
                pairs.append(PairPreference(question, specs[i], specs[j], wilson_interval(int(wins[i, j]), games)))
    fit = bradley_terry(wins)
    connected, shrinkage = fit.connected, 0.0
    if not connected and wins.sum() > 0:
        shrinkage = SHRINKAGE_WINS
        fit = bradley_terry(wins, pseudo_wins=shrinkage)
    systems = [SystemScore(spec, study.system(spec).label,
                           wilson_interval(int(wins[i].sum()), int(wins[i].sum() + wins[:, i].sum())),
                           float(fit.log_strength[i]))
               for i, spec in enumerate(specs)]
    systems.sort(key=lambda s: -s.bradley_terry)
    return QuestionResults(question, pairs, systems, connected, shrinkage,
                           krippendorff_alpha(list(units.values())), wilson_interval(left, len(compares)))


def _emotions(study: Study, compares: list[tuple[Answer, Trial]]) -> tuple[list[EmotionResult], float]:
    labels: dict[str, Counter] = {s.spec: Counter() for s in study.systems}
    # One unit per (comparison, system shown): every rater who saw that comparison labelled it exactly once.
    units: dict[tuple[str, str], list[str]] = defaultdict(list)
    for answer, trial in compares:
        for side, label in (("left", answer.emotion_left), ("right", answer.emotion_right)):
            system = _winner(study, trial, side)
            labels[system][label] += 1
            units[(trial.pair, system)].append(label)
    results = []
    for system in study.systems:
        counts = {name: labels[system.spec][name] for name in EMOTIONS}
        intended = system.intended_emotion()
        recognised = None
        if intended is not None:
            recognised = wilson_interval(counts[intended], sum(counts.values()))
        results.append(EmotionResult(system.spec, system.label, intended, recognised, counts))
    return results, krippendorff_alpha(list(units.values()))
