"""Compatibility path for state written before 2026-12: do not remove, do not add to it.

Earlier versions pickled the alert provider with its ``RetryPolicy`` by reference to this module
(``components.sentry_api.RetryPolicy``); the class now lives in ``sentry_workflows.api``. Code imports
``sentry_workflows``, never this module.
"""

from sentry_workflows.api import RetryPolicy

__all__ = ["RetryPolicy"]
