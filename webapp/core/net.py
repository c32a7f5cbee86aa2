"""Client addresses reduced to network prefixes (IPv4 /24, IPv6 /48): enough to see that
many accounts come from one network, without storing anyone's full address."""

from __future__ import annotations

import ipaddress


def network_prefix(address: str | None) -> str | None:
    if not address:
        return None
    # Fast path for the common dotted IPv4 address (on every vote): no ipaddress objects.
    parts = address.split(".")
    if len(parts) == 4 and all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):
        octets = [int(p) for p in parts]
        if max(octets) <= 255:
            return f"{octets[0]}.{octets[1]}.{octets[2]}.0/24"
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    bits = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))
