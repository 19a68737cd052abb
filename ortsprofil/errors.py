"""One hierarchy of typed errors. Library code raises these; only cli.py prints them."""

from __future__ import annotations


class OrtsprofilError(Exception):
    """Base class of every error ortsprofil raises on purpose."""


class LocalityError(OrtsprofilError):
    """A locality name or code could not be resolved to exactly one tätort."""


class UnknownLocalityError(LocalityError, LookupError):
    """No tätort matches the query.

    Attributes
    ----------
    query : str
        What the user typed.
    suggestions : list[str]
        The closest names, each as "Namn (Kommun)", best first.
    """

    def __init__(self, query: str, suggestions: list[str] | None = None):
        self.query = query
        self.suggestions = list(suggestions or [])
        msg = f"Hittar ingen tätort som heter {query!r}."
        if self.suggestions:
            msg += " Menar du: " + ", ".join(self.suggestions) + "?"
        super().__init__(msg)


class AmbiguousLocalityError(LocalityError, LookupError):
    """Several tätorter carry the name; the user must say which kommun.

    Attributes
    ----------
    query : str
    candidates : list[tuple[str, str, str]]
        (tätort code, name, kommun name) of every match.
    """

    def __init__(self, query: str, candidates: list[tuple[str, str, str]]):
        self.query = query
        self.candidates = list(candidates)
        listing = "; ".join(f"{name} ({kommun}, kod {code})" for code, name, kommun in candidates)
        hint = ""
        if candidates:
            code, name, kommun = candidates[0]
            hint = f' Skriv till exempel "{name}, {kommun}", "{name} ({kommun})" eller koden {code}.'
        super().__init__(f"Flera tätorter heter {query!r}: {listing}.{hint}")


class InvalidParameterError(OrtsprofilError, ValueError):
    """A parameter is outside what ortsprofil accepts (empty name, min > max, unknown län)."""


class DataShapeError(OrtsprofilError, ValueError):
    """A data response or snapshot table does not have the shape it claims."""


class SnapshotError(OrtsprofilError):
    """The local data snapshot is missing a table or is damaged."""


class CacheMissError(OrtsprofilError):
    """Offline mode: the response is not in the cache and no request may be made.

    Attributes
    ----------
    url : str
    """

    def __init__(self, url: str, message: str | None = None):
        self.url = url
        super().__init__(
            message
            or f"Offlineläge: svaret finns inte i cachen och ingen förfrågan får göras ({url})."
        )


class ScbApiError(OrtsprofilError):
    """SCB's API answered with an error (RFC 7807 problem+json where available).

    Attributes
    ----------
    status : int | None
    title : str
    detail : str
    url : str
    """

    def __init__(self, status: int | None, title: str = "", detail: str = "", url: str = ""):
        self.status = status
        self.title = title
        self.detail = detail
        self.url = url
        parts = [f"SCB:s API svarade {status}" if status else "SCB:s API gick inte att nå"]
        if title:
            parts.append(title)
        if detail and detail != title:
            parts.append(detail)
        super().__init__(": ".join(parts) + (f" ({url})" if url else ""))


class RateLimitError(ScbApiError):
    """429 Too Many Requests, still refused after the allowed retries."""


class TableNotFoundError(ScbApiError):
    """404: the table (or page) does not exist at SCB."""


class TooManyCellsError(ScbApiError):
    """400/403 'Too many cells selected' even after splitting the selection."""


class ReportError(OrtsprofilError):
    """Executing or rendering a report failed (the notebook raised, or export failed)."""
