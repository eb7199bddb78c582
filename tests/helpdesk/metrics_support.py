"""Reading /metrics in tests with prometheus_client's own parser."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}


class Scrape:
    """One /metrics answer, parsed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.families = {f.name: f for f in text_string_to_metric_families(text)}

    def value(self, sample_name: str, **labels: str) -> float:
        """The sum of the samples so named whose labels include ``labels``
        (0 when there is none: a counter that never moved has no sample)."""
        return sum(
            sample.value
            for family in self.families.values()
            for sample in family.samples
            if sample.name == sample_name
            and all(sample.labels.get(k) == v for k, v in labels.items())
        )

    def has(self, sample_name: str, **labels: str) -> bool:
        return any(
            sample.name == sample_name
            and all(sample.labels.get(k) == v for k, v in labels.items())
            for family in self.families.values()
            for sample in family.samples
        )


def scrape(client, **kwargs) -> Scrape:
    response = client.get("/metrics", environ_base=LOOPBACK, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.content_type.startswith("text/plain")
    return Scrape(response.get_data(as_text=True))
