"""The knowledge base: data files under data/, compiled and cached by loader, matched by match."""

from .loader import KnowledgeBase, compile_knowledge, load_knowledge
from .match import match_topic, score_entries

__all__ = ["KnowledgeBase", "compile_knowledge", "load_knowledge", "match_topic", "score_entries"]
