"""The metadata store through its services, on SQLite and on PostgreSQL (same tests)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.services.accounts import ACCESS_TOKEN_AUDIENCE
from app.services.errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Throttled,
)
from app.store.models import LoginAttempt, Membership, Tenant, User, Workspace
from app.store.repositories import MembershipRepository, WorkspaceRepository
from tests.conftest import STRONG_PASSWORD
from tests.integration.conftest import Store, open_store

# -- tenant-scoped repositories ---------------------------------------------------------------------


def test_repository_refuses_construction_without_a_principal(store: Store) -> None:
    admin = store.register()
    with store.db.transaction() as session:
        for not_a_principal in (None, admin.tenant_id, {"tenant_id": admin.tenant_id}):
            with pytest.raises(TypeError, match="Principal"):
                WorkspaceRepository(session, not_a_principal)  # type: ignore[arg-type]
            with pytest.raises(TypeError, match="Principal"):
                MembershipRepository(session, not_a_principal)  # type: ignore[arg-type]


def test_repository_get_returns_none_for_another_tenants_row(store: Store) -> None:
    a, b = store.register("Alice"), store.register("Bob")
    ws = store.workspaces(a).create("Alice's sales")
    with store.db.transaction() as session:
        assert WorkspaceRepository(session, a).get(ws.id) is not None
        assert WorkspaceRepository(session, b).get(ws.id) is None
        assert WorkspaceRepository(session, b).get(str(ws.id)) is None
        assert WorkspaceRepository(session, b).by_name("Alice's sales") is None


def test_repository_list_excludes_another_tenants_rows(store: Store) -> None:
    a, b = store.register("Alice"), store.register("Bob")
    store.workspaces(a).create("Alpha")
    store.workspaces(a).create("Beta")
    store.workspaces(b).create("Gamma")
    with store.db.transaction() as session:
        assert [w.name for w in WorkspaceRepository(session, a).list()] == ["Alpha", "Beta"]
        assert [w.name for w in WorkspaceRepository(session, b).list()] == ["Gamma"]


def test_repository_add_puts_the_row_in_the_principals_tenant(store: Store) -> None:
    a, b = store.register("Alice"), store.register("Bob")
    with store.db.transaction() as session:
        row = WorkspaceRepository(session, a).add(Workspace(name="Smuggled", tenant_id=b.tenant_id))
        assert row.tenant_id == a.tenant_id
    assert [w.name for w in store.workspaces(b).list()] == []


def test_repository_delete_refuses_another_tenants_row(store: Store) -> None:
    a, b = store.register("Alice"), store.register("Bob")
    ws = store.workspaces(a).create("Keep me")
    with store.db.transaction() as session:
        row = session.get(Workspace, ws.id)
        assert row is not None
        with pytest.raises(PermissionError):
            WorkspaceRepository(session, b).delete(row)
    assert store.workspaces(a).get(ws.id).name == "Keep me"


def test_membership_repository_sees_only_its_tenants_members(store: Store) -> None:
    a, b = store.register("Alice"), store.register("Bob")
    with store.db.transaction() as session:
        assert MembershipRepository(session, b).for_user(a.user_id) is None
        emails = [u.email for _m, u in MembershipRepository(session, b).list_with_users()]
    assert emails == [b.email]


def test_repository_get_with_a_malformed_id_is_none(store: Store) -> None:
    a = store.register()
    with store.db.transaction() as session:
        assert WorkspaceRepository(session, a).get("not-a-uuid") is None


# -- workspaces through the service ------------------------------------------------------------------


def test_other_tenants_workspace_is_not_found_never_forbidden(store: Store) -> None:
    a, b = store.register("Alice"), store.register("Bob")
    ws = store.workspaces(a).create("Private")
    service_b = store.workspaces(b)
    with pytest.raises(NotFound):
        service_b.get(ws.id)
    with pytest.raises(NotFound):
        service_b.update(ws.id, name="Taken over")
    with pytest.raises(NotFound):
        service_b.delete(ws.id)
    with pytest.raises(NotFound):
        service_b.set_current(ws.id)
    after = store.workspaces(a).get(ws.id)
    assert (after.name, after.updated_at) == ("Private", ws.updated_at)


def test_workspace_name_is_unique_within_a_tenant(store: Store) -> None:
    a = store.register()
    store.workspaces(a).create("Sales")
    with pytest.raises(Conflict, match="already exists"):
        store.workspaces(a).create("Sales")
    with pytest.raises(Conflict):
        store.workspaces(a).create("  sales ")
    assert [w.name for w in store.workspaces(a).list()] == ["Sales"]


def test_renaming_onto_an_existing_workspace_name_conflicts(store: Store) -> None:
    a = store.register()
    store.workspaces(a).create("Sales")
    hr = store.workspaces(a).create("HR")
    with pytest.raises(Conflict):
        store.workspaces(a).update(hr.id, name="Sales")
    assert store.workspaces(a).update(hr.id, name="hr").name == "hr"


def test_same_workspace_name_is_allowed_in_two_tenants(store: Store) -> None:
    a, b = store.register("Alice"), store.register("Bob")
    first = store.workspaces(a).create("Sales")
    second = store.workspaces(b).create("Sales")
    assert first.id != second.id
    assert [w.name for w in store.workspaces(b).list()] == ["Sales"]


def test_database_enforces_workspace_name_unique_per_tenant(store: Store) -> None:
    a = store.register()
    store.workspaces(a).create("Sales")
    with pytest.raises(IntegrityError), store.db.transaction() as session:
        session.add(Workspace(tenant_id=a.tenant_id, name="Sales"))
        session.flush()


def test_workspace_crud_round_trip(store: Store) -> None:
    a = store.register()
    service = store.workspaces(a)
    ws = service.create("  Quarterly   numbers ", description="  Q3 ")
    assert (ws.name, ws.description) == ("Quarterly numbers", "Q3")
    renamed = service.update(ws.id, name="Q3 numbers")
    assert service.get(ws.id).name == renamed.name == "Q3 numbers"
    service.delete(ws.id)
    with pytest.raises(NotFound):
        service.get(ws.id)
    assert service.list() == []


def test_empty_workspace_name_is_invalid(store: Store) -> None:
    a = store.register()
    with pytest.raises(InvalidInput) as caught:
        store.workspaces(a).create("   ")
    assert caught.value.field == "name"


def test_workspace_names_drop_control_and_direction_characters(store: Store) -> None:
    a = store.register()
    ws = store.workspaces(a).create("Sales\x00\u202e 2024")
    assert ws.name == "Sales 2024"
    assert store.workspaces(a).update(ws.id, "\u2066HR\u2069\x1b", None).name == "HR"
    with pytest.raises(InvalidInput, match="no visible characters"):
        store.workspaces(a).create("\u202e\x00")


# -- accounts ------------------------------------------------------------------------------------------


def test_user_and_tenant_names_drop_control_and_direction_characters(store: Store) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    principal = store.accounts.register(
        "Ada\x00\u202e", email, STRONG_PASSWORD, "Acme\u2067 Labs\x07"
    )
    assert (principal.display_name, principal.tenant_name) == ("Ada", "Acme Labs")
    members = store.members(principal)
    assert members.rename_self("\u202eGrace\u202c Hopper") == "Grace Hopper"
    with pytest.raises(InvalidInput, match="no visible characters"):
        members.rename_self("\u200f\u200e")


def test_emails_with_control_characters_are_refused_and_fail_sign_in_cleanly(
    store: Store,
) -> None:
    with pytest.raises(InvalidInput, match="valid email"):
        store.accounts.register("Ada", "ada\x00@example.com", STRONG_PASSWORD)
    registered = store.register()
    with pytest.raises(AuthenticationFailed, match="not correct"):
        store.accounts.authenticate(registered.email + "\x00", "wrong-password", "10.0.0.1")


def test_a_password_made_of_the_users_own_details_is_refused_everywhere(store: Store) -> None:
    with pytest.raises(InvalidInput, match="too easy to guess"):
        store.accounts.register("User A", "usera@tenanta.example", "usera@tenanta", "Tenant A")
    with pytest.raises(InvalidInput, match="too easy to guess"):
        store.accounts.register("User C", "userc@example.com", "Tenant c 2024", "Tenant C")
    principal = store.register("Grace", organisation="Navy Labs")
    with pytest.raises(InvalidInput, match="too easy to guess"):
        store.members(principal).change_own_password(STRONG_PASSWORD, "NavyLabsGrace")
    # The CLI checks an admin's reset against the user's name and tenants, looked up by email.
    details = store.accounts.personal_details(principal.email)
    assert "Grace" in details and "Navy Labs" in details
    with pytest.raises(InvalidInput, match="too easy to guess"):
        store.accounts.check_new_password("GraceNavyLabs", principal.email, *details)


def test_register_creates_a_tenant_administered_by_the_new_user(store: Store) -> None:
    principal = store.register("Grace", organisation="Hopper Labs")
    assert (principal.role, principal.tenant_name) == ("admin", "Hopper Labs")
    rows = store.admin.list_users()
    assert [(r.email, r.role, r.active) for r in rows] == [(principal.email, "admin", True)]


def test_email_is_unique_regardless_of_case(store: Store) -> None:
    first = store.register("Alice")
    with pytest.raises(Conflict, match="already exists"):
        store.accounts.register("Other", first.email.upper(), STRONG_PASSWORD)


def test_database_enforces_unique_email(store: Store) -> None:
    first = store.register("Alice")
    with pytest.raises(IntegrityError), store.db.transaction() as session:
        session.add(User(email=first.email, display_name="Copy", password_hash=None))
        session.flush()


def test_weak_password_is_refused_at_registration(store: Store) -> None:
    with pytest.raises(InvalidInput) as caught:
        store.accounts.register("Weak", "weak@example.com", "password123")
    assert caught.value.field == "password"
    assert store.admin.list_users() == []


def test_authenticate_with_the_right_password_returns_the_principal(store: Store) -> None:
    registered = store.register()
    signed_in = store.accounts.authenticate(registered.email, STRONG_PASSWORD, "10.0.0.1")
    assert signed_in == registered


def test_authenticate_with_a_wrong_password_fails(store: Store) -> None:
    registered = store.register()
    with pytest.raises(AuthenticationFailed, match="not correct"):
        store.accounts.authenticate(registered.email, "wrong-password-here", "10.0.0.1")


def test_authenticate_unknown_email_fails_like_a_wrong_password(store: Store) -> None:
    with pytest.raises(AuthenticationFailed, match="not correct"):
        store.accounts.authenticate("nobody@example.com", STRONG_PASSWORD, "10.0.0.1")


def _age_login_attempts(store: Store, seconds: float) -> None:
    """Move every recorded sign-in attempt ``seconds`` into the past (no sleeping)."""
    with store.db.transaction() as session:
        for attempt in session.scalars(select(LoginAttempt)):
            attempt.created_at -= timedelta(seconds=seconds)


def test_failed_logins_from_one_address_do_not_lock_the_owner_out(
    database_url: str, tmp_path: Path
) -> None:
    throttled = open_store(
        tmp_path,
        database_url,
        auth={"login_throttle": {"max_failures_per_account": 3, "window_seconds": 600}},
    )
    try:
        user = throttled.register()
        for _ in range(3):
            with pytest.raises(AuthenticationFailed):
                throttled.accounts.authenticate(user.email, "wrong-password-here", "10.6.6.6")
        # The attacker's address is throttled for this account, even with the right password ...
        with pytest.raises(Throttled, match="this account"):
            throttled.accounts.authenticate(user.email, STRONG_PASSWORD, "10.6.6.6")
        # ... while the owner, elsewhere, signs in, and still can after failing once themselves.
        assert throttled.accounts.authenticate(user.email, STRONG_PASSWORD, "10.0.0.4") == user
        with pytest.raises(AuthenticationFailed):
            throttled.accounts.authenticate(user.email, "typo-password", "10.0.0.4")
        assert throttled.accounts.authenticate(user.email, STRONG_PASSWORD, "10.0.0.4") == user
    finally:
        throttled.db.dispose()


def test_failed_logins_wait_longer_after_each_further_failure(
    database_url: str, tmp_path: Path
) -> None:
    rules = {"max_failures_per_account": 3, "lockout_seconds": 30, "window_seconds": 600}
    throttled = open_store(tmp_path, database_url, auth={"login_throttle": rules})
    try:
        user = throttled.register()
        for _ in range(3):
            with pytest.raises(AuthenticationFailed):
                throttled.accounts.authenticate(user.email, "wrong-password-here", "10.6.6.6")
        waits = []
        for _ in range(6):
            with pytest.raises(Throttled, match="this account") as caught:
                throttled.accounts.authenticate(user.email, "wrong-password-here", "10.6.6.6")
            waits.append(caught.value.retry_after)
            _age_login_attempts(throttled, caught.value.retry_after)  # the wait is over ...
            with pytest.raises(AuthenticationFailed):  # ... and the next guess fails again
                throttled.accounts.authenticate(user.email, "wrong-password-here", "10.6.6.6")
        assert [round(w, -1) for w in waits] == [30, 60, 120, 240, 480, 600]  # capped: window
        assert "10 minutes" in str(caught.value)
    finally:
        throttled.db.dispose()


def test_failed_logins_throttle_the_client_address(database_url: str, tmp_path: Path) -> None:
    throttled = open_store(
        tmp_path,
        database_url,
        auth={"login_throttle": {"max_failures_per_address": 3, "window_seconds": 60}},
    )
    try:
        user = throttled.register()
        for n in range(3):
            with pytest.raises(AuthenticationFailed):
                throttled.accounts.authenticate(f"guess{n}@example.com", "nope-nope", "10.9.9.9")
        with pytest.raises(Throttled, match="your address"):
            throttled.accounts.authenticate(user.email, STRONG_PASSWORD, "10.9.9.9")
        # Another address is not affected.
        assert throttled.accounts.authenticate(user.email, STRONG_PASSWORD, "10.1.1.1")
    finally:
        throttled.db.dispose()


# -- tokens ---------------------------------------------------------------------------------------------


def test_refresh_rotates_and_reuse_revokes_the_family(store: Store) -> None:
    principal = store.register()
    first = store.accounts.issue_tokens(principal)
    second = store.accounts.refresh_tokens(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert store.accounts.principal_from_access_token(second.access_token) == principal
    with pytest.raises(AuthenticationFailed, match="already used"):
        store.accounts.refresh_tokens(first.refresh_token)
    with pytest.raises(AuthenticationFailed):
        store.accounts.refresh_tokens(second.refresh_token)


def test_reuse_revokes_only_its_own_family(store: Store) -> None:
    principal = store.register()
    laptop = store.accounts.issue_tokens(principal)
    phone = store.accounts.issue_tokens(principal)
    store.accounts.refresh_tokens(laptop.refresh_token)
    with pytest.raises(AuthenticationFailed):
        store.accounts.refresh_tokens(laptop.refresh_token)
    assert store.accounts.refresh_tokens(phone.refresh_token).refresh_token


def test_access_token_signed_with_another_key_is_refused(store: Store) -> None:
    principal = store.register()
    claims = {
        "sub": str(principal.user_id),
        "tid": str(principal.tenant_id),
        "aud": ACCESS_TOKEN_AUDIENCE,
        "exp": int(time.time()) + 600,
    }
    forged = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(b"x" * 48))
    with pytest.raises(AuthenticationFailed):
        store.accounts.principal_from_access_token(forged)


def test_expired_access_token_is_refused(store: Store) -> None:
    principal = store.register()
    key = OctKey.import_key(store.settings.secret_key.encode())
    claims = {
        "sub": str(principal.user_id),
        "tid": str(principal.tenant_id),
        "aud": ACCESS_TOKEN_AUDIENCE,
        "exp": int(time.time()) - 60,
    }
    expired = jwt.encode({"alg": "HS256"}, claims, key)
    claims["exp"] = int(time.time()) + 600
    assert store.accounts.principal_from_access_token(jwt.encode({"alg": "HS256"}, claims, key))
    with pytest.raises(AuthenticationFailed):
        store.accounts.principal_from_access_token(expired)


def test_browser_session_resolves_until_closed(store: Store) -> None:
    principal = store.register()
    browser = store.accounts.open_browser_session(principal)
    resolved = store.accounts.resolve_browser_session(browser.token)
    assert resolved == (principal, browser.csrf_token)
    assert store.accounts.resolve_browser_session("not-a-session") is None
    store.accounts.close_browser_session(browser.token)
    assert store.accounts.resolve_browser_session(browser.token) is None


# -- roles ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["create", "rename", "delete"])
def test_viewer_cannot_write_workspaces(store: Store, action: str) -> None:
    admin = store.register()
    ws = store.workspaces(admin).create("Sales")
    viewer, _ = store.add_member(admin, "viewer")
    service = store.workspaces(viewer)
    with pytest.raises(Forbidden, match="viewer"):
        if action == "create":
            service.create("Mine")
        elif action == "rename":
            service.update(ws.id, name="Renamed")
        else:
            service.delete(ws.id)
    assert [w.name for w in store.workspaces(admin).list()] == ["Sales"]


def test_viewer_reads_workspaces(store: Store) -> None:
    admin = store.register()
    ws = store.workspaces(admin).create("Sales")
    viewer, _ = store.add_member(admin, "viewer")
    assert [w.name for w in store.workspaces(viewer).list()] == ["Sales"]
    assert store.workspaces(viewer).get(ws.id).name == "Sales"


def test_editor_writes_workspaces_but_cannot_manage_members(store: Store) -> None:
    admin = store.register()
    editor, _ = store.add_member(admin, "editor")
    ws = store.workspaces(editor).create("Editor's")
    store.workspaces(editor).update(ws.id, name="Renamed")
    store.workspaces(editor).delete(ws.id)
    with pytest.raises(Forbidden):
        store.members(editor).list()
    with pytest.raises(Forbidden):
        store.members(editor).add("new@example.com", "New", "viewer")


def test_added_members_get_their_roles(store: Store) -> None:
    admin = store.register()
    editor, _ = store.add_member(admin, "editor")
    viewer, password = store.add_member(admin, "viewer")
    assert (editor.role, viewer.role) == ("editor", "viewer")
    assert viewer.tenant_id == admin.tenant_id
    roles = {m.email: m.role for m in store.members(admin).list()}
    assert roles == {admin.email: "admin", editor.email: "editor", viewer.email: "viewer"}
    assert store.accounts.authenticate(viewer.email, password, "10.0.0.1").role == "viewer"


def test_adding_an_existing_member_conflicts(store: Store) -> None:
    admin = store.register()
    viewer, _ = store.add_member(admin, "viewer")
    with pytest.raises(Conflict):
        store.members(admin).add(viewer.email, "Again", "editor")


def test_unknown_role_is_invalid(store: Store) -> None:
    admin = store.register()
    with pytest.raises(InvalidInput, match="admin, editor or viewer"):
        store.members(admin).add("x@example.com", "X", "owner")


def test_changing_a_role_changes_what_the_member_may_do(store: Store) -> None:
    admin = store.register()
    viewer, _ = store.add_member(admin, "viewer")
    store.members(admin).set_role(viewer.user_id, "editor")
    promoted = store.accounts.principal_for(viewer.user_id, admin.tenant_id)
    assert promoted is not None and promoted.role == "editor"
    store.workspaces(promoted).create("Now allowed")


def test_last_admin_cannot_be_demoted(store: Store) -> None:
    admin = store.register()
    with pytest.raises(Conflict, match="at least one active admin"):
        store.members(admin).set_role(admin.user_id, "editor")
    principal = store.accounts.principal_for(admin.user_id, admin.tenant_id)
    assert principal is not None and principal.role == "admin"


def test_last_admin_cannot_be_deactivated(store: Store) -> None:
    admin = store.register()
    with pytest.raises(Conflict, match="at least one active admin"):
        store.members(admin).set_active(admin.user_id, False)
    assert store.accounts.principal_for(admin.user_id, admin.tenant_id) is not None


def test_an_admin_can_be_demoted_when_another_admin_remains(store: Store) -> None:
    admin = store.register()
    second, _ = store.add_member(admin, "admin")
    store.members(second).set_role(admin.user_id, "viewer")
    demoted = store.accounts.principal_for(admin.user_id, admin.tenant_id)
    assert demoted is not None and demoted.role == "viewer"
    with pytest.raises(Conflict):
        store.members(second).set_role(second.user_id, "editor")


def test_members_of_another_tenant_are_not_found(store: Store) -> None:
    a, b = store.register("Alice"), store.register("Bob")
    with pytest.raises(NotFound):
        store.members(b).set_role(a.user_id, "viewer")
    with pytest.raises(NotFound):
        store.members(b).set_active(a.user_id, False)
    principal = store.accounts.principal_for(a.user_id, a.tenant_id)
    assert principal is not None and principal.role == "admin"


def test_deactivated_member_cannot_authenticate(store: Store) -> None:
    admin = store.register()
    viewer, password = store.add_member(admin, "viewer")
    store.members(admin).set_active(viewer.user_id, False)
    assert store.accounts.principal_for(viewer.user_id, admin.tenant_id) is None
    with pytest.raises(AuthenticationFailed):
        store.accounts.authenticate(viewer.email, password, "10.0.0.1")


def test_deactivating_a_member_ends_their_sessions_and_tokens(store: Store) -> None:
    admin = store.register()
    viewer, _ = store.add_member(admin, "viewer")
    tokens = store.accounts.issue_tokens(viewer)
    browser = store.accounts.open_browser_session(viewer)
    store.members(admin).set_active(viewer.user_id, False)
    assert store.accounts.resolve_browser_session(browser.token) is None
    with pytest.raises(AuthenticationFailed):
        store.accounts.principal_from_access_token(tokens.access_token)
    with pytest.raises(AuthenticationFailed):
        store.accounts.refresh_tokens(tokens.refresh_token)


def test_reactivated_member_can_sign_in_again(store: Store) -> None:
    admin = store.register()
    viewer, password = store.add_member(admin, "viewer")
    store.members(admin).set_active(viewer.user_id, False)
    store.members(admin).set_active(viewer.user_id, True)
    assert store.accounts.authenticate(viewer.email, password, "10.0.0.1") == viewer


def test_user_deactivated_by_system_admin_cannot_authenticate(store: Store) -> None:
    principal = store.register()
    store.admin.set_active(principal.email, False)
    assert store.accounts.principal_for(principal.user_id, principal.tenant_id) is None
    with pytest.raises(AuthenticationFailed, match="deactivated"):
        store.accounts.authenticate(principal.email, STRONG_PASSWORD, "10.0.0.1")


# -- the current workspace ------------------------------------------------------------------------------


def test_current_workspace_is_remembered_per_user(store: Store) -> None:
    admin = store.register()
    editor, _ = store.add_member(admin, "editor")
    alpha = store.workspaces(admin).create("Alpha")
    beta = store.workspaces(admin).create("Beta")
    store.workspaces(admin).set_current(beta.id)
    store.workspaces(editor).set_current(alpha.id)
    current_admin, current_editor = (
        store.workspaces(admin).current(),
        store.workspaces(editor).current(),
    )
    assert current_admin is not None and current_admin.id == beta.id
    assert current_editor is not None and current_editor.id == alpha.id


def test_current_workspace_defaults_to_the_first_by_name(store: Store) -> None:
    admin = store.register()
    assert store.workspaces(admin).current() is None
    store.workspaces(admin).create("zeta")
    store.workspaces(admin).create("Alpha")
    current = store.workspaces(admin).current()
    assert current is not None and current.name == "Alpha"


def test_deleting_the_current_workspace_falls_back_to_another(store: Store) -> None:
    admin = store.register()
    alpha = store.workspaces(admin).create("Alpha")
    beta = store.workspaces(admin).create("Beta")
    store.workspaces(admin).set_current(beta.id)
    store.workspaces(admin).delete(beta.id)
    current = store.workspaces(admin).current()
    assert current is not None and current.id == alpha.id


# -- system administration (CLI and declarative config) ------------------------------------------------


def test_admin_creates_tenants_and_users(store: Store) -> None:
    store.admin.create_tenant("acme", "Acme Inc")
    password = store.admin.create_user("Ops@Example.com", "Ops", "acme", "editor")
    assert password
    [row] = store.admin.list_users("acme")
    assert (row.email, row.tenant, row.role, row.active) == (
        "ops@example.com",
        "acme",
        "editor",
        True,
    )
    assert store.accounts.authenticate("ops@example.com", password, "10.0.0.1").role == "editor"


def test_admin_refuses_duplicate_tenants_and_bad_slugs(store: Store) -> None:
    store.admin.create_tenant("acme")
    with pytest.raises(Conflict):
        store.admin.create_tenant("acme")
    with pytest.raises(InvalidInput, match="slug"):
        store.admin.create_tenant("Not A Slug")
    with pytest.raises(NotFound):
        store.admin.create_user("x@example.com", "X", "missing", "viewer")


def test_declarative_apply_is_idempotent(store: Store, tmp_path: Path) -> None:
    spec = tmp_path / "tenants.yaml"
    spec.write_text(
        "tenants:\n"
        "  - slug: acme\n"
        "    name: Acme\n"
        "    workspaces: [Sales, HR]\n"
        "    users:\n"
        "      - {email: boss@acme.test, role: admin}\n"
        "      - {email: intern@acme.test, role: viewer}\n"
    )
    first = store.admin.apply(spec)
    assert "created tenant acme" in first.changes
    assert set(first.passwords) == {"boss@acme.test", "intern@acme.test"}
    second = store.admin.apply(spec)
    assert second.changes == [] and second.passwords == {}
    roles = {r.email: r.role for r in store.admin.list_users("acme")}
    assert roles == {"boss@acme.test": "admin", "intern@acme.test": "viewer"}


def test_deleting_a_tenant_cascades_to_its_rows(store: Store) -> None:
    a, b = store.register("Alice"), store.register("Bob")
    store.workspaces(a).create("Gone with the tenant")
    store.workspaces(b).create("Stays")
    with store.db.transaction() as session:
        tenant = session.get(Tenant, a.tenant_id)
        session.delete(tenant)
    with store.db.transaction() as session:
        assert session.query(Workspace).filter_by(tenant_id=a.tenant_id).count() == 0
        assert session.query(Membership).filter_by(tenant_id=a.tenant_id).count() == 0
    assert [w.name for w in store.workspaces(b).list()] == ["Stays"]


def test_unknown_ids_are_not_found(store: Store) -> None:
    a = store.register()
    with pytest.raises(NotFound):
        store.workspaces(a).get(uuid.uuid4())
    with pytest.raises(NotFound):
        store.members(a).set_role(uuid.uuid4(), "viewer")
