"""Naming helpers shared by the components."""


def slug(text: str) -> str:
    """A resource-name-safe form of ``text`` (``VERCEL_TOKEN`` -> ``vercel-token``, ``v*`` -> ``v``)."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "all"
