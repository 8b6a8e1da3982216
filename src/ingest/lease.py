"""One writer per hour: a lease object taken with `put_if_absent` before an hour is rebuilt.

    locks/dt=YYYY-MM-DD/hour=HH.json     {"holder", "host", "pid", "expires"}

Rebuilding an hour deletes its manifest, rewrites `part-00000...` and writes the manifest last.
Two runs doing that at once over different snapshots (a fetch landed more in between) can leave
a manifest naming parts the other run overwrote. So a run takes the hour's lease first, reads the
snapshots only once it holds it, checks it still holds it before each part and before the
manifest, and deletes it when done. A second run waits for the lease and then rebuilds from the
snapshots as they are by then, so the last run to finish has seen every snapshot.

A lease left by a run that died is taken over: at once when its holder was a process on this
host that no longer exists, otherwise once it expires (`ttl` after its last renewal; every part
renews it). A run that cannot get the lease within `wait` seconds fails with `PartitionBusy`
(transient: retry later).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ingest.errors import SinkError
from ingest.sink import ObjectMissing, Sink
from ingest.snapshot import partition

log = logging.getLogger(__name__)

TTL_SECONDS = 120.0
WAIT_SECONDS = TTL_SECONDS + 30.0
POLL_SECONDS = 0.2


class PartitionBusy(SinkError):
    """Another run holds the hour's lease and kept it past our wait."""

    transient = True


class LeaseLost(SinkError):
    """Another run took over our lease (we stalled past its expiry): stop before writing more."""

    transient = True


def lease_key(hour: datetime) -> str:
    """Key of an hour's lease."""
    return f"locks/{partition(hour)}.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@dataclass(slots=True, kw_only=True)
class Lease:
    """A held lease on one hour; `check` renews it, `release` gives it up."""

    sink: Sink
    hour: datetime
    ttl: float = TTL_SECONDS
    clock: Callable[[], float] = time.time
    holder: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def key(self) -> str:
        """Where the lease lives."""
        return lease_key(self.hour)

    def _body(self) -> bytes:
        body = {
            "holder": self.holder,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "expires": round(self.clock() + self.ttl, 3),
        }
        return json.dumps(body, sort_keys=True).encode()

    def _read(self) -> dict[str, object] | None:
        try:
            value = json.loads(self.sink.get(self.key))
        except ObjectMissing:
            return None
        except ValueError:
            return {}  # unreadable: nobody can prove they hold it
        return value if isinstance(value, dict) else {}

    def _stale(self, other: dict[str, object]) -> bool:
        expires = other.get("expires")
        if not isinstance(expires, (int, float)) or expires < self.clock():
            return True
        pid = other.get("pid")
        return other.get("host") == socket.gethostname() and isinstance(pid, int) and not _alive(pid)

    def acquire(self, *, wait: float = WAIT_SECONDS, sleep: Callable[[float], None] = time.sleep) -> Lease:
        """Take the lease, waiting for a live holder; raises PartitionBusy after `wait` seconds."""
        deadline = self.clock() + wait
        while True:
            if self.sink.put_if_absent(self.key, self._body()):
                return self
            other = self._read()
            if other is None:
                continue  # released between our write and our read
            if self._stale(other):
                log.warning(
                    "%s: taking over the lease of a run that stopped (%s)", partition(self.hour), other
                )
                self.sink.delete(self.key)
                continue
            if self.clock() > deadline:
                raise PartitionBusy(
                    f"{partition(self.hour)} is being processed by another run "
                    f"(host {other.get('host')}, pid {other.get('pid')}); retry later"
                )
            sleep(POLL_SECONDS)

    def check(self) -> None:
        """Renew the lease; raises LeaseLost when another run holds it now."""
        other = self._read()
        if not other or other.get("holder") != self.holder:
            raise LeaseLost(
                f"{partition(self.hour)}: another run took over this hour; stopped before writing"
            )
        self.sink.put(self.key, self._body())

    def release(self) -> None:
        """Delete the lease if it is still ours; a sink failing now only logs (the lease expires,
        and a run on this host takes it over at once), so it never hides the run's own outcome."""
        try:
            other = self._read()
            if other and other.get("holder") == self.holder:
                self.sink.delete(self.key)
        except SinkError as exc:
            log.warning("%s: lease not released (%s); it expires on its own", partition(self.hour), exc)
