"""The per-extension figures told apart with the PBX's directory: agents (people's lines, by
name) and service numbers (call queues, the IVR, voicemail, …).

A call whose extension is a service number was taken by a machine, not a person: it is not
counted as answered by an agent.
"""

from providers.directory import directory_of
from providers.models import DirectoryEntry


def agents_and_services(
    rows: list[dict], directory: dict[str, DirectoryEntry] | None = None
) -> tuple[list[dict], list[dict]]:
    """Split kpis.per_extension rows (kept in their order) into agents and service numbers,
    each row given the directory's `name` and `kind` (the type's label).

    A number the directory does not list counts as an agent: the PBX's pattern made it
    internal, and people's lines are most of a directory."""
    directory = directory_of() if directory is None else directory
    agents, services = [], []
    for row in rows:
        entry = directory.get(row["extension"])
        named = {
            **row,
            "name": entry.name if entry else "",
            "kind": entry.get_kind_display() if entry else "",
        }
        (agents if entry is None or entry.is_person else services).append(named)
    return agents, services
