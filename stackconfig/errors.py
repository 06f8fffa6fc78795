"""The one error type that bad configuration raises."""

from __future__ import annotations

import pulumi


class ConfigError(pulumi.RunError):
    """Configuration that cannot produce a valid stack.

    A ``pulumi.RunError`` so that a real ``pulumi preview``/``up`` prints only the message,
    never a Python traceback. ``problems`` holds one line per problem; ``str()`` is the
    whole user-facing message.
    """

    def __init__(self, problems: list[str], source: str = "stack configuration") -> None:
        self.problems = list(problems)
        self.source = source
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"invalid {source}: {count} {noun}"] + [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
