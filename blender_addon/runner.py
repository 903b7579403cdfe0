"""Run emoanim for the Generate button: in Blender's own Python when emoanim imports there, else its command line.

Both ways are jobs with the same three calls -- ``done()``, ``result() -> Take``, ``cancel()`` -- so the operator can
poll one from a modal timer (the UI stays live) or wait on it in background mode. Neither touches ``bpy``: the
in-process job runs in a worker thread, where Blender's data must not be used.
"""
from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import site
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .take import Take, TakeError, read_emoanim_json

CLI_ENV = "EMOANIM_CLI"  # e.g. "/path/to/venv/bin/python -m emoanim"; the add-on preference wins when set
EMOTIONS = ("neutral", "happy", "sad", "surprised", "fear", "disgusted", "angry", "contempt")  # emoanim's 8, in order
RIG = "arkit"  # shape keys are matched by ARKit name; other rigs' curves go through the Import operator


class GenerateError(Exception):
    """Generation failed for a reason the user can act on; the message is one line."""


@dataclass
class Request:
    audio: str
    transcript: str = ""  # the words spoken, or a .txt file holding them; "" = recognise them
    emotion: str = "neutral"  # an emoanim emotion spec: "happy:0.8" or "neutral@0,happy:0.8@1.5"
    animator: str = "phonetic"
    seed: int = 0
    fps: float = 30.0
    audio_only: bool = False  # learned animators: no phone recognition (faster; no lip seal)
    lip_seal: bool = True  # learned animators: lips shut on every /p b m/ of the phones

    @property
    def learned(self) -> bool:
        """The two switches above are for the learned animators; the phonetic one refuses them."""
        return self.animator.strip().lower() != "phonetic"

    def check(self) -> None:
        if not self.audio:
            raise GenerateError("choose a speech file first")
        if not os.path.isfile(self.audio):
            raise GenerateError(f"{self.audio}: no such file (check the Audio path)")


def emoanim_importable(extra_path: str = "") -> bool:
    """Whether ``import emoanim`` works here, after adding ``extra_path`` (a site-packages folder) to sys.path."""
    if extra_path and os.path.isdir(extra_path) and extra_path not in sys.path:
        site.addsitedir(extra_path)  # not sys.path.append: .pth files (editable installs) must be read too
    return importlib.util.find_spec("emoanim") is not None


def in_process_blocker() -> str:
    """Why emoanim cannot run inside this process, or "" when nothing is known to stop it.

    Debian's Blender loads the system libpocketsphinx 0.8 (its ffmpeg's libavfilter links it for the ``asr``
    filter); those C symbols shadow the ones of emoanim's pocketsphinx 5, which then fails to start a decoder.
    """
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as stream:
            loaded = stream.read()
    except OSError:  # not Linux: no such clash known
        return ""
    if "libpocketsphinx.so.3" in loaded:
        return ("this Blender has the system libpocketsphinx 0.8 loaded (through its ffmpeg), which breaks "
                "emoanim's pocketsphinx 5 in-process")
    return ""


def cli_command(configured: str = "") -> list[str]:
    """The emoanim command as argv: the preference, else $EMOANIM_CLI, else ``emoanim`` on PATH."""
    text = configured.strip() or os.environ.get(CLI_ENV, "").strip() or "emoanim"
    words = shlex.split(text)
    program = shutil.which(words[0])
    if program is None:
        raise GenerateError(f"the emoanim command {words[0]!r} was not found (install emoanim with pip, or set "
                            f"the add-on's 'emoanim command' preference or ${CLI_ENV})")
    return [program, *words[1:]]


def render_arguments(request: Request, out_dir: str) -> list[str]:
    arguments = ["render", request.audio, "--rig", RIG, "--format", "json", "--no-video", "--quiet",
                 "--out", out_dir, "--emotion", request.emotion, "--animator", request.animator,
                 "--seed", str(request.seed), "--fps", repr(float(request.fps))]
    if request.transcript.strip():
        arguments += ["--transcript", request.transcript]
    if request.learned and request.audio_only:
        arguments.append("--audio-only")
    if request.learned and not request.lip_seal:
        arguments.append("--no-lip-seal")
    return arguments


class CliJob:
    """``emoanim render ... --format json`` as a child process writing into a temporary folder."""

    def __init__(self, request: Request, command: list[str]):
        request.check()
        self.request = request
        self.out_dir = tempfile.mkdtemp(prefix="emoanim-blender-")
        self._stderr = open(os.path.join(self.out_dir, "stderr.txt"), "w+", encoding="utf-8")
        try:
            self.process = subprocess.Popen([*command, *render_arguments(request, self.out_dir)],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr)
        except OSError as err:
            self._cleanup()
            raise GenerateError(f"cannot start {command[0]}: {err.strerror or err}") from err

    def done(self) -> bool:
        return self.process.poll() is not None

    def result(self) -> Take:
        try:
            code = self.process.wait()
            self._stderr.seek(0)
            messages = [line.strip() for line in self._stderr.read().splitlines() if line.strip()]
            if code != 0:
                errors = [line for line in messages if "error" in line.lower()]
                raise GenerateError((errors or messages or [f"emoanim exited with code {code}"])[-1])
            written = Path(self.out_dir, f"{Path(self.request.audio).stem}.{RIG}.json")
            if not written.is_file():
                raise GenerateError(f"emoanim finished but wrote no {written.name}; its output: "
                                    f"{' | '.join(messages[-3:]) or 'nothing'}")
            take = read_emoanim_json(str(written))
            take.audio_path = self.request.audio
            take.metadata.setdefault("warnings", [])
            return take
        finally:
            self._cleanup()

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        if not self._stderr.closed:
            self._stderr.close()
        shutil.rmtree(self.out_dir, ignore_errors=True)


class PythonJob:
    """``emoanim.pipeline.run`` in a worker thread of Blender's own Python."""

    def __init__(self, request: Request):
        request.check()
        self.request = request
        self._take: Take | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="emoanim-generate", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            self._take = _render_in_process(self.request)
        except BaseException as err:  # handed to result(), on Blender's main thread
            self._error = err

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self) -> Take:
        self._thread.join()
        if self._error is not None:
            from emoanim.errors import EmoanimError

            if isinstance(self._error, EmoanimError):
                raise GenerateError(str(self._error)) from self._error
            raise self._error
        assert self._take is not None
        return self._take

    def cancel(self) -> None:
        """The pipeline cannot be interrupted; its result is dropped when it ends."""


def _render_in_process(request: Request) -> Take:
    from emoanim.pipeline import Options, run

    options = Options(emotion=request.emotion, rig=RIG, animator=request.animator,
                      transcript=request.transcript or None, fps=request.fps, seed=request.seed,
                      audio_only=request.learned and request.audio_only,
                      lip_seal=not request.learned or request.lip_seal)
    curves = run(request.audio, options).curves
    return Take(names=list(curves.names), fps=float(curves.fps), values=curves.values.tolist(),
                audio_path=request.audio, source_path=request.audio, metadata=dict(curves.metadata))


def start_job(request: Request, *, engine: str = "AUTO", command: str = "", python_path: str = ""):
    """A running job: ``engine`` is AUTO (in-process when emoanim imports and can run here), PYTHON or CLI."""
    if engine == "PYTHON":
        if not emoanim_importable(python_path):
            raise GenerateError("emoanim does not import in Blender's Python (set 'Extra Python path' to the "
                                "site-packages folder holding it, or use the command line engine)")
        if in_process_blocker():
            raise GenerateError(f"{in_process_blocker()}: use the command line engine")
        return PythonJob(request)
    if engine == "AUTO" and emoanim_importable(python_path) and not in_process_blocker():
        return PythonJob(request)
    return CliJob(request, cli_command(command))


__all__ = ["CliJob", "EMOTIONS", "GenerateError", "PythonJob", "Request", "TakeError", "start_job"]
