"""Make a study folder: render (or take pre-rendered) clips, make the sync-check copies, write the manifest and
the empty answer database.

    STUDY_DIR/manifest.json   the plan (`emoanim.eval.study.design.Study`)
    STUDY_DIR/clips/c001.mp4  one clip per (speech, system), plus sync-check copies with the speech delayed
    STUDY_DIR/study.sqlite    raters' answers (`emoanim.eval.study.store`)
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Callable

from emoanim.errors import EmoanimError, InputError
from emoanim.eval.study.design import (
    CLIPS_DIR, DATABASE, MANIFEST, Speech, Study, System, design_study, save_manifest,
)
from emoanim.eval.study.store import AnswerStore

# (speech file, system, output path) -> writes the MP4 there
ClipRenderer = Callable[[Path, System, Path], None]


def preview_renderer(size: int, view: str) -> ClipRenderer:
    """Render clips as `emoanim render` previews do: `pipeline.run`, then `write_preview` with the speech muxed in."""
    from emoanim.pipeline import run, write_preview
    from emoanim.render.scene import check_size, get_view

    check_size(size)
    get_view(view)

    def render(speech: Path, system: System, out: Path) -> None:
        write_preview(run(speech, system.options()), out, size=size, view=view)

    return render


def prerendered_name(speech: Path, system: System) -> str:
    """File name `create_study` looks for in ``prerendered``: ``<speech stem>__<system spec, slugged>.mp4``,
    e.g. ``hello__phonetic_happy_0.8.mp4`` for speech ``hello.wav`` and system ``phonetic:happy:0.8``."""
    return f"{speech.stem}__{re.sub(r'[^A-Za-z0-9.-]+', '_', system.spec).strip('_')}.mp4"


def create_study(speech_files: list[str | Path], systems: list[System], out: str | Path, *, raters: int,
                 seed: int = 0, checks: int = 1, renderer: ClipRenderer | None = None,
                 prerendered: str | Path | None = None, offset_seconds: float | None = None,
                 progress: Callable[[str], None] | None = None) -> Study:
    """Design and build a study in the new folder ``out``.

    A clip named by `prerendered_name` inside ``prerendered`` is copied as is; any other clip is made by
    ``renderer`` (InputError if one is needed and none is given). Refuses a folder that already holds a study, so
    collected answers are never overwritten.
    """
    out = Path(out)
    if (out / MANIFEST).exists() or (out / DATABASE).exists():
        raise InputError("a study already exists here", path=out, hint="choose a new --out folder")
    paths = [Path(p) for p in speech_files]
    for path in paths:
        if not path.is_file():
            raise InputError("speech file not found", path=path, hint="check the --speech paths")
    if len({p.resolve() for p in paths}) != len(paths):
        raise InputError("the same speech file is listed twice", hint="give each --speech file once")
    speech = [Speech(f"s{i + 1}", p.name, str(p)) for i, p in enumerate(paths)]
    study = design_study(speech, systems, raters=raters, seed=seed, checks=checks)
    if offset_seconds is not None:
        if not 0.2 <= offset_seconds <= 5.0:
            # below ~0.2 s many raters cannot tell (ITU-R BT.1359 puts detection near 0.1-0.2 s): no longer a check
            raise InputError(f"--offset must be between 0.2 and 5 seconds, got {offset_seconds}",
                             hint="the default of 1 s is an obvious error for any attentive rater")
        study = replace(study, offset_seconds=float(offset_seconds))
    source_of = {s.id: Path(s.source) for s in speech}
    folder = Path(prerendered) if prerendered is not None else None
    if folder is not None and not folder.is_dir():
        raise InputError("pre-rendered clip folder not found", path=folder, hint="check --clips")

    (out / CLIPS_DIR).mkdir(parents=True, exist_ok=True)
    for clip in study.clips:
        if clip.kind != "system":
            continue
        target = out / clip.file
        system = study.system(clip.system)
        given = folder / prerendered_name(source_of[clip.speech], system) if folder is not None else None
        if given is not None and given.is_file():
            shutil.copyfile(given, target)
        elif renderer is not None:
            if progress:
                progress(f"rendering {source_of[clip.speech].name} as {system.spec}")
            renderer(source_of[clip.speech], system, target)
        else:
            raise InputError(f"no pre-rendered clip {given.name if given else ''} for {system.spec!r}",
                             path=folder, hint="add the clip, or leave out --clips to render it")
    for clip in study.clips:
        if clip.kind == "offset":
            delay_speech(out / study.clip(clip.of).file, out / clip.file, study.offset_seconds)
    save_manifest(study, out)
    AnswerStore(out / DATABASE)  # creates the empty database, so `serve` on a fresh study finds it
    return study


def delay_speech(source: Path, out: Path, seconds: float) -> Path:
    """Copy the MP4 ``source`` to ``out`` with its sound track delayed by ``seconds`` and cut to the video's length.

    The video stream is copied bit for bit, so the clip looks exactly like the original and only the sync differs.
    """
    import imageio_ffmpeg

    _, duration = imageio_ffmpeg.count_frames_and_secs(str(source))
    temp = out.with_name(out.stem + ".part.mp4")
    delay_ms = round(seconds * 1000)
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-nostdin", "-v", "error", "-i", str(source),
               "-map", "0:v:0", "-map", "0:a:0", "-c:v", "copy",
               "-af", f"adelay={delay_ms}:all=1", "-c:a", "aac", "-b:a", "128k",
               "-t", f"{duration:.3f}", "-movflags", "+faststart", str(temp)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        temp.unlink(missing_ok=True)
        words = (done.stderr.strip().splitlines() or ["no message"])[-1]
        if "matches no streams" in done.stderr:
            raise InputError("clip has no sound track, so it cannot make a sync check", path=source,
                             hint="render clips with their speech muxed in")
        raise EmoanimError(f"{source}: ffmpeg could not delay the speech (exit {done.returncode}): {words}")
    temp.replace(out)
    return out
