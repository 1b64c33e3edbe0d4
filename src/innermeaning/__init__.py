"""Inner Meaning: warm, grounded explainer pages for what people go through.

    >>> from innermeaning import explain
    >>> page = explain("difficulty asking for help")
    >>> page.title
    'Difficulty Asking for Help'
"""

from .errors import (
    ConfigError,
    DraftRejected,
    EngineError,
    EngineTimeout,
    InnerMeaningError,
    KnowledgeError,
    NotFoundError,
    RateLimitError,
    StoreError,
    TopicError,
)
from .models import Explainer, Kind, SafetyLevel, SectionKind
from .pipeline import explain, explain_many

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DraftRejected",
    "EngineError",
    "EngineTimeout",
    "Explainer",
    "InnerMeaningError",
    "Kind",
    "KnowledgeError",
    "NotFoundError",
    "RateLimitError",
    "SafetyLevel",
    "SectionKind",
    "StoreError",
    "TopicError",
    "__version__",
    "explain",
    "explain_many",
]
