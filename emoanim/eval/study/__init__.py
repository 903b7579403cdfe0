"""The perceptual A/B study kit: design a counterbalanced paired-comparison study of rendered clips, serve it to
raters as a local web page, and report preferences, Bradley–Terry scores and agreement.

    from emoanim.eval.study import create_study, parse_system, preview_renderer, make_server, report_study
    create_study(["a.wav"], [parse_system("phonetic:happy"), parse_system("phonetic:neutral")], "study/",
                 raters=4, renderer=preview_renderer(size=384, view="front"))
"""
from emoanim.eval.study.analysis import StudyResults, analyse
from emoanim.eval.study.build import create_study, delay_speech, prerendered_name, preview_renderer
from emoanim.eval.study.design import Study, System, design_study, load_study, parse_system
from emoanim.eval.study.report import report_study
from emoanim.eval.study.server import make_server
from emoanim.eval.study.store import Answer, AnswerStore

__all__ = [
    "Answer", "AnswerStore", "Study", "StudyResults", "System", "analyse", "create_study", "delay_speech",
    "design_study", "load_study", "make_server", "parse_system", "prerendered_name", "preview_renderer",
    "report_study",
]
