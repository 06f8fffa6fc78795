"""Compatibility path for state written before 2026-12: do not remove, do not add to it.

The Sentry alert provider now lives in ``sentry_workflows`` (see its docstring). Pulumi stores each
alert's provider pickled by reference, and state written by earlier versions names this module
(``components.sentry_alerts.SentryAlertProvider``): the dynamic provider process imports it to read,
update or delete those alerts. Code imports ``sentry_workflows``, never this module.
"""

from sentry_workflows.provider import SentryAlertProvider

__all__ = ["SentryAlertProvider"]
