"""Upgrading keeps every operator's extensions: a list from before extensions belonged to a PBX
is kept on every PBX there is, so nobody loses sight of a call they saw before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0002_create_roles")]
AFTER = [("accounts", "0005_operator_profile_pbx_required")]


@pytest.fixture
def migrate(transactional_db):
    """migrate(targets) → the apps as those migrations leave them; the latest schema after."""

    def run(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        loader = MigrationExecutor(connection).loader
        others = [within(loader.graph, leaf, targets) for leaf in loader.graph.leaf_nodes()]
        return loader.project_state([*targets, *filter(None, others)]).apps

    yield run
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def within(graph, leaf, targets):
    """Another app's latest migration that needs no accounts migration past `targets` (migrating
    accounts back unapplied the ones that do); None for accounts itself or no such migration."""
    allowed = {node for target in targets for node in graph.forwards_plan(target)}
    node = leaf
    while node is not None and node[0] != "accounts":
        needs = [n for n in graph.forwards_plan(node) if n[0] == "accounts" and n not in allowed]
        if not needs:
            return node
        parents = [
            parent.key for parent in graph.node_map[node].parents if parent.key[0] == node[0]
        ]
        node = parents[0] if parents else None
    return None


def old_world(apps, pbx_names):
    User = apps.get_model("auth", "User")
    PbxConnection = apps.get_model("providers", "PbxConnection")
    OperatorProfile = apps.get_model("accounts", "OperatorProfile")
    pbxes = [
        PbxConnection.objects.create(name=name, host=f"{name}.example.uz", username="u")
        for name in pbx_names
    ]
    for username, extensions in (("olga", "101, 102"), ("umid", "205")):
        user = User.objects.create(username=username)
        OperatorProfile.objects.create(user=user, extensions=extensions)
    return [pbx.pk for pbx in pbxes]


def links(apps) -> set[tuple]:
    OperatorProfile = apps.get_model("accounts", "OperatorProfile")
    return set(OperatorProfile.objects.values_list("user__username", "pbx_id", "extensions"))


def test_each_list_is_kept_on_every_pbx(migrate):
    pbx_ids = old_world(migrate(BEFORE), ["head", "branch"])
    apps = migrate(AFTER)
    assert links(apps) == {
        (user, pbx_id, extensions)
        for user, extensions in (("olga", "101, 102"), ("umid", "205"))
        for pbx_id in pbx_ids
    }


def test_with_one_pbx_each_list_belongs_to_it(migrate):
    [pbx_id] = old_world(migrate(BEFORE), ["head"])
    assert links(migrate(AFTER)) == {("olga", pbx_id, "101, 102"), ("umid", pbx_id, "205")}


def test_going_back_joins_each_operators_lists_into_one(migrate):
    apps = migrate(AFTER)
    User = apps.get_model("auth", "User")
    PbxConnection = apps.get_model("providers", "PbxConnection")
    OperatorProfile = apps.get_model("accounts", "OperatorProfile")
    user = User.objects.create(username="olga")
    for name, extensions in (("head", "101, 102"), ("branch", "102, 205")):
        pbx = PbxConnection.objects.create(name=name, host=f"{name}.example.uz", username="u")
        OperatorProfile.objects.create(user=user, pbx=pbx, extensions=extensions)
    apps = migrate(BEFORE)
    OperatorProfile = apps.get_model("accounts", "OperatorProfile")
    assert list(OperatorProfile.objects.values_list("user__username", "extensions")) == [
        ("olga", "101, 102, 205")
    ]
