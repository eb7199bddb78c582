"""Message markers for strings translated later, at the edge."""


def N_(message: str) -> str:
    """Marks ``message`` for extraction by pybabel; returns it unchanged."""
    return message
