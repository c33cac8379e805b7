"""People's actions on a callback: a claim has one winner, an outcome closes it or counts a try, a
supervisor assigns it, each is audited and survives a rebuild."""

import threading

import pytest
from django.db import connection

from accounts.models import AuditEntry
from accounts.roles import Role
from accounts.testing import make_user
from monitoring.callbacks import actions, derive
from monitoring.models import Callback, CallbackAction
from monitoring.tests.callback_data import at, call, missed, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def callback(pbx):
    missed(pbx, at("10:00"), "901234567")
    derive.rebuild()
    return Callback.objects.get()


def test_claiming_makes_the_operator_the_owner_and_is_audited(callback, operator_user):
    claimed = actions.claim(callback, operator_user)
    assert claimed.owner == operator_user
    entry = AuditEntry.objects.get(action="claim")
    assert entry.user == operator_user
    assert entry.object_id == str(callback.pk)
    assert entry.changes == {"owner": [None, "olga"]}


def test_a_second_claim_is_told_who_has_it(callback, operator_user, pbx):
    actions.claim(callback, operator_user)
    other = make_user("otabek", Role.OPERATOR, extensions="105", pbx=pbx)
    with pytest.raises(actions.CallbackActionError, match="olga has already taken"):
        actions.claim(callback, other)
    assert Callback.objects.get().owner == operator_user
    assert CallbackAction.objects.filter(kind="claim").count() == 1


def test_reached_closes_it_with_the_operators_extension(callback, operator_user):
    actions.claim(callback, operator_user)
    closed = actions.record_outcome(callback, operator_user, "reached")
    assert closed.state == "closed"
    assert closed.resolution == "reached"
    assert closed.closed_by == operator_user
    assert closed.closed_by_extension == "101"
    assert closed.clock_seconds is not None
    assert AuditEntry.objects.filter(action="outcome", changes={"outcome": "reached"}).exists()


def test_no_answer_keeps_it_open_and_counts_a_try(callback, operator_user):
    still_open = actions.record_outcome(callback, operator_user, "no_answer")
    assert still_open.is_open
    assert still_open.tries == 1
    still_open = actions.record_outcome(callback, operator_user, "no_answer")
    assert still_open.tries == 2


@pytest.mark.parametrize("outcome", ["wrong_number", "not_needed"])
def test_wrong_number_and_not_needed_close_it(callback, operator_user, outcome):
    assert actions.record_outcome(callback, operator_user, outcome).resolution == outcome


def test_a_closed_callback_takes_no_more_outcomes(callback, operator_user):
    actions.record_outcome(callback, operator_user, "reached")
    with pytest.raises(actions.CallbackActionError, match="already closed"):
        actions.record_outcome(callback, operator_user, "no_answer")


def test_a_supervisor_reassigns_it(callback, operator_user, supervisor_user, pbx):
    actions.claim(callback, operator_user)
    other = make_user("otabek", Role.OPERATOR, extensions="105", pbx=pbx)
    assert actions.assign(callback, supervisor_user, other).owner == other
    assert actions.assign(callback, supervisor_user, None).owner is None
    assert AuditEntry.objects.filter(action="assign").count() == 2


def test_actions_survive_a_rebuild(callback, operator_user, pbx):
    actions.claim(callback, operator_user)
    actions.record_outcome(callback, operator_user, "no_answer")
    missed(pbx, at("10:30"), "901234567")
    derive.refresh({"901234567": at("10:30")})
    before = snapshot()
    Callback.objects.all().delete()
    derive.rebuild()
    assert snapshot() == before
    assert Callback.objects.get().owner == operator_user


def test_a_callback_made_before_the_operators_outcome_wins(callback, operator_user, pbx):
    actions.record_outcome(callback, operator_user, "reached")
    # The sync then stores the call that really reached the customer, made earlier.
    made = call(pbx, at("10:05"), "outbound", "answered", "901234567", extension="104")
    derive.refresh({"901234567": made.started_at})
    callback = Callback.objects.get()
    assert callback.resolution == "called_back"
    assert callback.closed_by_extension == "104"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_operators_claiming_at_once_one_wins(pbx):
    missed(pbx, at("10:00"), "901234567")
    derive.rebuild()
    callback = Callback.objects.get()
    claimants = [
        make_user(f"operator{n}", Role.OPERATOR, extensions=f"11{n}", pbx=pbx) for n in range(4)
    ]
    start = threading.Barrier(len(claimants))
    won, refused = [], []

    def claim(user):
        try:
            start.wait()
            actions.claim(callback, user)
            won.append(user.username)
        except actions.CallbackActionError as error:
            refused.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in claimants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert len(refused) == 3
    assert all(f"{won[0]} has already taken" in message for message in refused)
    assert Callback.objects.get().owner.username == won[0]
    assert CallbackAction.objects.filter(kind="claim").count() == 1
