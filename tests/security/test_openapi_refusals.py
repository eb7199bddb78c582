"""The OpenAPI document names every refusal the permission matrices prove:
each error status an API case answers an actor is in that operation's
responses by its number, not only as ``default``."""

from __future__ import annotations

import re

from tests.knowledge_base.test_permissions import MATRIX as KB
from tests.permission_matrix import LOGIN
from tests.reports.test_permissions import MATRIX as REPORTS
from tests.routing.test_permissions import MATRIX as ROUTING
from tests.security.test_permissions import MATRIX as CORE
from tests.sla.test_admin import MATRIX as SLA

MATRICES = (CORE, ROUTING, KB, REPORTS, SLA)
METHODS = ("get", "post", "put", "patch", "delete")


def _template(path: str) -> str:
    """A path with its parameters, whatever their names or values, as ``{}``."""
    path = path.split("?", 1)[0].removeprefix("/api")
    path = re.sub(r"\{[^}]+\}", "{}", path)
    return re.sub(r"/\d+(?=/|$)", "/{}", path)


def test_every_refusal_of_the_matrices_is_documented(client):
    document = client.get("/api/openapi.json").json
    operations = {
        (method.upper(), _template(path)): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }
    undocumented = []
    for matrix in MATRICES:
        for case in matrix.cases:
            if not case.api or case.path == "/api/openapi.json":
                continue
            operation = operations.get((case.method, _template(case.path)))
            assert operation is not None, f"{case.method} {case.path} is not documented"
            for actor, status in case.expect.items():
                status = 401 if status == LOGIN else status
                if status >= 400 and str(status) not in operation["responses"]:
                    undocumented.append(
                        f"{case.method} {case.path}: {status} ({actor})"
                    )

    assert not undocumented, "\n".join(sorted(set(undocumented)))
