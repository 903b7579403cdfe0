"""Training losses on motion ``(B, T, C)``.

- `reconstruction`: mean squared error per channel and frame;
- `velocity`: the same on frame-to-frame differences (FaceFormer/EMOTE use it against jitter and lag);
- `swap_content`, `swap_emotion`: EMOTE's content/emotion swap (Daněček et al. 2023, sec. 3.4) with the two
  perceptual networks replaced by what the ARKit channels say directly: run each window with *another* window's
  emotion, then (content) wherever the original target's lips are shut, the swapped output's must be too, and
  (emotion) its upper face (brows, eyes, cheeks, nose: the channels speech does not drive) must match the other
  window's target. Emotion thus cannot leak into lip closure, nor speech into the upper face.
- `closure`, `sealing`, `landmark_sealing`, `dual_sealing`, `parting`, `opening`: hinges on what lip-sync metrics
  check (`emoanim.eval.lipsync`): shut lips where the target is shut (every such frame: `closure`; at least one
  frame of each closure: `sealing`), parted lips where it is clearly apart, an open jaw where the target opens for
  a vowel; `landmark_sealing` is `sealing` on the default head's inner lip gap, what the landmarks-rig metric
  judges, and `dual_sealing` asks for both at the same frame;
- `critic_agreement`, `soft_cross_entropy`: the perceptual losses through the frozen critics
  (`emoanim.models.critics`): the lip reader must read the prediction as it reads the target, and the expression
  classifier must see the emotion the window was asked for.
"""
from __future__ import annotations

import torch
from torch.nn import functional as F

from emoanim.eval.landmark_lipsync import CLOSED_GAP
from emoanim.eval.lipsync import CLOSED_APERTURE, OPEN_JAW
from emoanim.motion.channels import ARKIT_INDEX, ARKIT_NAMES
from emoanim.train.lip_gap import gap_per_jaw_unit, inner_lip_gap

UPPER_FACE = [ARKIT_INDEX[n] for n in ARKIT_NAMES if n.startswith(("brow", "cheek", "nose", "eyeSquint", "eyeWide"))]
_JAW, _CLOSE = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
_FUNNEL = ARKIT_INDEX["mouthFunnel"]
# mouthFunnel parts the lips' inner edge about 0.4 times as far as jawOpen does on the landmarks head (0.133 vs 0.327
# inter-ocular distance per unit, emoanim.eval.landmark_lipsync), so a closure with funnel 0.15 reads as parted there
FUNNEL_PARTS = 0.4
_PARTING = [ARKIT_INDEX[n] for n in ("mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft",
                                     "mouthUpperUpRight")]


def reconstruction(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return torch.mean((pred - target) ** 2)


def velocity(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return torch.mean((pred.diff(dim=1) - target.diff(dim=1)) ** 2)


def lip_aperture(motion: torch.Tensor) -> torch.Tensor:
    """``(B, T, 52)`` -> ``(B, T)``, the same proxy as `emoanim.eval.lipsync.lip_aperture` (its docstring says why)."""
    return torch.clamp(motion[..., _JAW] - motion[..., _CLOSE] + 0.5 * motion[..., _PARTING].mean(dim=-1), min=0.0)


def closure(pred: torch.Tensor, target: torch.Tensor, margin: float = 0.0) -> torch.Tensor:
    """Hinge: on frames where ``target`` is closed, ``pred``'s aperture above the closed threshold less ``margin`` is
    penalised (a margin aims below the line, so near misses are pulled shut rather than left at the threshold)."""
    closed = (lip_aperture(target) <= CLOSED_APERTURE).float()
    excess = torch.clamp(lip_aperture(pred) - (CLOSED_APERTURE - margin), min=0.0) ** 2
    return (excess * closed).sum() / closed.sum().clamp(min=1.0)


def sealing(pred: torch.Tensor, target: torch.Tensor, margin: float = 0.0) -> torch.Tensor:
    """Hinge per closure: each run of consecutive closed ``target`` frames (a /p b m/) is penalised by how far
    ``pred``'s *smallest* aperture over the run stays above the closed threshold less ``margin`` (linear, so a near
    miss is pulled as hard as a wide one); mean over runs.

    Why beside `closure`: the lip-sync metric asks for one shut frame per bilabial, not all of them. A model unsure
    of the exact frame regresses to a shallow dip across the run, which `closure`'s per-frame squares barely
    penalise (near misses sit a few hundredths above the line); this term pushes down only the frame already
    nearest to shut, so it seals without widening closures into their neighbours (false closures). The sealed
    aperture also counts ``mouthFunnel`` (`FUNNEL_PARTS`): the ARKit proxy leaves funnelling out, but a funnelled
    /m/ shows parted lips on a head."""
    aperture = lip_aperture(pred) + FUNNEL_PARTS * pred[..., _FUNNEL]
    return _least_over_closures(aperture, target, CLOSED_APERTURE - margin)


def landmark_sealing(pred: torch.Tensor, target: torch.Tensor, margin: float = 0.0) -> torch.Tensor:
    """`sealing` measured on the default head's inner lip gap (`emoanim.train.lip_gap`), which is what the
    landmarks-rig metric (`emoanim.eval.landmark_lipsync`) judges: every shape that parts the lips on a face counts,
    by exactly how far it parts them. In jaw units (the gap over what one unit of jawOpen opens), so its weight and
    ``margin`` compare with `sealing`'s."""
    return _least_over_closures(_face_excess(pred, margin), target, 0.0)


def dual_sealing(pred: torch.Tensor, target: torch.Tensor, margin: float = 0.0) -> torch.Tensor:
    """`sealing` where a frame counts as shut only when it is shut on the ARKit curves (`lip_aperture`, the
    curves metric's proxy) *and* on the default head (`landmark_sealing`'s gap): per closure, the least over the run
    of the larger of the two excesses, in jaw units.

    Why: with the two hinges apart, a model can meet each at a different frame, or trade one for the other. Measured
    (GPU round, emoface): `landmark_sealing` beside `sealing` sealed 97.8% of held-out bilabials on the head but
    closed only 90.7% on the curves (from 95.6%), keeping mouthUpperUp/LowerDown raised, which part an ARKit
    character's lips but barely move the default head's."""
    on_curves = lip_aperture(pred) - (CLOSED_APERTURE - margin)
    return _least_over_closures(torch.maximum(_face_excess(pred, margin), on_curves), target, 0.0)


def _face_excess(pred: torch.Tensor, margin: float) -> torch.Tensor:
    """``(B, T)``: how far the default head's inner lip gap stays above `CLOSED_GAP` less ``margin``, in jaw units."""
    per_jaw = gap_per_jaw_unit()
    return inner_lip_gap(pred) / per_jaw - (CLOSED_GAP / per_jaw - margin)


def _least_over_closures(aperture: torch.Tensor, target: torch.Tensor, line: float) -> torch.Tensor:
    """Mean over the closures of ``target`` (runs of closed frames) of how far ``aperture``'s least value over the
    run stays above ``line`` (0 when it reaches it)."""
    closed = lip_aperture(target) <= CLOSED_APERTURE
    starts = closed & ~F.pad(closed[:, :-1], (1, 0), value=False)
    # numbered across the whole batch (a run never continues into the next row: each row starts a run afresh)
    run = torch.cumsum(starts.flatten().long(), 0).view_as(closed) * closed
    runs = int(run.max())
    if runs == 0:
        return aperture.sum() * 0.0
    smallest = aperture.new_full((runs + 1,), float("inf")).scatter_reduce(
        0, run.flatten(), aperture.flatten(), reduce="amin", include_self=True)[1:]
    return torch.clamp(smallest - line, min=0.0).mean()


def swap_content(swapped: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """EMOTE's content term: the swapped-emotion output must keep the target's lip closures."""
    return closure(swapped, target)


def parting(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Hinge, the other side of `closure`: on frames where ``target``'s lips are clearly apart (aperture at least
    twice the closed threshold), ``pred``'s aperture short of that is penalised, so lips do not stay shut through
    the phones around a closure (false closures)."""
    apart = 2.0 * CLOSED_APERTURE
    open_frames = (lip_aperture(target) >= apart).float()
    short = torch.clamp(apart - lip_aperture(pred), min=0.0) ** 2
    return (short * open_frames).sum() / open_frames.sum().clamp(min=1.0)


def opening(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Hinge: on frames where ``target`` opens the jaw to an open vowel's height, ``pred``'s jaw opening short of
    the target's is penalised (regression to the mean flattens exactly these peaks)."""
    jaw, want = pred[..., _JAW], target[..., _JAW]
    opened = (want >= OPEN_JAW).float()
    short = torch.clamp(want - jaw, min=0.0) ** 2
    return (short * opened).sum() / opened.sum().clamp(min=1.0)


def swap_emotion(swapped: torch.Tensor, other_target: torch.Tensor) -> torch.Tensor:
    """Upper-face channels of ``swapped`` against the time-averaged upper face of the other window's target."""
    upper = other_target[..., UPPER_FACE].mean(dim=1, keepdim=True)
    return torch.mean((swapped[..., UPPER_FACE] - upper) ** 2)


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of ``logits (..., K)`` against target distributions ``(..., K)`` (rows summing to 1)."""
    return -(target * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()


def critic_agreement(pred_logits: torch.Tensor, target_logits: torch.Tensor) -> torch.Tensor:
    """KL(critic(target) || critic(pred)) per frame, averaged: zero when the critic reads both alike."""
    target = F.log_softmax(target_logits, dim=-1)
    return F.kl_div(F.log_softmax(pred_logits, dim=-1), target, log_target=True, reduction="none").sum(-1).mean()
