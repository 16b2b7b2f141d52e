"""Teacher-student learning on unlabelled target text: teachers, their ensemble, pseudo-labels.

``ensemble`` votes on spans (spaCy-free, word indices); ``teachers`` wraps translate-test,
target-language pipelines and zero-shot source models as teachers; ``pseudo_labels``
runs them on unlabelled sentences and writes spaCy training data with partial
annotation where they disagree. Modules are imported on first access, so importing the
package loads no backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .ensemble import Combined, ScoredSpan, combine
    from .pseudo_labels import (
        EnsembleOptions,
        EnsembleTagger,
        PseudoLabelled,
        PseudoLabelStats,
        iter_pseudo_label,
        pseudo_label,
        pseudo_label_file,
        to_doc,
        write_pseudo_docbin,
    )
    from .teachers import (
        HidingTeacher,
        SpacyTeacher,
        TaggerTeacher,
        Teacher,
        TeacherSpec,
        TeacherSpecError,
        TranslateTestTeacher,
        build_teacher,
        parse_teacher_spec,
    )

_EXPORTS = {
    "Combined": ".ensemble",
    "ScoredSpan": ".ensemble",
    "combine": ".ensemble",
    "EnsembleOptions": ".pseudo_labels",
    "EnsembleTagger": ".pseudo_labels",
    "PseudoLabelStats": ".pseudo_labels",
    "PseudoLabelled": ".pseudo_labels",
    "iter_pseudo_label": ".pseudo_labels",
    "pseudo_label": ".pseudo_labels",
    "pseudo_label_file": ".pseudo_labels",
    "to_doc": ".pseudo_labels",
    "write_pseudo_docbin": ".pseudo_labels",
    "HidingTeacher": ".teachers",
    "SpacyTeacher": ".teachers",
    "TaggerTeacher": ".teachers",
    "Teacher": ".teachers",
    "TeacherSpec": ".teachers",
    "TeacherSpecError": ".teachers",
    "TranslateTestTeacher": ".teachers",
    "build_teacher": ".teachers",
    "parse_teacher_spec": ".teachers",
}

__all__ = [
    "Combined",
    "EnsembleOptions",
    "EnsembleTagger",
    "PseudoLabelStats",
    "PseudoLabelled",
    "ScoredSpan",
    "HidingTeacher",
    "SpacyTeacher",
    "TaggerTeacher",
    "Teacher",
    "TeacherSpec",
    "TeacherSpecError",
    "TranslateTestTeacher",
    "build_teacher",
    "combine",
    "iter_pseudo_label",
    "parse_teacher_spec",
    "pseudo_label",
    "pseudo_label_file",
    "to_doc",
    "write_pseudo_docbin",
]

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
