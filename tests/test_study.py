"""The perceptual A/B study kit: design, statistics, storage, server, report, CLI, and the page in a real browser."""
from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from emoanim.errors import InputError
from emoanim.eval.study import (
    Answer, AnswerStore, analyse, create_study, design_study, load_study, make_server, parse_system,
    prerendered_name, report_study,
)
from emoanim.eval.study.design import DATABASE, Speech
from emoanim.eval.study.stats import bradley_terry, fleiss_kappa, krippendorff_alpha, wilson_interval

from conftest import write_wav

SR = 16_000
CLIP_FPS = 10
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


# ---- statistics with published answers ------------------------------------------------------------------------------

@pytest.mark.parametrize("k, n, low, high", [
    # Newcombe (1998), Stat. Med. 17:857-872, Table II, method 3 (Wilson score)
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_matches_newcombe_1998(k, n, low, high):
    interval = wilson_interval(k, n)
    assert interval.low == pytest.approx(low, abs=6e-5)
    assert interval.high == pytest.approx(high, abs=6e-5)


def test_wilson_interval_edges_and_errors():
    assert (wilson_interval(0, 0).low, wilson_interval(0, 0).high) == (0.0, 1.0)
    assert wilson_interval(10, 10).high == 1.0
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


def test_fleiss_kappa_matches_fleiss_1971_worked_example():
    # 10 subjects, 14 raters, 5 categories: the example in Fleiss (1971) as reproduced widely; kappa = 0.210.
    table = np.array([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
                      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
    assert fleiss_kappa(table) == pytest.approx(0.210, abs=5e-4)
    assert fleiss_kappa(np.array([[3, 0], [0, 3], [3, 0]])) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        fleiss_kappa(np.array([[2, 0], [1, 2]]))  # uneven rating counts


def test_krippendorff_alpha_matches_krippendorff_2011_nominal_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units, missing values;
    # nominal alpha = 0.743.
    n = None
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3]
    c = [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]
    assert krippendorff_alpha(list(zip(a, b, c, d))) == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha([["x", "x"], ["y", "y", "y"]]) == pytest.approx(1.0)
    # Raters who always disagree, with both labels equally common, score below zero.
    assert krippendorff_alpha([["x", "y"], ["y", "x"], ["x", "y"]]) < 0


def test_bradley_terry_recovers_known_strengths_from_a_simulated_tournament():
    rng = np.random.default_rng(3)
    truth = np.array([1.2, 0.5, 0.0, -0.4, -1.3])  # log-strengths, mean 0
    k = len(truth)
    wins = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1, k):
            p = 1 / (1 + np.exp(truth[j] - truth[i]))
            w = rng.binomial(400, p)
            wins[i, j], wins[j, i] = w, 400 - w
    fit = bradley_terry(wins)
    assert fit.converged and fit.connected
    assert list(np.argsort(-fit.log_strength)) == list(range(k))
    assert np.abs(fit.log_strength - truth).max() < 0.15
    assert fit.win_probability(0, 4) == pytest.approx(1 / (1 + np.exp(truth[4] - truth[0])), abs=0.03)


def test_bradley_terry_flags_a_never_winning_system_and_shrinkage_keeps_it_finite():
    wins = np.array([[0, 5, 4], [3, 0, 6], [0, 0, 0]])  # system 2 never won
    assert not bradley_terry(wins, max_iter=50).connected
    shrunk = bradley_terry(wins, pseudo_wins=0.5)
    assert shrunk.connected and np.isfinite(shrunk.log_strength).all()
    assert np.argmin(shrunk.log_strength) == 2


# ---- design --------------------------------------------------------------------------------------------------------

SYSTEM_SPECS = ["phonetic:happy", "phonetic:neutral", "phonetic:sad:0.7 head_motion=subtle label=sad-subtle"]


def _speech(n: int) -> list[Speech]:
    return [Speech(f"s{i + 1}", f"clip{i}.wav", f"/nowhere/clip{i}.wav") for i in range(n)]


def test_each_pair_is_shown_in_both_orders_equally_often_and_every_slot_sees_every_pair_once():
    systems = [parse_system(s) for s in SYSTEM_SPECS]
    study = design_study(_speech(2), systems, raters=6, seed=11, checks=2)
    assert len(study.pairs) == 2 * 3
    orders: dict[tuple[str, str], int] = {}
    for plan in study.plans:
        compares = [t for t in plan.trials if t.kind == "compare"]
        assert sorted(t.pair for t in compares) == sorted(p.id for p in study.pairs)
        for t in compares:
            key = (study.clip(t.left).system, study.clip(t.right).system)
            orders[key] = orders.get(key, 0) + 1
        kinds = [t.kind for t in plan.trials]
        assert kinds.count("identical") == 2 and kinds.count("offset") == 2
        # within a slot, comparisons lean at most one either way
        pairs = {p.id: p for p in study.pairs}
        a_left = sum(study.clip(t.left).system == pairs[t.pair].a for t in compares)
        assert abs(2 * a_left - len(compares)) <= 1
    for pair in study.pairs:
        assert orders[(pair.a, pair.b)] == orders[(pair.b, pair.a)]
    assert set(orders.values()) == {6 // 2 * 2}  # each ordered pair of systems: 3 slots x 2 speech clips


def test_trial_order_is_shuffled_per_slot_but_reproducible_from_the_seed():
    systems = [parse_system(s) for s in SYSTEM_SPECS]
    one = design_study(_speech(3), systems, raters=4, seed=5)
    again = design_study(_speech(3), systems, raters=4, seed=5)
    other = design_study(_speech(3), systems, raters=4, seed=6)
    sequence = lambda study, slot: [(t.kind, t.pair) for t in study.plans[slot].trials]  # noqa: E731
    assert sequence(one, 0) == sequence(again, 0)
    assert sequence(one, 0) != sequence(one, 2)  # same orientation (slot parity), different order
    assert [sequence(one, s) for s in range(4)] != [sequence(other, s) for s in range(4)]
    ids = [t.id for plan in one.plans for t in plan.trials]
    assert len(ids) == len(set(ids))


def test_attention_checks_point_at_the_right_clips():
    systems = [parse_system(s) for s in SYSTEM_SPECS[:2]]
    study = design_study(_speech(2), systems, raters=4, seed=0, checks=3)
    sides = []
    for plan in study.plans:
        for t in plan.trials:
            if t.kind == "identical":
                assert t.left == t.right and study.clip(t.left).kind == "system"
            if t.kind == "offset":
                original = t.left if t.in_sync == "left" else t.right
                delayed = t.right if t.in_sync == "left" else t.left
                assert study.clip(delayed).kind == "offset" and study.clip(delayed).of == original
                sides.append(t.in_sync)
    assert sides.count("left") == sides.count("right")


@pytest.mark.parametrize("spec", ["phonetic", "nosuchanimator:happy", "phonetic:gleeful", "phonetic:happy fps=x",
                                  "phonetic:happy colour=red", "phonetic:happy blinks=maybe"])
def test_bad_system_specs_are_rejected_with_one_line(spec):
    with pytest.raises(InputError) as err:
        parse_system(spec)
    assert "\n" not in str(err.value)


def test_system_settings_reach_the_pipeline_options():
    system = parse_system("phonetic:happy:0.8  blinks=false seed=3 head_motion=subtle")
    options = system.options()
    assert (options.emotion, options.blinks, options.seed, options.head_motion) == ("happy:0.8", False, 3, "subtle")
    assert system.intended_emotion() == "happy"
    assert parse_system("phonetic:neutral@0,sad@1").intended_emotion() is None
    unsealed = parse_system("emote:happy lip_seal=false audio_only=false").options()  # the seal under a listening test
    assert unsealed.lip_seal is False and unsealed.audio_only is False


def test_design_refuses_odd_rater_counts_and_single_systems():
    systems = [parse_system(s) for s in SYSTEM_SPECS]
    with pytest.raises(InputError, match="even"):
        design_study(_speech(1), systems, raters=3, seed=0)
    with pytest.raises(InputError, match="two systems"):
        design_study(_speech(1), systems[:1], raters=2, seed=0)


# ---- building a study folder from tiny synthetic clips --------------------------------------------------------------

def _tiny_clip(path: Path, shade: int, audio: Path) -> Path:
    from emoanim.render.video import write_mp4

    frames = [np.full((32, 32, 3), (shade + 7 * i) % 256, np.uint8) for i in range(CLIP_FPS)]  # 1 s
    return write_mp4(frames, CLIP_FPS, path, audio=audio)


def _tone(path: Path, hz: float) -> Path:
    t = np.arange(SR) / SR  # 1 s
    return write_wav(path, (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32))


@pytest.fixture
def tiny_study(tmp_path):
    """A study of 2 speech clips x 2 systems, from pre-rendered 1 s clips (no face rendering)."""
    speech = [_tone(tmp_path / "hello.wav", 220), _tone(tmp_path / "world.wav", 330)]
    systems = [parse_system(s) for s in ("phonetic:happy", "phonetic:neutral")]
    clips = tmp_path / "prerendered"
    clips.mkdir()
    for s, wav in enumerate(speech):
        for k, system in enumerate(systems):
            _tiny_clip(clips / prerendered_name(wav, system), 40 + 100 * k + 20 * s, wav)
    study = create_study(speech, systems, tmp_path / "study", raters=2, seed=1, prerendered=clips,
                         offset_seconds=0.5)
    return tmp_path / "study", study


def _decode_audio(path: Path) -> np.ndarray:
    import imageio_ffmpeg

    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(SR), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.int16).astype(np.float32) / 32768


def test_create_study_writes_manifest_clips_database_and_a_delayed_sync_check(tiny_study):
    import imageio_ffmpeg

    folder, study = tiny_study
    assert load_study(folder) == study
    assert (folder / DATABASE).is_file()
    for clip in study.clips:
        assert (folder / clip.file).is_file()
    delayed = next(c for c in study.clips if c.kind == "offset")
    original, shifted = _decode_audio(folder / study.clip(delayed.of).file), _decode_audio(folder / delayed.file)
    rms = lambda x: float(np.sqrt(np.mean(x * x)))  # noqa: E731
    assert rms(original[: int(0.4 * SR)]) > 0.1
    assert rms(shifted[: int(0.45 * SR)]) < 0.01  # silent for the 0.5 s delay ...
    assert rms(shifted[int(0.55 * SR): int(0.95 * SR)]) > 0.1  # ... then the speech
    assert len(shifted) == pytest.approx(len(original), abs=0.05 * SR)  # cut to the video's length
    frames = lambda p: imageio_ffmpeg.count_frames_and_secs(str(p))[0]  # noqa: E731
    assert frames(folder / delayed.file) == frames(folder / study.clip(delayed.of).file)


def test_create_study_refuses_to_overwrite_a_study_and_needs_every_clip(tiny_study, tmp_path):
    folder, study = tiny_study
    speech = [Path(s.source) for s in study.speech]
    with pytest.raises(InputError, match="already exists"):
        create_study(speech, list(study.systems), folder, raters=2, prerendered=tmp_path / "prerendered")
    with pytest.raises(InputError, match="--offset"):
        create_study(speech, list(study.systems), tmp_path / "other", raters=2, prerendered=tmp_path / "prerendered",
                     offset_seconds=0.05)
    with pytest.raises(InputError, match="no pre-rendered clip"):
        create_study(speech, list(study.systems), tmp_path / "other", raters=2, prerendered=tmp_path)


# ---- answers: storage and analysis ---------------------------------------------------------------------------------

def test_store_keeps_the_first_answer_of_a_double_submit_and_survives_reopening(tmp_path):
    store = AnswerStore(tmp_path / "a.sqlite")
    assert [store.slot(r, 2) for r in ("ann", "bob", "cy", "ann")] == [0, 1, 0, 0]
    first = Answer("ann", "r1t001", "left", "right", "happy", "sad", 3.5)
    assert store.add(first) is True
    assert store.add(Answer("ann", "r1t001", "right", "left", "angry", "angry")) is False
    reopened = AnswerStore(tmp_path / "a.sqlite")
    assert reopened.answers() == [first]
    assert reopened.raters() == {"ann": 0, "bob": 1, "cy": 0}
    with pytest.raises(Exception):  # answers only from raters who have a slot
        reopened.add(Answer("zed", "r1t001", "left", "left", "happy", "happy"))


def _answer_everything(study, rater: str, slot: int, *, prefer: str, honest: bool) -> list[Answer]:
    """Answers for one rater: always prefers system ``prefer``; passes the checks only if ``honest``."""
    answers = []
    for t in study.plans[slot].trials:
        left, right = study.clip(t.left), study.clip(t.right)
        side = "left" if left.system == prefer else "right"
        emotion = {"phonetic:happy": "happy", "phonetic:neutral": "neutral"}
        e_left, e_right = emotion[left.system], emotion[right.system]
        sync = side
        if t.kind == "offset":
            sync = t.in_sync if honest else ("right" if t.in_sync == "left" else "left")
        if t.kind == "identical" and not honest:
            e_right = "angry"
        answers.append(Answer(rater, t.id, side, sync, e_left, e_right, 4.0))
    return answers


def test_analysis_drops_raters_who_fail_checks_and_ranks_the_preferred_system_first(tiny_study):
    folder, study = tiny_study
    store = AnswerStore(folder / DATABASE)
    for rater, prefer, honest in (("ann", "phonetic:happy", True), ("bob", "phonetic:happy", True),
                                  ("cy", "phonetic:neutral", False)):
        slot = store.slot(rater, len(study.plans))
        for answer in _answer_everything(study, rater, slot, prefer=prefer, honest=honest):
            store.add(answer)
    results = analyse(study, store.answers(), store.raters())
    assert results.included == ["ann", "bob"]
    assert results.offset_checks.successes == 2 and results.offset_checks.trials == 3
    natural = results.questions["natural"]
    assert natural.systems[0].system == "phonetic:happy"
    assert natural.systems[0].preferred.successes == natural.systems[0].preferred.trials == 4
    assert natural.bt_shrinkage > 0 and not natural.bt_connected  # neutral never won among kept raters
    assert np.isnan(natural.agreement)  # everyone chose the same system: alpha is undefined, not 1 (no variation)
    assert natural.left_chosen.trials == 4
    happy = next(e for e in results.emotions if e.system == "phonetic:happy")
    assert happy.recognised.successes == happy.recognised.trials == 4
    # With the failing rater kept, the other system wins some comparisons.
    lenient = analyse(study, store.answers(), store.raters(), min_check_rate=0.0)
    assert lenient.questions["natural"].bt_connected


def test_report_writes_markdown_json_and_pngs(tiny_study):
    from PIL import Image

    folder, study = tiny_study
    store = AnswerStore(folder / DATABASE)
    for rater in ("ann", "bob"):
        slot = store.slot(rater, len(study.plans))
        for answer in _answer_everything(study, rater, slot, prefer="phonetic:neutral", honest=True):
            store.add(answer)
    results, files = report_study(folder)
    names = {f.name for f in files}
    assert {"report.md", "report.json", "preference_natural.png", "bradley_terry_sync.png",
            "emotion_labels.png"} <= names
    data = json.loads((folder / "report" / "report.json").read_text())
    assert data["questions"]["sync"]["systems"][0]["system"] == "phonetic:neutral"
    assert "phonetic:neutral" in (folder / "report" / "report.md").read_text()
    for f in files:
        if f.suffix == ".png":
            with Image.open(f) as image:
                colours = np.unique(np.asarray(image).reshape(-1, 3), axis=0)
                assert image.size[0] > 300 and len(colours) > 3  # drawn, not blank


# ---- the server's API, without a browser ---------------------------------------------------------------------------

@contextmanager
def serving(folder: Path, port: int = 0):
    server = make_server(folder, "127.0.0.1", port, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _post(url: str, body) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_api_validates_answers_and_serves_clip_byte_ranges(tiny_study):
    folder, study = tiny_study
    with serving(folder) as base:
        status, state = _post(f"{base}/api/start", {"rater": "ann"})
        assert status == 200 and state["done"] == 0 and state["total"] == len(study.plans[0].trials)
        trial = state["trial"]
        good = {"rater": "ann", "trial": trial["id"], "natural": "left", "sync": "right", "emotion_left": "happy",
                "emotion_right": "sad", "seconds": 2.0}
        for bad in ({**good, "natural": "middle"}, {**good, "emotion_left": "gleeful"},
                    {**good, "trial": "r2t001"}, {**good, "rater": "a b"}, ["not", "an", "object"]):
            assert _post(f"{base}/api/answer", bad)[0] == 400
        assert _post(f"{base}/api/answer", good)[1]["stored"] is True
        again = _post(f"{base}/api/answer", good)[1]
        assert again["stored"] is False and again["done"] == 1
        size = (folder / study.clip(trial["left"].split("/")[-1][:-4]).file).stat().st_size
        request = urllib.request.Request(f"{base}/{trial['left']}", headers={"Range": "bytes=10-19"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 206 and reply.headers["Content-Range"] == f"bytes 10-19/{size}"
            assert reply.read() == (folder / trial["left"]).read_bytes()[10:20]
        with urllib.request.urlopen(f"{base}/", timeout=10) as reply:
            page = reply.read().decode()
        assert "<script" in page and "http://" not in page and "https://" not in page  # nothing from outside
        for missing in ("/clips/../manifest.json", "/clips/x.mp4", "/nothing"):
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(f"{base}{missing}", timeout=10)
    assert len(AnswerStore(folder / DATABASE).answers()) == 1


# ---- the CLI -------------------------------------------------------------------------------------------------------

def _cli(argv: list[str]) -> int:
    from emoanim.cli import study as study_cli

    parser = argparse.ArgumentParser(prog="emoanim")
    study_cli.add_parser(parser.add_subparsers(dest="command"))
    return study_cli.run(parser.parse_args(argv))


def test_cli_creates_from_prerendered_clips_and_reports(tiny_study, tmp_path, capsys):
    folder, study = tiny_study
    speech = [s.source for s in study.speech]
    out = tmp_path / "cli-study"
    assert _cli(["study", "create", "--speech", *speech, "--systems", "phonetic:happy", "phonetic:neutral",
                 "--out", str(out), "--raters", "4", "--clips", str(tmp_path / "prerendered")]) == 0
    assert "4 rater slots" in capsys.readouterr().out
    assert len(load_study(out).plans) == 4
    assert _cli(["study", "report", str(out)]) == 0
    assert (out / "report" / "report.md").is_file()


# ---- the page, in a real headless browser --------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriver:
    """A minimal W3C WebDriver client (the protocol selenium speaks) talking to chromedriver over HTTP on
    127.0.0.1, so the test needs no extra Python package."""

    ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C spec's element key

    def __init__(self, profile: Path):
        self.port = _free_port()
        self.process = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}", "--allowed-ips=127.0.0.1"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.session = None
        deadline = time.monotonic() + 20
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                self.close()
                pytest.fail("chromedriver did not start within 20 s")
            time.sleep(0.1)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"]
        capabilities = {"alwaysMatch": {"browserName": "chrome",
                                        "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}
        self.session = self._call("POST", "/session", {"capabilities": capabilities})["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None):
        data = None if body is None and method == "GET" else json.dumps(body or {}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return json.loads(reply.read())["value"]
        except urllib.error.HTTPError as err:
            raise AssertionError(f"WebDriver {method} {path}: {err.read().decode()[:500]}") from None

    def do(self, method: str, path: str, body: dict | None = None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def go(self, url: str) -> None:
        self.do("POST", "/url", {"url": url})

    def find(self, css: str) -> str:
        return self.do("POST", "/element", {"using": "css selector", "value": css})[self.ELEMENT]

    def click(self, css: str) -> None:
        self.do("POST", f"/element/{self.find(css)}/click")

    def type(self, css: str, text: str) -> None:
        self.do("POST", f"/element/{self.find(css)}/value", {"text": text})

    def js(self, script: str, *args):
        return self.do("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, script: str, what: str, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(script)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; page says: "
                             f"{self.js('return document.body.innerText')[:400]!r}")

    def close(self) -> None:
        if self.session is not None:
            try:
                self.do("DELETE", "")
            finally:
                self.session = None
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _visible(section: str) -> str:
    return f"return !document.getElementById('{section}').classList.contains('hidden')"


def _rate_trial(browser: WebDriver, study, trial_id: str) -> dict:
    """Watch both clips to the end and answer like an attentive rater; return what was chosen."""
    trial = study.trial(trial_id)
    assert browser.js("return document.getElementById('submit').disabled") is True
    for side in ("left", "right"):
        browser.click(f"#play-{side}")
        browser.wait(f"return document.getElementById('video-{side}').ended", f"the {side} clip to play to its end")
    sync = trial.in_sync or "left"
    chosen = {"natural": "right", "sync": sync, "emotion_left": "happy",
              "emotion_right": "happy" if trial.kind == "identical" else "neutral"}
    browser.click("input[name=natural][value=right]")
    browser.click(f"input[name=sync][value={sync}]")
    browser.click(f"#emotion-left option[value={chosen['emotion_left']}]")
    browser.click(f"#emotion-right option[value={chosen['emotion_right']}]")
    browser.wait("return !document.getElementById('submit').disabled", "the Next button to unlock")
    browser.click("#submit")
    return chosen


@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                    reason="Debian's chromium and chromium-driver are not installed "
                           "(apt-get install -y chromium chromium-driver; `make setup` does it)")
def test_page_in_headless_chromium_rates_persists_across_restart_and_reports(tiny_study, tmp_path):
    folder, study = tiny_study
    total = len(study.plans[0].trials)  # 2 comparisons + 2 attention checks
    port = _free_port()
    browser = WebDriver(tmp_path / "profile")
    try:
        with serving(folder, port) as base:
            browser.go(f"{base}/")
            browser.wait(_visible("join"), "the rater-id form")
            browser.type("#rater-input", "ann")
            browser.click("#start")
            browser.wait(_visible("trial"), "the first trial")
            assert "ann" in browser.js("return location.search")
            assert browser.js("return document.getElementById('progress-text').textContent") == f"Trial 1 of {total}"
            first = browser.js("return trial.id")
            chosen = _rate_trial(browser, study, first)
            browser.wait(f"return document.getElementById('progress-text').textContent === 'Trial 2 of {total}'",
                         "the second trial")
            # A double submit (a retry after a lost reply) from the page is acknowledged and changes nothing.
            repeat = browser.do("POST", "/execute/async", {"script": """
                const done = arguments[arguments.length - 1];
                fetch('api/answer', {method: 'POST', headers: {'Content-Type': 'application/json'},
                      body: JSON.stringify(arguments[0])}).then(r => r.json()).then(done, e => done(String(e)));
                """, "args": [{"rater": "ann", "trial": first, "natural": "left", "sync": "left",
                               "emotion_left": "sad", "emotion_right": "sad", "seconds": 1}]})
            assert repeat["stored"] is False and repeat["done"] == 1
        stored = AnswerStore(folder / DATABASE).answers()
        assert [(a.rater, a.trial, a.natural, a.sync, a.emotion_left, a.emotion_right) for a in stored] == \
            [("ann", first, *chosen.values())]

        # The server restarts; the rater reloads and carries on from trial 2.
        with serving(folder, port) as base:
            browser.go(f"{base}/?rater=ann")
            browser.wait(_visible("trial"), "the trial after the restart")
            assert browser.js("return document.getElementById('progress-text').textContent") == f"Trial 2 of {total}"
            for number in range(2, total + 1):
                browser.wait(f"return document.getElementById('progress-text').textContent === "
                             f"'Trial {number} of {total}'", f"trial {number}")
                _rate_trial(browser, study, browser.js("return trial.id"))
            browser.wait(_visible("thanks"), "the thank-you page")
            assert f"All {total} trials are done" in browser.js("return document.body.innerText")
    finally:
        browser.close()

    answers = AnswerStore(folder / DATABASE).answers()
    assert len(answers) == total and {a.rater for a in answers} == {"ann"}
    assert sorted(a.trial for a in answers) == sorted(t.id for t in study.plans[0].trials)
    results, files = report_study(folder)
    assert results.included == ["ann"]
    assert results.offset_checks.successes == results.offset_checks.trials == 1
    assert results.identical_checks.successes == 1
    assert results.answers_used == 2 and results.questions["natural"].left_chosen.successes == 0
    assert all(f.is_file() for f in files)
