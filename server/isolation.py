"""Moving a query worker into a network namespace of its own, with only a loopback interface.

Defence in depth behind the SERVICE check (server/safety.py): even a query that slipped past it
could not open a connection, since the namespace has no route anywhere. When an operator allows
SERVICE endpoints (or queries go to a remote store), the worker still leaves the network; the
allowed hosts are reached through server/egress.py, whose listeners this module gives addresses
on the namespace's loopback: IP literals are added to ``lo`` as they are, host names are mapped
to addresses of ``127.77.0.0/16`` by a hosts file private to the worker (its own mount
namespace, so the machine's ``/etc/hosts`` is untouched). Any other name resolves nowhere (the
namespace cannot reach a DNS server), and any other address is unreachable.

Linux only, and only as root or where user namespaces are allowed; elsewhere the worker keeps
the machine's network and the SERVICE check stands alone (``/healthz`` says which).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import ipaddress
import logging
import os
import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
MAPPED_NETWORK = ipaddress.ip_network("127.77.0.0/16")  # where allowed host names are mapped
log = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, order=True)
class Target:
    """A host and port a worker may reach (through the relay), from an allowed IRI."""

    host: str  # lower case; an IPv6 literal without brackets
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def targets(iris: tuple[str, ...] | list[str]) -> tuple[Target, ...]:
    """The distinct hosts and ports of the allowed IRIs, sorted; a ValueError names an IRI that
    has none (the allow-list is checked when the server starts, not when a query comes)."""
    found: set[Target] = set()
    for iri in iris:
        parts = urlsplit(iri)
        scheme = parts.scheme.lower()
        try:
            port = parts.port or DEFAULT_PORTS.get(scheme)
        except ValueError:
            port = None
        if scheme not in DEFAULT_PORTS or not parts.hostname or port is None:
            raise ValueError(f"{iri!r} is not an http(s) IRI with a host (PILOTKG_SERVICE_ALLOW, --backend)")
        found.add(Target(parts.hostname.lower(), port))
    return tuple(sorted(found))


def listen_addresses(allowed: tuple[Target, ...]) -> dict[Target, str]:
    """The address inside the namespace where each target is listened for: an IP literal as it
    is, a host name on its own address of MAPPED_NETWORK (``localhost`` on 127.0.0.1)."""
    names = sorted({t.host for t in allowed if not _is_ip(t.host) and t.host != "localhost"})
    if len(names) >= MAPPED_NETWORK.num_addresses - 2:
        raise ValueError(f"too many allowed host names ({len(names)})")
    mapped = {name: str(MAPPED_NETWORK[i + 1]) for i, name in enumerate(names)}
    mapped["localhost"] = "127.0.0.1"
    return {t: t.host if _is_ip(t.host) else mapped[t.host] for t in allowed}


def hosts_file(addresses: dict[Target, str]) -> str:
    """The worker's /etc/hosts: localhost, and each allowed host name at its listener's address."""
    lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
    names = sorted(
        {(address, t.host) for t, address in addresses.items() if t.host != "localhost" and not _is_ip(t.host)}
    )
    lines += [f"{address}\t{name}" for address, name in names]
    return "\n".join(lines) + "\n"


def leave_network(addresses: dict[Target, str] | None = None, hosts_path: str = "") -> bool:
    """Enter a new, empty network namespace; True if this process is in one now.

    With ``addresses``, also bring its loopback up with those addresses on it and, when
    ``hosts_path`` is given, bind that file over /etc/hosts in a private mount namespace.
    Pipes and Unix sockets on the file system are unaffected by the move.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    private_mounts = bool(addresses and hosts_path)
    flags = CLONE_NEWNET | (CLONE_NEWNS if private_mounts else 0)
    try:
        if libc.unshare(flags) != 0:
            uid, gid = os.getuid(), os.getgid()
            if libc.unshare(CLONE_NEWUSER | flags) != 0:
                return False
            with contextlib.suppress(OSError):  # keep the same ids inside the user namespace
                _write("/proc/self/setgroups", "deny")
                _write("/proc/self/uid_map", f"{uid} {uid} 1")
                _write("/proc/self/gid_map", f"{gid} {gid} 1")
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return False
    if addresses:  # a failure here only closes the way to some allowed hosts: logged, not fatal
        try:
            _loopback_up()
            for address in sorted(set(addresses.values())):
                ip = ipaddress.ip_address(address)
                if not ip.is_loopback:
                    _add_address(ip)
            if private_mounts:
                _bind_hosts(libc, hosts_path)
        except OSError as exc:
            log.warning("a query worker's way to the allowed endpoints is incomplete: %s", exc)
    return True


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _loopback_up() -> None:
    """``ip link set lo up``: a new namespace's loopback is down; up, it has 127.0.0.1/8 and ::1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def _add_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    """``ip address add IP dev lo`` over rtnetlink (RTM_NEWADDR), for an allowed IP literal that
    is not a loopback address; an OSError if the kernel refuses."""
    family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    data = ip.packed
    attr = struct.pack("HH", 4 + len(data), 2) + data  # IFA_LOCAL
    attr += struct.pack("HH", 4 + len(data), 1) + data  # IFA_ADDRESS
    body = struct.pack("BBBBI", family, ip.max_prefixlen, 0, 0, socket.if_nametoindex("lo")) + attr
    rtm_newaddr, flags = 20, 0x1 | 0x4 | 0x400 | 0x200  # REQUEST | ACK | CREATE | EXCL
    message = struct.pack("IHHII", 16 + len(body), rtm_newaddr, flags, 1, 0) + body
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as s:
        s.send(message)
        reply = s.recv(4096)
    kind = struct.unpack_from("H", reply, 4)[0]
    error = struct.unpack_from("i", reply, 16)[0] if kind == 2 else 0  # NLMSG_ERROR carries errno
    if error:
        raise OSError(-error, f"cannot add {ip} to the worker's loopback: {os.strerror(-error)}")


def _bind_hosts(libc: ctypes.CDLL, hosts_path: str) -> None:
    """Bind ``hosts_path`` over /etc/hosts in this process's own mount namespace. The mounts are
    made private first, so the bind cannot propagate back to the machine's namespace."""
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "cannot make the worker's mounts private")
    target = os.path.realpath("/etc/hosts").encode()
    if libc.mount(hosts_path.encode(), target, None, MS_BIND, None) != 0:
        raise OSError(ctypes.get_errno(), "cannot give the worker its own /etc/hosts")
