"""The back office's doors beyond Django's own pages: each checks a named permission.

Django's admin checks permissions on its own pages and on actions that declare them;
`admin_site.admin_view()` alone only asks "is this staff?". Every custom back-office view
is wrapped with office_view() instead, which names the permission to open it and, where
it changes something, the one to submit it, before the view runs (no object is looked up,
so a refused role learns nothing about what exists).
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied


def office_view(admin_site, view: Callable, *, perm: str, post_perm: str | None = None) -> Callable:
    """`view` behind the admin login, opened with `perm`, submitted (POST) with `post_perm`
    as well when given."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.has_perm(perm):
            raise PermissionDenied
        if request.method == "POST" and post_perm and not request.user.has_perm(post_perm):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    checked.office_perms = (perm, post_perm)  # read by the access-matrix test
    return admin_site.admin_view(checked)
