"""Network prefixes: the /24 or /48 a vote or sign-up came from, never the address."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.core.net import network_prefix


@pytest.mark.parametrize(
    "address, prefix",
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("010.001.002.003", "10.1.2.0/24"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("256.1.1.1", None),
        ("1.2.3", None),
        ("", None),
        (None, None),
        ("not an address", None),
        ("١.٢.٣.٤", None),  # Arabic-Indic digits are not an IPv4 address
    ],
)
def test_prefixes(address, prefix):
    assert network_prefix(address) == prefix


@given(st.ip_addresses())
def test_fast_path_agrees_with_ipaddress(ip):
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    bits = 24 if ip.version == 4 else 48
    expected = str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))
    assert network_prefix(str(ip)) == expected
