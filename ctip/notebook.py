"""The only import a course notebook needs (its hidden cells call these)."""
from .engine.session import exercise_session, module_session

__all__ = ["module_session", "exercise_session"]
