"""Role checks for pages; every page states who may see it."""

from __future__ import annotations

from functools import wraps

from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from helpdesk.errors import PermissionDenied
from helpdesk.vocabulary import MANAGER_ROLES, Role


def roles_required(*roles: Role):
    """Logged in and holding one of ``roles``; anyone else gets 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                raise PermissionDenied(
                    _l("Your role does not give access to this page.")
                )
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(
    Role.LINE1, Role.LINE2, Role.LINE3, Role.MANAGER, Role.ADMIN
)
# Managers and admins: the SLA, the routing rules, the reports.
managers_required = roles_required(*MANAGER_ROLES)
admin_required = roles_required(Role.ADMIN)
