"""Operations endpoints for load balancers and monitoring."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.views import bp


@bp.get("/healthz")
def healthz():
    """200 when the database answers; 503 (via the error mapping) when not."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok", "database": "ok"}
