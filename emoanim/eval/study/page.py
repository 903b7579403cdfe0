"""The raters' web page: one self-contained HTML document (inline CSS and JS, no external requests).

The page asks the server for the rater's next trial (``POST /api/start``), shows the two clips side by side, and
posts the answers (``POST /api/answer``); the server replies with the next trial or none, which shows the thank-you
view. The submit button unlocks only when both clips have been played to the end and every question is answered.
"""
from __future__ import annotations

import html
import json

from emoanim.emotion.classes import EMOTIONS
from emoanim.eval.study.design import QUESTIONS

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Facial animation study</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em; color: #222; }
h1 { font-size: 1.3em; }
.hidden { display: none; }
.clips { display: flex; gap: 1em; }
.clip { flex: 1; text-align: center; }
.clip video { width: 100%; max-height: 55vh; object-fit: contain; background: #000; border-radius: 4px; }
.clip .side { font-weight: bold; margin: .3em 0; }
fieldset { border: 1px solid #ccc; border-radius: 4px; margin: .8em 0; }
legend { font-weight: bold; }
label { margin-right: 1.5em; }
progress { width: 100%; }
#missing { color: #a40; min-height: 1.2em; }
#error { color: #b00; font-weight: bold; }
button { font-size: 1em; padding: .4em 1.2em; }
</style></head>
<body>
<h1>Which animated face is better?</h1>
<p id="error" role="alert"></p>
<form id="join" class="hidden">
  <p>Enter the rater id you were given (letters, digits, <code>-_.@</code>).</p>
  <input id="rater-input" name="rater" required pattern="[A-Za-z0-9_.@-]{1,64}" autocomplete="off">
  <button id="start" type="submit">Start</button>
</form>
<section id="trial" class="hidden">
  <p><span id="progress-text"></span></p>
  <progress id="progress" value="0" max="1"></progress>
  <p>Play both clips (with sound) to the end, then answer.</p>
  <div class="clips">
    <div class="clip"><div class="side">Left</div><video id="video-left" controls preload="auto" playsinline></video>
      <button type="button" id="play-left">&#9654; Play left</button></div>
    <div class="clip"><div class="side">Right</div><video id="video-right" controls preload="auto" playsinline></video>
      <button type="button" id="play-right">&#9654; Play right</button></div>
  </div>
  <form id="answer">
    <fieldset><legend>__Q_NATURAL__</legend>
      <label><input type="radio" name="natural" value="left"> Left</label>
      <label><input type="radio" name="natural" value="right"> Right</label></fieldset>
    <fieldset><legend>__Q_SYNC__</legend>
      <label><input type="radio" name="sync" value="left"> Left</label>
      <label><input type="radio" name="sync" value="right"> Right</label></fieldset>
    <fieldset><legend>__Q_EMOTION__</legend>
      <label>Left <select id="emotion-left" name="emotion_left"></select></label>
      <label>Right <select id="emotion-right" name="emotion_right"></select></label></fieldset>
    <p id="missing"></p>
    <button id="submit" type="submit" disabled>Next</button>
  </form>
</section>
<section id="thanks" class="hidden">
  <h2>Thank you!</h2>
  <p id="thanks-text">All trials are done. You can close this page.</p>
</section>
<script>
"use strict";
const EMOTIONS = __EMOTIONS__;
const $ = (id) => document.getElementById(id);
let rater = new URLSearchParams(location.search).get("rater");
let trial = null, shownAt = 0, watched = {left: false, right: false}, sending = false;

function show(id) { for (const s of ["join", "trial", "thanks"]) $(s).classList.toggle("hidden", s !== id); }
function fail(message) { $("error").textContent = message; }

async function post(url, body) {
  const reply = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                   body: JSON.stringify(body)});
  const data = await reply.json();
  if (!reply.ok) throw new Error(data.error || ("server said " + reply.status));
  return data;
}

for (const side of ["left", "right"]) {
  const select = $("emotion-" + side);
  select.add(new Option("(choose)", ""));
  for (const name of EMOTIONS) select.add(new Option(name, name));
  const video = $("video-" + side), other = $("video-" + (side === "left" ? "right" : "left"));
  video.addEventListener("play", () => other.pause());  // one sound track at a time
  video.addEventListener("ended", () => { watched[side] = true; check(); });
  $("play-" + side).addEventListener("click", () => {
    video.currentTime = 0;
    video.play().catch((e) => fail(e.message));
  });
}

function answers() {
  const form = $("answer");
  const picked = (name) => (form.querySelector(`input[name=${name}]:checked`) || {}).value;
  return {natural: picked("natural"), sync: picked("sync"),
          emotion_left: $("emotion-left").value, emotion_right: $("emotion-right").value};
}

function check() {
  const a = answers(), missing = [];
  if (!watched.left || !watched.right) missing.push("play both clips to the end");
  if (!a.natural) missing.push("choose the more natural clip");
  if (!a.sync) missing.push("choose the clip in better sync");
  if (!a.emotion_left || !a.emotion_right) missing.push("name both emotions");
  $("missing").textContent = missing.length ? "Still to do: " + missing.join(", ") + "." : "";
  $("submit").disabled = sending || missing.length > 0;
}
$("answer").addEventListener("change", check);

function render(state) {
  fail("");
  $("progress-text").textContent = state.trial ? `Trial ${state.done + 1} of ${state.total}` : "";
  $("progress").max = state.total; $("progress").value = state.done;
  trial = state.trial;
  if (!trial) { $("thanks-text").textContent = `All ${state.total} trials are done. You can close this page.`;
                show("thanks"); return; }
  $("answer").reset(); watched = {left: false, right: false};
  $("video-left").src = trial.left; $("video-right").src = trial.right;
  shownAt = performance.now(); show("trial"); check();
}

async function start(id) {
  try { render(await post("api/start", {rater: id})); rater = id; }
  catch (e) { fail(e.message); show("join"); }
}

$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  const id = $("rater-input").value.trim();
  history.replaceState(null, "", "?rater=" + encodeURIComponent(id));
  start(id);
});

$("answer").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (sending || !trial) return;
  sending = true; check();
  try {
    const body = Object.assign({rater: rater, trial: trial.id, seconds: (performance.now() - shownAt) / 1000},
                               answers());
    render(await post("api/answer", body));
  } catch (e) { fail(e.message); }
  finally { sending = false; check(); }
});

if (rater) start(rater); else show("join");
</script>
</body></html>
"""


def page_html() -> str:
    """The page, with the emotion classes and question wording filled in."""
    return (TEMPLATE.replace("__EMOTIONS__", json.dumps(list(EMOTIONS)))
            .replace("__Q_NATURAL__", html.escape(QUESTIONS["natural"]))
            .replace("__Q_SYNC__", html.escape(QUESTIONS["sync"]))
            .replace("__Q_EMOTION__", html.escape(QUESTIONS["emotion"])))
